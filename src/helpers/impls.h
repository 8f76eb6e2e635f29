// The helpers' implementations, for the table (table.cpp) that pairs each with
// its prototype. Callers go through the table (helper.h), never these names.
#pragma once

#include <cstdint>

namespace hostbpf::helpers::impl {

// helpers.cpp
uint64_t map_lookup_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t);
uint64_t map_update_elem(uint64_t map, uint64_t key, uint64_t value, uint64_t flags, uint64_t);
uint64_t map_delete_elem(uint64_t map, uint64_t key, uint64_t, uint64_t, uint64_t);
uint64_t probe_read_kernel(uint64_t dst, uint64_t size, uint64_t unsafe_ptr, uint64_t, uint64_t);
uint64_t ktime_get_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
uint64_t ktime_get_boot_ns(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
uint64_t get_prandom_u32(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
uint64_t get_smp_processor_id(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);
uint64_t ringbuf_output(uint64_t rb, uint64_t data, uint64_t size, uint64_t flags, uint64_t);
uint64_t ringbuf_reserve(uint64_t rb, uint64_t size, uint64_t flags, uint64_t, uint64_t);
uint64_t ringbuf_submit(uint64_t sample, uint64_t flags, uint64_t, uint64_t, uint64_t);
uint64_t ringbuf_discard(uint64_t sample, uint64_t flags, uint64_t, uint64_t, uint64_t);
uint64_t ringbuf_query(uint64_t rb, uint64_t flags, uint64_t, uint64_t, uint64_t);
uint64_t loop(uint64_t nr, uint64_t callback, uint64_t ctx, uint64_t flags, uint64_t);

// printk.cpp
uint64_t trace_printk(uint64_t fmt, uint64_t fmt_size, uint64_t a1, uint64_t a2, uint64_t a3);
uint64_t trace_vprintk(uint64_t fmt, uint64_t fmt_size, uint64_t data, uint64_t data_len, uint64_t);

}  // namespace hostbpf::helpers::impl
