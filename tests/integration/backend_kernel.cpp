// The kernel side of backend.h: the same .bpf.o loaded into Linux with libbpf
// and run with BPF_PROG_TEST_RUN. This is the oracle the hostbpf results are
// compared with.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>

#include "backend.h"

namespace integration {
namespace {

class KernelBackend final : public Backend {
 public:
  ~KernelBackend() override { bpf_object__close(obj_); }

  BackendKind kind() const override { return BackendKind::Kernel; }

  int load(const std::string& path, std::string* why) override {
    obj_ = bpf_object__open_file(path.c_str(), nullptr);
    if (!obj_) {
      int err = -errno;
      *why = "bpf_object__open_file(" + path + "): " + std::strerror(-err);
      return err;
    }
    // libbpf prints the verifier log to stderr when a program is rejected.
    if (int err = bpf_object__load(obj_)) {
      *why = "bpf_object__load(" + path + "): " + std::strerror(-err);
      bpf_object__close(obj_);
      obj_ = nullptr;
      return err;
    }
    return 0;
  }

  RunOut run(const std::string& name, const RunIn& in) override {
    bpf_program* prog = bpf_object__find_program_by_name(obj_, name.c_str());
    if (!prog) return RunOut{.err = -ENOENT};
    RunOut out;
    LIBBPF_OPTS(bpf_test_run_opts, o);
    std::vector<uint8_t> ctx = in.ctx;
    if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL) {
      // The kernel copies a syscall program's context back over ctx_in, and
      // refuses ctx_out, data and repeat for this type.
      o.ctx_in = ctx.empty() ? nullptr : ctx.data();
      o.ctx_size_in = ctx.size();
      if (!in.data.empty()) o.data_in = in.data.data(), o.data_size_in = in.data.size();
    } else {
      out.data_out.resize(4096);
      o.data_in = in.data.empty() ? nullptr : in.data.data();
      o.data_size_in = in.data.size();
      o.data_out = out.data_out.data();
      o.data_size_out = out.data_out.size();
      o.repeat = in.repeat;
      out.ctx_out.resize(ctx.size());
      if (!ctx.empty()) {
        o.ctx_in = ctx.data();
        o.ctx_size_in = ctx.size();
        o.ctx_out = out.ctx_out.data();
        o.ctx_size_out = out.ctx_out.size();
      }
    }
    if (int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o)) return RunOut{.err = err};
    out.retval = o.retval;
    if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL)
      out.ctx_out = std::move(ctx);
    else
      out.data_out.resize(o.data_size_out);
    return out;
  }

  int map_info(const std::string& name, MapInfo* info) override {
    bpf_map* m = find(name);
    if (!m) return -ENOENT;
    info->type = bpf_map__type(m);
    info->key_size = bpf_map__key_size(m);
    info->value_size = bpf_map__value_size(m);
    info->max_entries = bpf_map__max_entries(m);
    info->sys_value_size = info->value_size;
    if (is_percpu(info->type))
      info->sys_value_size = static_cast<size_t>(possible_cpus()) * ((info->value_size + 7) / 8 * 8);
    return 0;
  }

  int lookup(const std::string& name, const void* key, void* value) override {
    bpf_map* m = find(name);
    return m ? bpf_map_lookup_elem(bpf_map__fd(m), key, value) : -ENOENT;
  }

  int update(const std::string& name, const void* key, const void* value, uint64_t flags) override {
    bpf_map* m = find(name);
    return m ? bpf_map_update_elem(bpf_map__fd(m), key, value, flags) : -ENOENT;
  }

  int remove(const std::string& name, const void* key) override {
    bpf_map* m = find(name);
    return m ? bpf_map_delete_elem(bpf_map__fd(m), key) : -ENOENT;
  }

  int next_key(const std::string& name, const void* key, void* next) override {
    bpf_map* m = find(name);
    return m ? bpf_map_get_next_key(bpf_map__fd(m), key, next) : -ENOENT;
  }

  int set_prog_slot(const std::string& name, uint32_t slot, const std::string& prog_name) override {
    bpf_map* m = find(name);
    bpf_program* prog = bpf_object__find_program_by_name(obj_, prog_name.c_str());
    if (!m || !prog) return -ENOENT;
    int fd = bpf_program__fd(prog);
    return bpf_map_update_elem(bpf_map__fd(m), &slot, &fd, BPF_ANY);
  }

  int ringbuf_consume(const std::string& name, const std::function<void(std::span<const uint8_t>)>& fn) override {
    bpf_map* m = find(name);
    if (!m) return -ENOENT;
    auto cb = [](void* ctx, void* data, size_t size) {
      (*static_cast<const std::function<void(std::span<const uint8_t>)>*>(ctx))(
          {static_cast<const uint8_t*>(data), size});
      return 0;
    };
    ring_buffer* rb = ring_buffer__new(bpf_map__fd(m), cb, const_cast<void*>(static_cast<const void*>(&fn)), nullptr);
    if (!rb) return -errno;
    int n = ring_buffer__consume(rb);
    ring_buffer__free(rb);
    return n;
  }

  uint32_t possible_cpus() const override { return static_cast<uint32_t>(libbpf_num_possible_cpus()); }

  const std::vector<std::string>* trace_lines() const override { return nullptr; }

 private:
  static bool is_percpu(uint32_t type) {
    return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
           type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  }

  // libbpf finds internal maps (".bss", ".data.custom", ...) by their section name.
  bpf_map* find(const std::string& name) const { return bpf_object__find_map_by_name(obj_, name.c_str()); }

  bpf_object* obj_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> make_kernel_backend() { return std::make_unique<KernelBackend>(); }

}  // namespace integration
