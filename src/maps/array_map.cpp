#include "maps/array_map.h"

#include <linux/bpf.h>

#include <cstring>

#include "maps/map_util.h"

namespace hostbpf::maps {

using detail::round_up8;

Result<std::shared_ptr<Map>> ArrayMap::create(const MapSpec& spec) {
  const bool percpu = spec.type == BPF_MAP_TYPE_PERCPU_ARRAY;
  const uint32_t ncpu = percpu ? possible_cpus() : 1;
  const uint64_t stride = round_up8(spec.value_size);
  // u64 arithmetic cannot overflow: max_entries < 2^32, stride <= 2^31, ncpu <= 4096.
  const uint64_t size = uint64_t{spec.max_entries} * stride * ncpu;
  void* data = detail::map_area_alloc(size);
  if (!data)
    return detail::map_error(spec, -ENOMEM, "cannot allocate {} bytes for {} entries of {} bytes", size,
                             spec.max_entries, stride);
  return std::shared_ptr<Map>(new ArrayMap(spec, static_cast<unsigned char*>(data), size, ncpu));
}

ArrayMap::ArrayMap(const MapSpec& spec, unsigned char* data, uint64_t area_size, uint32_t ncpu)
    : Map(spec),
      data_(data),
      area_size_(area_size),
      stride_(static_cast<uint32_t>(round_up8(spec.value_size))),
      percpu_(spec.type == BPF_MAP_TYPE_PERCPU_ARRAY),
      ncpu_(ncpu),
      cpu_span_(uint64_t{spec.max_entries} * stride_) {
  set_lookup_fn(&lookup_direct);
}

ArrayMap::~ArrayMap() { detail::map_area_free(data_, area_size_); }

void* ArrayMap::lookup_elem(const void* key) { return lookup_index(detail::read_index(key)); }

void* ArrayMap::lookup_direct(Map* self, const void* key) {
  return static_cast<ArrayMap*>(self)->lookup_index(detail::read_index(key));
}

long ArrayMap::check_update(uint32_t index, uint64_t flags) const {
  // Same order as the kernel's array_map_update_elem: unknown flags, then
  // BPF_F_LOCK (no bpf_spin_lock in our values), then the index, then NOEXIST
  // (an array element always exists).
  if ((flags & ~uint64_t{BPF_F_LOCK}) > BPF_EXIST) return -EINVAL;
  if (flags & BPF_F_LOCK) return -EINVAL;
  if (index >= spec().max_entries) return -E2BIG;
  if (flags == BPF_NOEXIST) return -EEXIST;
  return 0;
}

long ArrayMap::update_elem(const void* key, const void* value, uint64_t flags) {
  const uint32_t index = detail::read_index(key);
  if (long err = check_update(index, flags)) return err;
  void* dst = lookup_index(index);
  if (!dst) return -EBUSY;  // per-CPU map and no CPU slot left for this thread
  detail::store_value(dst, value, spec().value_size);
  return 0;
}

long ArrayMap::delete_elem(const void*) { return -EINVAL; }

long ArrayMap::sys_lookup(const void* key, void* value_out) {
  const uint32_t index = detail::read_index(key);
  if (index >= spec().max_entries) return -ENOENT;
  const unsigned char* src = data_ + uint64_t{index} * stride_;
  if (!percpu_) {
    detail::load_value(value_out, src, spec().value_size);
    return 0;
  }
  auto* out = static_cast<unsigned char*>(value_out);
  for (uint32_t cpu = 0; cpu < ncpu_; cpu++) detail::load_value(out + uint64_t{cpu} * stride_, src + cpu * cpu_span_, stride_);
  return 0;
}

long ArrayMap::sys_update(const void* key, const void* value, uint64_t flags) {
  if (!percpu_) return update_elem(key, value, flags);
  const uint32_t index = detail::read_index(key);
  if (long err = check_update(index, flags)) return err;
  unsigned char* dst = data_ + uint64_t{index} * stride_;
  const auto* in = static_cast<const unsigned char*>(value);
  for (uint32_t cpu = 0; cpu < ncpu_; cpu++) detail::store_value(dst + cpu * cpu_span_, in + uint64_t{cpu} * stride_, stride_);
  return 0;
}

long ArrayMap::get_next_key(const void* key, void* next_key) {
  return detail::index_get_next_key(spec().max_entries, key, next_key);
}

size_t ArrayMap::sys_value_size() const { return percpu_ ? size_t{stride_} * ncpu_ : spec().value_size; }

long ArrayMap::direct_value_addr(uint32_t off, uint64_t* addr) {
  // Global data (.data/.rodata/.bss) lives in single-entry arrays; the verifier
  // turns `ldimm64 BPF_PSEUDO_MAP_VALUE` into this address.
  if (percpu_ || spec().max_entries != 1) return -EINVAL;
  if (off >= spec().value_size) return -EINVAL;
  *addr = reinterpret_cast<uint64_t>(data_) + off;
  return 0;
}

}  // namespace hostbpf::maps
