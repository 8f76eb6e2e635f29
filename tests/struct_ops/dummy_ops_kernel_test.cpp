// The built-in bpf_dummy_ops against the running kernel's BTF: the structs a
// program and a struct_ops map see (the ops struct, its state, the value
// wrapper and its common header) have Linux's sizes, member names, offsets
// and member sizes, and the stub annotations give the same argument info
// (test_1's cb is __nullable, nothing else is annotated).
//
// Skips where the kernel exposes no BTF (/sys/kernel/btf/vmlinux).
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>

#include <string>

#include "btf/query.h"
#include "runtime/access.h"
#include "runtime/state.h"

namespace hostbpf {
namespace {

// "name:bit_offset:size" per member, the struct's size first.
std::string layout(const struct btf* b, const char* name) {
  const int id = btf__find_by_name_kind(b, name, BTF_KIND_STRUCT);
  if (id <= 0) return std::string("no struct ") + name;
  const struct btf_type* t = btf__type_by_id(b, id);
  std::string out = std::to_string(t->size);
  const struct btf_member* m = btf_members(t);
  for (int i = 0; i < btf_vlen(t); i++) {
    out += std::string(" ") + btf__name_by_offset(b, m[i].name_off) + ":" +
           std::to_string(btf_member_bit_offset(t, i)) + ":" + std::to_string(btf__resolve_size(b, m[i].type));
  }
  return out;
}

TEST(DummyOpsKernel, LayoutsAreLinuxs) {
  libbpf_set_print(nullptr);
  struct btf* vmlinux = btf__load_vmlinux_btf();
  if (!vmlinux) GTEST_SKIP() << "no kernel BTF here";
  Runtime rt;
  const struct btf* host = detail::Access::state(rt)->host.btf->raw();
  for (const char* s : {"bpf_dummy_ops_state", "bpf_dummy_ops", "bpf_struct_ops_bpf_dummy_ops",
                        "bpf_struct_ops_common_value", "refcount_struct"}) {
    EXPECT_EQ(layout(host, s), layout(vmlinux, s)) << s;
  }
  // The members' prototypes: argument count and each argument's size.
  const int kid = btf__find_by_name_kind(vmlinux, "bpf_dummy_ops", BTF_KIND_STRUCT);
  const int hid = btf__find_by_name_kind(host, "bpf_dummy_ops", BTF_KIND_STRUCT);
  ASSERT_GT(kid, 0);
  ASSERT_GT(hid, 0);
  for (int i = 0; i < 3; i++) {
    auto proto = [&](const struct btf* b, int id) {
      const struct btf_type* ptr = btf__type_by_id(b, btf_members(btf__type_by_id(b, id))[i].type);
      return btf__type_by_id(b, ptr->type);
    };
    const struct btf_type* kp = proto(vmlinux, kid);
    const struct btf_type* hp = proto(host, hid);
    ASSERT_EQ(btf_vlen(kp), btf_vlen(hp)) << "member " << i;
    for (int a = 0; a < btf_vlen(kp); a++)
      EXPECT_EQ(btf__resolve_size(vmlinux, btf_params(kp)[a].type), btf__resolve_size(host, btf_params(hp)[a].type))
          << "member " << i << " arg " << a;
  }
  btf__free(vmlinux);
}

}  // namespace
}  // namespace hostbpf
