// hostbpf map dump
#include <fmt/format.h>
#include <linux/bpf.h>

#include <iostream>

#include "cli.h"

namespace hostbpf::cli {
namespace {

bool is_percpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

void print_element(const Map& m, const std::vector<uint8_t>& key, const std::vector<uint8_t>& value) {
  std::cout << "key: " << to_hex(key.data(), key.size());
  if (!is_percpu(m.type())) {
    std::cout << "  value: " << to_hex(value.data(), value.size()) << "\n";
    return;
  }
  std::cout << "\n";
  const size_t stride = (m.value_size() + 7) / 8 * 8;
  for (size_t cpu = 0; cpu * stride < value.size(); cpu++) {
    const uint8_t* v = value.data() + cpu * stride;
    bool zero = true;
    for (size_t i = 0; i < m.value_size(); i++) zero &= v[i] == 0;
    if (!zero) std::cout << fmt::format("value (CPU {:02}): {}\n", cpu, to_hex(v, m.value_size()));
  }
}

}  // namespace

int map_dump(const std::string& path, const std::string& name, const std::string& after,
             const std::string& ctx_hex, const std::string& data_hex, uint32_t repeat) {
  Runtime rt(RuntimeOptions{.trace = [](std::string_view line) { std::cout << "bpf_trace_printk: " << line << "\n"; }});
  Object obj;
  if (!open_and_load(rt, path, &obj)) return 1;
  auto m = obj.map(name);
  if (!m) {
    std::cerr << "hostbpf: " << m.error().message() << "\n";
    return 1;
  }
  if (m->type() == BPF_MAP_TYPE_RINGBUF) {
    std::cerr << fmt::format("hostbpf: map '{}' is a ring buffer: it has records, not keys, to dump\n", m->name());
    return 1;
  }
  if (!after.empty()) {
    Program prog;
    if (!pick_program(obj, after, &prog)) return 1;
    TestRunInput in;
    if (!in.parse(ctx_hex, "", data_hex)) return 2;
    auto r = prog.test_run(in.options(repeat));
    if (!r) {
      std::cerr << "hostbpf: " << r.error().message() << "\n";
      return 1;
    }
  }

  std::vector<uint8_t> key(m->key_size()), next(m->key_size()), value(m->sys_value_size());
  size_t count = 0;
  bool first = true;
  while (true) {
    Error e = m->next_key(first ? std::span<const uint8_t>() : std::span<const uint8_t>(key), next);
    if (e.code() == -ENOENT) break;
    if (e) {
      std::cerr << "hostbpf: " << e.message() << "\n";
      return 1;
    }
    first = false;
    key = next;
    if (Error le = m->lookup(key, value)) {
      if (le.code() == -ENOENT) continue;  // deleted meanwhile, or an empty prog-array slot
      std::cerr << "hostbpf: " << le.message() << "\n";
      return 1;
    }
    print_element(*m, key, value);
    count++;
  }
  std::cout << fmt::format("Found {} element{}\n", count, count == 1 ? "" : "s");
  return 0;
}

}  // namespace hostbpf::cli
