// One interface over the two places an integration program can run: hostbpf
// (through its public API) and the Linux kernel (through libbpf and bpf()).
// Scenarios are written once against it, so the expectations checked against
// hostbpf are checked against Linux too, and the differential test can compare
// everything the two report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace integration {

enum class BackendKind { Hostbpf, Kernel };
const char* backend_name(BackendKind kind);

/// A test run's inputs. Syscall programs take `ctx` (read/write); XDP programs
/// take the packet in `data`.
struct RunIn {
  std::vector<uint8_t> ctx;
  std::vector<uint8_t> data;
  uint32_t repeat = 1;
};

/// A test run's outputs, normalised: the kernel writes a syscall program's
/// context back over ctx_in, hostbpf into ctx_out; both land in `ctx_out`.
struct RunOut {
  int err = 0;           // negative errno when the test run itself failed
  uint64_t retval = 0;   // the kernel reports only the low 32 bits
  std::vector<uint8_t> ctx_out;
  std::vector<uint8_t> data_out;
};

struct MapInfo {
  uint32_t type = 0;
  uint32_t key_size = 0;
  uint32_t value_size = 0;
  uint32_t max_entries = 0;
  size_t sys_value_size = 0;  // per-CPU maps: possible CPUs * round_up(value_size, 8)
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual BackendKind kind() const = 0;

  /// Opens and loads an object. 0 or a negative errno; `why` says what failed.
  /// -EPERM/-ENOSYS from the kernel mean bpf() is not permitted here.
  virtual int load(const std::string& path, std::string* why) = 0;
  virtual RunOut run(const std::string& prog, const RunIn& in) = 0;

  /// Maps by libbpf name; global data maps by section name (".bss").
  /// Every call returns 0 or a negative errno.
  virtual int map_info(const std::string& map, MapInfo* info) = 0;
  virtual int lookup(const std::string& map, const void* key, void* value) = 0;
  virtual int update(const std::string& map, const void* key, const void* value, uint64_t flags) = 0;
  virtual int remove(const std::string& map, const void* key) = 0;
  /// key == nullptr: the first key.
  virtual int next_key(const std::string& map, const void* key, void* next) = 0;
  /// Stores program `prog` of the loaded object in slot `slot` of a prog array.
  virtual int set_prog_slot(const std::string& map, uint32_t slot, const std::string& prog) = 0;
  /// Hands every committed ring buffer record to `fn`; returns how many, or a negative errno.
  virtual int ringbuf_consume(const std::string& map,
                              const std::function<void(std::span<const uint8_t>)>& fn) = 0;

  virtual uint32_t possible_cpus() const = 0;
  /// bpf_printk lines so far; nullptr when the backend cannot capture them (the
  /// kernel writes them to the global trace_pipe).
  virtual const std::vector<std::string>* trace_lines() const = 0;
};

std::unique_ptr<Backend> make_backend(BackendKind kind);
std::unique_ptr<Backend> make_hostbpf_backend();
std::unique_ptr<Backend> make_kernel_backend();

}  // namespace integration
