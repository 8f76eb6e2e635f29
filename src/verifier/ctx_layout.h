// The ctx layout per program type: which loads and stores of the context are
// valid and what a load produces (the kernel's *_is_valid_access callbacks of
// struct bpf_verifier_ops).
#pragma once

#include <cstdint>

#include "verifier/reg_state.h"

namespace hostbpf::verifier {

struct CtxAccess {
  bool ok = false;
  RegType result = RegType::Scalar;  // what a load produces (PTR_TO_PACKET for xdp_md.data)
};

/// The program type's is_valid_access for ctx [off, off+size). Some fields
/// depend on the attach type (xdp_md.egress_ifindex: devmap programs only).
CtxAccess ctx_access(uint32_t prog_type, uint32_t expected_attach_type, int32_t off, int32_t size, bool write);

/// struct __sk_buff (ctx_layout_skb.cpp): tc_cls_act_is_valid_access and
/// sk_filter_is_valid_access.
CtxAccess tc_skb_access(int32_t off, int32_t size, bool write);
CtxAccess socket_filter_skb_access(int32_t off, int32_t size, bool write);

}  // namespace hostbpf::verifier
