// Abstract register state of the abstract interpreter: what the verifier
// knows about one register (the kernel's struct bpf_reg_state, v6.18).
//
// A register is NOT_INIT, a SCALAR_VALUE (ScalarState: tnum + bounds) or a
// pointer. A pointer has a base type plus flags (PTR_MAYBE_NULL, MEM_RDONLY,
// MEM_RINGBUF, trust flags for BTF pointers), a fixed offset `off` and a
// variable offset kept in `var` with the scalar domain, exactly as the kernel
// keeps var_off/bounds for pointers.
#pragma once

#include <cstdint>
#include <string>

#include "verifier/scalar_bounds.h"

namespace hostbpf::btf {
class Btf;
}

namespace hostbpf::verifier {

/// enum bpf_reg_type's base types (the subset hostbpf implements).
enum class RegType : uint8_t {
  NotInit,
  Scalar,
  Ctx,          // PTR_TO_CTX
  ConstMapPtr,  // CONST_PTR_TO_MAP
  MapValue,     // PTR_TO_MAP_VALUE
  MapKey,       // PTR_TO_MAP_KEY
  Stack,        // PTR_TO_STACK
  Packet,       // PTR_TO_PACKET
  PacketMeta,   // PTR_TO_PACKET_META
  PacketEnd,    // PTR_TO_PACKET_END
  Mem,          // PTR_TO_MEM
  Func,         // PTR_TO_FUNC
  BtfId,        // PTR_TO_BTF_ID: a host (or module) object of type `btf_id` in `btf`
  Buf,          // PTR_TO_BUF (never produced yet; named in helper argument lists)
};

/// enum bpf_type_flag bits that hostbpf uses.
enum RegFlag : uint8_t {
  kPtrMaybeNull = 1 << 0,
  kMemRdonly = 1 << 1,
  kMemRingbuf = 1 << 2,
  kPtrTrusted = 1 << 3,
  kPtrUntrusted = 1 << 4,
  kMemRcu = 1 << 5,
};

struct RegState {
  RegType type = RegType::NotInit;
  uint8_t flags = 0;
  /// Frame of a PTR_TO_STACK (which frame's stack it points into).
  uint8_t frameno = 0;
  int32_t off = 0;  // fixed offset of a pointer
  /// For scalars the value; for pointers the variable offset.
  ScalarState var = ScalarState::known(0);
  /// Null propagation / packet pointer identity (kernel `id`).
  uint32_t id = 0;
  /// The acquired reference this pointer carries (kernel `ref_obj_id`).
  uint32_t ref_obj_id = 0;
  int32_t map = -1;       // CONST_PTR_TO_MAP / MAP_VALUE / MAP_KEY: index into the input's maps
  int32_t range = 0;      // PTR_TO_PACKET: bytes known to be inside the packet from off 0
  uint32_t mem_size = 0;  // PTR_TO_MEM
  int32_t subprog = -1;   // PTR_TO_FUNC: callee subprogram
  /// PTR_TO_BTF_ID: the BTF (host's or a module's) and the struct's id in it.
  const btf::Btf* btf = nullptr;
  uint32_t btf_id = 0;

  bool is_scalar() const { return type == RegType::Scalar; }
  bool is_pointer() const { return type != RegType::Scalar && type != RegType::NotInit; }
  bool maybe_null() const { return (flags & kPtrMaybeNull) != 0; }
  bool is_pkt() const { return type == RegType::Packet || type == RegType::PacketMeta; }
  /// register_is_null: a known-zero scalar.
  bool is_null_const() const { return is_scalar() && tnum_equals_const(var.var_off, 0); }
  bool is_const() const { return is_scalar() && var.is_const(); }

  static RegState not_init() { return RegState{}; }
  static RegState scalar(const ScalarState& s) {
    RegState r;
    r.type = RegType::Scalar;
    r.var = s;
    return r;
  }
  static RegState unknown() { return scalar(ScalarState::unknown()); }
  static RegState known(uint64_t v) { return scalar(ScalarState::known(v)); }
  /// A pointer of `t` with offset 0 and a known-zero variable offset.
  static RegState pointer(RegType t, uint8_t flags = 0) {
    RegState r;
    r.type = t;
    r.flags = flags;
    return r;
  }
};

/// reg_type_str: the kernel's log name of a type with its flags, e.g. "fp",
/// "map_value_or_null", "ringbuf_mem_or_null", "rdonly_mem".
std::string reg_type_str(RegType t, uint8_t flags);
inline std::string reg_type_str(const RegState& r) { return reg_type_str(r.type, r.flags); }

/// print_reg_state's text after "R1=": "ctx()", "fp-8", "map_value(map=m,ks=4,vs=8)",
/// "scalar(smin=...)", "0", "ptr_or_null_foo(id=2,ref_obj_id=2)"... `map_name` is the map's name for map pointers.
std::string reg_state_str(const RegState& r, const std::string& map_name, uint32_t key_size, uint32_t value_size);

}  // namespace hostbpf::verifier
