// Harness: loading, running and recording on top of a Backend.
#include "harness.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <algorithm>
#include <cstdio>

namespace integration {

Layout read_layout(const std::string& path, std::string* why) {
  Layout layout;
  bpf_object* obj = bpf_object__open_file(path.c_str(), nullptr);
  if (!obj) {
    *why = "cannot open " + path + " with libbpf";
    return layout;
  }
  // libbpf fixes up DATASEC offsets at open, so these are the final ones.
  const btf* b = bpf_object__btf(obj);
  for (uint32_t id = 1; b && id < btf__type_cnt(b); id++) {
    const btf_type* t = btf__type_by_id(b, id);
    if (!btf_is_datasec(t)) continue;
    auto& vars = layout[btf__name_by_offset(b, t->name_off)];
    const btf_var_secinfo* vsi = btf_var_secinfos(t);
    for (uint16_t i = 0; i < btf_vlen(t); i++) {
      const btf_type* var = btf__type_by_id(b, vsi[i].type);
      vars[btf__name_by_offset(b, var->name_off)] = VarSlot{vsi[i].offset, vsi[i].size};
    }
  }
  bpf_object__close(obj);
  return layout;
}

Harness::Harness(BackendKind kind) : kind_(kind), backend_(make_backend(kind)) {}

std::unique_ptr<Backend> make_backend(BackendKind kind) {
  return kind == BackendKind::Kernel ? make_kernel_backend() : make_hostbpf_backend();
}

const char* backend_name(BackendKind kind) { return kind == BackendKind::Kernel ? "Kernel" : "Hostbpf"; }

bool Harness::open(const std::string& file) {
  const std::string path = std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + file;
  std::string why;
  layout_ = read_layout(path, &why);
  if (!why.empty()) {
    ADD_FAILURE() << why;
    return false;
  }
  int err = backend_->load(path, &why);
  if (err == 0) return true;
  if (is_kernel() && (err == -EPERM || err == -ENOSYS)) {
    // Not a failure: this machine (container, unprivileged user) forbids bpf().
    skipped_ = true;
    skip_reason_ = "the kernel does not permit bpf() here (" + std::to_string(err) + "): " + why;
    [&] { GTEST_SKIP() << skip_reason_; }();
    return false;
  }
  ADD_FAILURE() << backend_name(kind_) << ": loading " << file << " failed (" << err << "): " << why;
  return false;
}

RunOut Harness::run_unrecorded(const std::string& prog, const RunIn& in) {
  RunOut out = backend_->run(prog, in);
  note(prog + ".err", out.err);
  if (out.err) return out;  // nothing ran: outputs are whatever the backend left
  if (!out.ctx_out.empty()) note(prog + ".ctx_out", out.ctx_out);
  if (!out.data_out.empty()) note(prog + ".data_out", out.data_out);
  return out;
}

RunOut Harness::run(const std::string& prog, const RunIn& in) {
  RunOut out = run_unrecorded(prog, in);
  if (!out.err) note(prog + ".retval32", static_cast<uint32_t>(out.retval));
  return out;
}

VarSlot Harness::slot(const std::string& sec, const std::string& var, size_t need) {
  auto s = layout_.find(sec);
  if (s == layout_.end() || !s->second.count(var)) {
    ADD_FAILURE() << "no variable '" << var << "' in section '" << sec << "'";
    return VarSlot{UINT32_MAX, 0};
  }
  VarSlot v = s->second.at(var);
  if (need > v.size) ADD_FAILURE() << "variable '" << var << "' has " << v.size << " bytes, not " << need;
  return v;
}

Bytes Harness::section(const std::string& sec) {
  MapInfo mi = info(sec);
  Bytes value(mi.sys_value_size);
  uint32_t key = 0;
  if (int err = backend_->lookup(sec, &key, value.data())) {
    ADD_FAILURE() << "lookup of section map '" << sec << "' failed: " << err;
    return {};
  }
  return value;
}

int Harness::write_global(const std::string& sec, const std::string& var, const Bytes& v) {
  VarSlot s = slot(sec, var, v.size());
  Bytes value = section(sec);
  if (s.offset + v.size() > value.size()) return -EINVAL;
  std::memcpy(value.data() + s.offset, v.data(), v.size());
  uint32_t key = 0;
  return backend_->update(sec, &key, value.data(), BPF_ANY);
}

MapInfo Harness::info(const std::string& map) {
  MapInfo mi;
  if (int err = backend_->map_info(map, &mi)) ADD_FAILURE() << "no map '" << map << "': " << err;
  return mi;
}

uint64_t Harness::u64_at(const std::string& map, uint32_t key, int* err) {
  uint64_t v = ~0ULL;
  int e = backend_->lookup(map, &key, &v);
  if (err) *err = e;
  return e ? ~0ULL : v;
}

std::vector<uint64_t> Harness::percpu_u64(const std::string& map, uint32_t key) {
  std::vector<uint64_t> v(backend_->possible_cpus());
  if (backend_->lookup(map, &key, v.data())) return {};
  return v;
}

std::map<Bytes, Bytes> Harness::dump(const std::string& map) {
  MapInfo mi = info(map);
  std::map<Bytes, Bytes> out;
  Bytes key(mi.key_size), next(mi.key_size);
  const void* cur = nullptr;
  // Bounded: a broken next_key must not hang the test.
  for (uint32_t i = 0; i <= mi.max_entries; i++) {
    if (backend_->next_key(map, cur, next.data())) break;
    Bytes value(mi.sys_value_size);
    if (backend_->lookup(map, next.data(), value.data()) == 0) out[next] = value;
    key = next;
    cur = key.data();
  }
  return out;
}

void Harness::note(const std::string& what, const Bytes& bytes) {
  std::string label = what;
  for (int n = 2; transcript_.count(label); n++) label = what + "#" + std::to_string(n);
  transcript_[label] = bytes;
}

void Harness::note_section(const std::string& sec, const std::vector<std::string>& skip) {
  Bytes value = section(sec);
  for (const auto& [var, s] : layout_[sec]) {
    if (std::find(skip.begin(), skip.end(), var) != skip.end()) continue;
    if (s.offset + s.size <= value.size())
      note(sec + ":" + var, Bytes(value.begin() + s.offset, value.begin() + s.offset + s.size));
  }
}

void Harness::note_map(const std::string& map) {
  auto d = dump(map);
  note(map + ".count", static_cast<uint32_t>(d.size()));
  for (const auto& [k, v] : d) {
    std::string hex;
    for (uint8_t b : k) {
      char buf[3];
      std::snprintf(buf, sizeof buf, "%02x", b);
      hex += buf;
    }
    note(map + "[" + hex + "]", v);
  }
}

void Harness::note_percpu(const std::string& map, uint32_t key) {
  std::vector<uint64_t> v = percpu_u64(map, key);
  uint64_t sum = 0;
  uint32_t nonzero = 0;
  for (uint64_t x : v) {
    sum += x;
    nonzero += x != 0;
  }
  const std::string label = map + "[" + std::to_string(key) + "]";
  note(label + ".present", static_cast<uint8_t>(!v.empty()));
  note(label + ".sum", sum);
  note(label + ".nonzero_cpus", nonzero);
}

std::vector<Scenario>& registry() {
  static std::vector<Scenario> all;
  return all;
}

const std::vector<Scenario>& scenarios() { return registry(); }

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

bool register_scenario(const char* name, ScenarioFn fn) {
  registry().push_back(Scenario{name, fn});
  return true;
}

}  // namespace integration
