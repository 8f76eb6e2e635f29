// What scenarios are written against: a Harness wraps one backend (hostbpf or
// the kernel), finds global variables through the object's BTF, and records a
// transcript of everything observed. Each scenario runs as a test on either
// backend (with its hard-coded expectations) and, in the differential test, on
// both at once with the two transcripts compared.
#pragma once

#include <gtest/gtest.h>
#include <linux/bpf.h>  // BPF_ANY, BPF_NOEXIST, BPF_EXIST, map types

#include <cstring>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "backend.h"

namespace integration {

using Bytes = std::vector<uint8_t>;

inline void PrintTo(BackendKind k, std::ostream* os) { *os << backend_name(k); }

template <class T>
Bytes to_bytes(const T& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  Bytes b(sizeof(T));
  std::memcpy(b.data(), &v, sizeof(T));
  return b;
}

template <class T>
T from_bytes(const Bytes& b, size_t off = 0) {
  T v{};
  if (off + sizeof(T) <= b.size()) std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

/// Where a global variable lives in its section's map value.
struct VarSlot {
  uint32_t offset = 0;
  uint32_t size = 0;
};
/// section name -> variable name -> slot, from the object's BTF DATASECs.
using Layout = std::map<std::string, std::map<std::string, VarSlot>>;

class Harness {
 public:
  explicit Harness(BackendKind kind);

  Backend& backend() { return *backend_; }
  bool is_kernel() const { return kind_ == BackendKind::Kernel; }
  bool skipped() const { return skipped_; }
  const std::string& skip_reason() const { return skip_reason_; }

  /// Loads <test binary dir>/<file>. False when the scenario cannot go on: the
  /// kernel refusing bpf() skips the test, any other failure fails it.
  bool open(const std::string& file);

  /// Runs a program and records err, the low 32 bits of retval, ctx_out and
  /// data_out (the kernel reports only 32 bits of R0).
  RunOut run(const std::string& prog, const RunIn& in = {});
  /// Runs without recording retval (for values that differ by design).
  RunOut run_unrecorded(const std::string& prog, const RunIn& in = {});

  // ---- global variables (".bss", ".data", ".rodata", custom sections) ----
  Bytes section(const std::string& sec);
  template <class T>
  T global(const std::string& sec, const std::string& var) {
    VarSlot s = slot(sec, var, sizeof(T));
    return from_bytes<T>(section(sec), s.offset);
  }
  template <class T>
  T global_at(const std::string& sec, const std::string& var, size_t index) {
    VarSlot s = slot(sec, var, sizeof(T) * (index + 1));
    return from_bytes<T>(section(sec), s.offset + sizeof(T) * index);
  }
  /// Host-side write of one variable (read-modify-write of the whole value).
  template <class T>
  int set_global(const std::string& sec, const std::string& var, const T& v) {
    return write_global(sec, var, to_bytes(v));
  }

  // ---- maps ----
  MapInfo info(const std::string& map);
  /// The u64 value at a u32 key; ~0 (and `*err` set) when the lookup fails.
  uint64_t u64_at(const std::string& map, uint32_t key, int* err = nullptr);
  /// One u64 per possible CPU for a per-CPU map with u64 values; empty if absent.
  std::vector<uint64_t> percpu_u64(const std::string& map, uint32_t key);
  /// Every (key, value) pair, ordered by key bytes.
  std::map<Bytes, Bytes> dump(const std::string& map);

  // ---- the transcript ----
  /// Records an observation under a unique label (a repeated label gets "#n").
  void note(const std::string& what, const Bytes& bytes);
  template <class T>
  T note(const std::string& what, const T& v) {
    note(what, to_bytes(v));
    return v;
  }
  /// Records every variable of a section, except those in `skip`.
  void note_section(const std::string& sec, const std::vector<std::string>& skip = {});
  /// Records a map's full contents (not for per-CPU maps).
  void note_map(const std::string& map);
  /// Records what is comparable across kernels of a per-CPU u64 slot: the sum
  /// over CPUs and how many CPUs hold a non-zero value.
  void note_percpu(const std::string& map, uint32_t key);
  const std::map<std::string, Bytes>& transcript() const { return transcript_; }

 private:
  VarSlot slot(const std::string& sec, const std::string& var, size_t need);
  int write_global(const std::string& sec, const std::string& var, const Bytes& v);

  BackendKind kind_;
  std::unique_ptr<Backend> backend_;
  Layout layout_;
  bool skipped_ = false;
  std::string skip_reason_;
  std::map<std::string, Bytes> transcript_;
  uint32_t runs_ = 0;
};

/// Reads the DATASEC layout of an object with libbpf (no bpf() calls).
Layout read_layout(const std::string& path, std::string* why);

// ---- scenarios: registered once, run on each backend and differentially ----
using ScenarioFn = void (*)(Harness&);
struct Scenario {
  std::string name;
  ScenarioFn fn;
};
const std::vector<Scenario>& scenarios();
void PrintTo(const Scenario& s, std::ostream* os);  // test names and messages show the name
bool register_scenario(const char* name, ScenarioFn fn);

class Integration : public testing::TestWithParam<BackendKind> {};

/// Defines a scenario: a TEST_P of Integration (instantiated per backend by each
/// test executable) and an entry for the differential test.
#define INTEGRATION_SCENARIO(name)                                                          \
  static void scenario_##name(::integration::Harness& h);                                 \
  [[maybe_unused]] static const bool registered_##name =                                  \
      ::integration::register_scenario(#name, &scenario_##name);                          \
  TEST_P(Integration, name) {                                                              \
    ::integration::Harness h(GetParam());                                                  \
    scenario_##name(h);                                                                    \
  }                                                                                        \
  static void scenario_##name(::integration::Harness& h)

}  // namespace integration
