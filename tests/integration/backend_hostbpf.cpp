// The hostbpf side of backend.h: the public API only, as an embedding host uses it.
#include <cstring>
#include <mutex>

#include "backend.h"
#include "hostbpf/hostbpf.h"

namespace integration {
namespace {

std::span<const uint8_t> bytes(const void* p, size_t n) { return {static_cast<const uint8_t*>(p), n}; }
std::span<uint8_t> bytes(void* p, size_t n) { return {static_cast<uint8_t*>(p), n}; }

class HostbpfBackend final : public Backend {
 public:
  HostbpfBackend()
      : rt_(hostbpf::RuntimeOptions{.trace = [this](std::string_view line) {
          std::lock_guard<std::mutex> lock(trace_mu_);
          trace_.emplace_back(line);
        }}) {}

  BackendKind kind() const override { return BackendKind::Hostbpf; }

  int load(const std::string& path, std::string* why) override {
    auto obj = rt_.open(path);
    if (!obj) {
      *why = obj.error().message();
      return obj.error().code();
    }
    if (auto err = obj->load()) {
      *why = err.message() + "\n" + err.log();
      return err.code();
    }
    obj_ = *obj;
    return 0;
  }

  RunOut run(const std::string& prog, const RunIn& in) override {
    RunOut out;
    auto p = obj_.program(prog);
    if (!p) return RunOut{.err = p.error().code()};
    hostbpf::TestRunOptions o;
    out.ctx_out.resize(in.ctx.size());
    out.data_out.resize(in.data.empty() ? 0 : 4096);
    if (!in.ctx.empty()) {
      o.ctx_in = in.ctx.data();
      o.ctx_size_in = in.ctx.size();
      o.ctx_out = out.ctx_out.data();
      o.ctx_size_out = out.ctx_out.size();
    }
    if (!in.data.empty()) {
      o.data_in = in.data.data();
      o.data_size_in = in.data.size();
      o.data_out = out.data_out.data();
      o.data_size_out = out.data_out.size();
    }
    o.repeat = in.repeat;
    auto r = p->test_run(o);
    if (!r) return RunOut{.err = r.error().code()};
    out.retval = r->retval;
    out.data_out.resize(in.data.empty() ? 0 : r->data_size_out);
    return out;
  }

  int map_info(const std::string& name, MapInfo* info) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    *info = MapInfo{m->type(), m->key_size(), m->value_size(), m->max_entries(), m->sys_value_size()};
    return 0;
  }

  int lookup(const std::string& name, const void* key, void* value) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    return m->lookup(bytes(key, m->key_size()), bytes(value, m->sys_value_size())).code();
  }

  int update(const std::string& name, const void* key, const void* value, uint64_t flags) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    return m->update(bytes(key, m->key_size()), bytes(value, m->sys_value_size()), flags).code();
  }

  int remove(const std::string& name, const void* key) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    return m->remove(bytes(key, m->key_size())).code();
  }

  int next_key(const std::string& name, const void* key, void* next) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    std::span<const uint8_t> k = key ? bytes(key, m->key_size()) : std::span<const uint8_t>();
    return m->next_key(k, bytes(next, m->key_size())).code();
  }

  // hostbpf's syscall side names programs by id where the kernel uses fds.
  int set_prog_slot(const std::string& name, uint32_t slot, const std::string& prog) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    auto p = obj_.program(prog);
    if (!p) return p.error().code();
    return m->update(slot, p->id()).code();
  }

  int ringbuf_consume(const std::string& name, const std::function<void(std::span<const uint8_t>)>& fn) override {
    auto m = obj_.map(name);
    if (!m) return m.error().code();
    auto n = m->ringbuf_consume([&](std::span<const uint8_t> rec) {
      fn(rec);
      return 0;
    });
    return n ? static_cast<int>(*n) : n.error().code();
  }

  uint32_t possible_cpus() const override { return hostbpf::possible_cpus(); }

  const std::vector<std::string>* trace_lines() const override { return &trace_; }

 private:
  std::mutex trace_mu_;
  std::vector<std::string> trace_;
  hostbpf::Runtime rt_;  // declared after the trace buffer its callback fills
  hostbpf::Object obj_;  // destroyed before the runtime
};

}  // namespace

std::unique_ptr<Backend> make_hostbpf_backend() { return std::make_unique<HostbpfBackend>(); }

}  // namespace integration
