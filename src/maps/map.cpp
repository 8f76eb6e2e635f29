// create_map: BPF_MAP_CREATE's validation (kernel/bpf/syscall.c map_create and
// each type's map_alloc_check), then dispatch to the type's implementation.
#include "maps/map.h"

#include <linux/bpf.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <iterator>
#include <new>

#include "base/rcu.h"
#include "maps/array_map.h"
#include "maps/hash_map.h"
#include "maps/map_util.h"
#include "maps/rcu_tsan.h"
#include "maps/prog_array.h"
#include "maps/ringbuf.h"

namespace hostbpf::maps {

using detail::map_error;
using detail::round_up8;

long Map::sys_lookup(const void* key, void* value_out) {
  rcu_tsan::ReadSection rl;
  void* v = lookup_elem(key);
  if (!v) return -ENOENT;
  detail::load_value(value_out, v, spec_.value_size);
  return 0;
}

long Map::sys_update(const void* key, const void* value, uint64_t flags) { return update_elem(key, value, flags); }

namespace {

// Kernel constants that are not in the UAPI header.
constexpr uint64_t kKmallocMaxSize = uint64_t{1} << 22;  // x86-64: 1 << (PAGE_SHIFT + MAX_PAGE_ORDER)
constexpr uint64_t kHtabElemSize = 48;                   // sizeof(struct htab_elem)
constexpr uint64_t kPcpuMinUnitSize = 32 << 10;          // PCPU_MIN_UNIT_SIZE

constexpr uint32_t kAccessMask = BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG;
constexpr uint32_t kArrayFlags = BPF_F_NUMA_NODE | BPF_F_MMAPABLE | kAccessMask | BPF_F_PRESERVE_ELEMS | BPF_F_INNER_MAP;
constexpr uint32_t kHashFlags = BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE | kAccessMask | BPF_F_ZERO_SEED;
constexpr uint32_t kRingbufFlags = BPF_F_NUMA_NODE;

// Kernel names (libbpf's libbpf_bpf_map_type_str), indexed by enum bpf_map_type.
constexpr const char* kTypeNames[] = {
    "unspec",       "hash",         "array",          "prog_array",          "perf_event_array",
    "percpu_hash",  "percpu_array", "stack_trace",    "cgroup_array",        "lru_hash",
    "lru_percpu_hash", "lpm_trie",  "array_of_maps",  "hash_of_maps",        "devmap",
    "sockmap",      "cpumap",       "xskmap",         "sockhash",            "cgroup_storage",
    "reuseport_sockarray", "percpu_cgroup_storage", "queue", "stack",       "sk_storage",
    "devmap_hash",  "struct_ops",   "ringbuf",        "inode_storage",       "task_storage",
    "bloom_filter", "user_ringbuf", "cgrp_storage",   "arena",
};

std::string enum_name(uint32_t type) {
  const char* n = map_type_name(type);
  if (!n) return "unknown";
  std::string s = "BPF_MAP_TYPE_";
  for (const char* p = n; *p; p++) s += static_cast<char>(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
  return s;
}

/// bpf_map_flags_access_ok(): a map cannot be both read-only and write-only for programs.
bool access_ok(uint32_t flags) {
  return (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) != (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

Error bad_flags(const MapSpec& s, uint32_t allowed) {
  return map_error(s, -EINVAL, "map_flags {:#x} not allowed for {} (unsupported: {:#x})", s.map_flags,
                   map_type_name(s.type), s.map_flags & ~allowed);
}

Error check_common(const MapSpec& s) {
  // bpf_get_file_flag(): RDONLY together with WRONLY.
  if ((s.map_flags & BPF_F_RDONLY) && (s.map_flags & BPF_F_WRONLY))
    return map_error(s, -EINVAL, "BPF_F_RDONLY and BPF_F_WRONLY are mutually exclusive");
  if (!access_ok(s.map_flags))
    return map_error(s, -EINVAL, "BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG are mutually exclusive");
  return {};
}

// array_map_alloc_check (shared by prog arrays through fd_array_map_alloc_check).
Error check_array(const MapSpec& s) {
  const bool percpu = s.type == BPF_MAP_TYPE_PERCPU_ARRAY;
  if (s.max_entries == 0) return map_error(s, -EINVAL, "max_entries must be nonzero");
  if (s.key_size != 4) return map_error(s, -EINVAL, "key_size {} is invalid for {} (must be 4)", s.key_size, map_type_name(s.type));
  if (s.value_size == 0) return map_error(s, -EINVAL, "value_size must be nonzero");
  if (s.map_flags & ~kArrayFlags) return bad_flags(s, kArrayFlags);
  // The NUMA node attribute is not modelled: with the flag it is node 0, which
  // per-CPU maps refuse.
  if (percpu && (s.map_flags & BPF_F_NUMA_NODE))
    return map_error(s, -EINVAL, "BPF_F_NUMA_NODE is not allowed for {}", map_type_name(s.type));
  if (s.type != BPF_MAP_TYPE_ARRAY && (s.map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
    return bad_flags(s, kArrayFlags & ~(BPF_F_MMAPABLE | BPF_F_INNER_MAP));
  if (s.map_flags & BPF_F_PRESERVE_ELEMS) return bad_flags(s, kArrayFlags & ~BPF_F_PRESERVE_ELEMS);
  if (s.value_size > INT_MAX) return map_error(s, -E2BIG, "value_size {} is too large", s.value_size);
  if (percpu && round_up8(s.value_size) > kPcpuMinUnitSize)
    return map_error(s, -E2BIG, "value_size {} is too large for a per-CPU map (at most {})", s.value_size,
                     kPcpuMinUnitSize);
  return {};
}

Error check_prog_array(const MapSpec& s) {
  if (s.value_size != 4) return map_error(s, -EINVAL, "value_size {} is invalid for prog_array (must be 4)", s.value_size);
  if (s.map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG))
    return map_error(s, -EINVAL, "BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG are not allowed for prog_array");
  return check_array(s);
}

// htab_map_alloc_check.
Error check_hash(const MapSpec& s) {
  const bool percpu = s.type == BPF_MAP_TYPE_PERCPU_HASH || s.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  const bool lru = s.type == BPF_MAP_TYPE_LRU_HASH || s.type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
  const bool percpu_lru = s.map_flags & BPF_F_NO_COMMON_LRU;
  const bool prealloc = !(s.map_flags & BPF_F_NO_PREALLOC);
  if (s.map_flags & ~kHashFlags) return bad_flags(s, kHashFlags);
  if (!lru && percpu_lru) return map_error(s, -EINVAL, "BPF_F_NO_COMMON_LRU is only for LRU maps");
  if (lru && !prealloc) return map_error(s, -detail::kENOTSUPP, "LRU maps cannot use BPF_F_NO_PREALLOC");
  if ((s.map_flags & BPF_F_NUMA_NODE) && (percpu || percpu_lru))
    return map_error(s, -EINVAL, "BPF_F_NUMA_NODE is not allowed for {}", map_type_name(s.type));
  if (s.max_entries == 0) return map_error(s, -EINVAL, "max_entries must be nonzero");
  if (s.key_size == 0) return map_error(s, -EINVAL, "key_size must be nonzero");
  if (s.value_size == 0) return map_error(s, -EINVAL, "value_size must be nonzero");
  if (uint64_t{s.key_size} + s.value_size >= kKmallocMaxSize - kHtabElemSize)
    return map_error(s, -E2BIG, "key_size {} + value_size {} is too large", s.key_size, s.value_size);
  if (percpu && round_up8(s.value_size) > kPcpuMinUnitSize)
    return map_error(s, -E2BIG, "value_size {} is too large for a per-CPU map (at most {})", s.value_size,
                     kPcpuMinUnitSize);
  return {};
}

// ringbuf_map_alloc.
Error check_ringbuf(const MapSpec& s) {
  if (s.map_flags & ~kRingbufFlags) return bad_flags(s, kRingbufFlags);
  if (s.key_size || s.value_size)
    return map_error(s, -EINVAL, "key_size {} and value_size {} must be 0 for ringbuf", s.key_size, s.value_size);
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  const uint32_t n = s.max_entries;
  if (n == 0 || (n & (n - 1)) != 0 || n % page != 0)
    return map_error(s, -EINVAL, "max_entries {} must be a power of 2 and a multiple of the page size ({})", n, page);
  return {};
}

}  // namespace

const char* map_type_name(uint32_t type) {
  return type < std::size(kTypeNames) ? kTypeNames[type] : nullptr;
}

Result<std::shared_ptr<Map>> create_map(const MapSpec& spec) {
  if (Error err = check_common(spec)) return err;
  switch (spec.type) {
    case BPF_MAP_TYPE_ARRAY:
    case BPF_MAP_TYPE_PERCPU_ARRAY:
      if (Error err = check_array(spec)) return err;
      return ArrayMap::create(spec);
    case BPF_MAP_TYPE_HASH:
    case BPF_MAP_TYPE_PERCPU_HASH:
    case BPF_MAP_TYPE_LRU_HASH:
    case BPF_MAP_TYPE_LRU_PERCPU_HASH:
      if (Error err = check_hash(spec)) return err;
      return HashMap::create(spec);
    case BPF_MAP_TYPE_PROG_ARRAY:
      if (Error err = check_prog_array(spec)) return err;
      try {
        return std::shared_ptr<Map>(std::make_shared<ProgArray>(spec));
      } catch (const std::bad_alloc&) {
        return map_error(spec, -ENOMEM, "cannot allocate {} slots", spec.max_entries);
      }
    case BPF_MAP_TYPE_RINGBUF:
      if (Error err = check_ringbuf(spec)) return err;
      return RingBuf::create(spec);
    default:
      return map_error(spec, -EINVAL, "unsupported map type {} ({})", spec.type, enum_name(spec.type));
  }
}

}  // namespace hostbpf::maps
