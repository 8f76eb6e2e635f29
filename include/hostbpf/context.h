// The contexts that programs run with (R1 of Program::run), per program type.
//
// Where a context field means "a pointer" to a program, hostbpf never lets the
// program read it from memory that a program could have written: the fields a
// BPF program declares as 32-bit offsets (struct xdp_md's data, data_end,
// data_meta) are rewritten at load, as the kernel's convert_ctx_access does,
// into loads of the 64-bit pointers the runtime put in the context below.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hostbpf {

/// What an XDP program's ctx points to (the kernel's struct xdp_buff as its
/// programs see it through struct xdp_md). Program::run takes a pointer to
/// one; Program::test_run builds one around a copy of the packet.
///
/// The host's contract: data_meta <= data <= data_end, all three inside one
/// buffer the program may read and write (the program may access any byte in
/// [data_meta, data_end) once it has compared against data_end), valid for
/// the whole run. The first six fields are laid out as struct xdp_md so that
/// the scalar fields keep their UAPI offsets; its pointer-sized slots are not
/// read by programs (the loader redirects those loads to the pointers).
struct XdpContext {
  uint32_t data_off = 0;      // struct xdp_md.data's slot: not read by programs
  uint32_t data_end_off = 0;  // struct xdp_md.data_end's slot: not read by programs
  uint32_t data_meta_off = 0; // struct xdp_md.data_meta's slot: not read by programs
  uint32_t ingress_ifindex = 0;
  uint32_t rx_queue_index = 0;
  uint32_t egress_ifindex = 0;  // devmap programs only
  void* data = nullptr;         // the first byte of the packet
  void* data_end = nullptr;     // one past its last byte
  void* data_meta = nullptr;    // metadata before data (data_meta == data: none)
};
static_assert(offsetof(XdpContext, ingress_ifindex) == 12 && offsetof(XdpContext, egress_ifindex) == 20,
              "XdpContext's scalar fields sit where struct xdp_md has them");
static_assert(offsetof(XdpContext, data) == 24 && offsetof(XdpContext, data_meta) == 40);

}  // namespace hostbpf
