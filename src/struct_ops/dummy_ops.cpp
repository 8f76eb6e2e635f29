#include "struct_ops/dummy_ops.h"

#include <cerrno>
#include <cstddef>

#include <linux/btf.h>

namespace hostbpf::struct_ops {
namespace {

// The kernel's cfi stubs. Only test_1's is named <type>__<member>
// (bpf_dummy_ops__test_1), so only its parameter's annotation counts there;
// here every stub FUNC is named so, and test_2's and test_sleepable's
// parameters carry none, which gives the same argument info.
int32_t stub_test_1(BpfDummyOpsState*) { return 0; }
int32_t stub_test_2(BpfDummyOpsState*, int32_t, uint16_t, char, unsigned long) { return 0; }
int32_t stub_test_sleepable(BpfDummyOpsState*) { return 0; }
const BpfDummyOps kStubs = {stub_test_1, stub_test_2, stub_test_sleepable};

}  // namespace

Error register_bpf_dummy_ops(Registrar& r) {
  // A host BTF that already has the kernel's types (a vmlinux BTF given as
  // the host's) keeps them as they are; the built-in, whose C++ layout is
  // the one above, is not registered over them.
  if (r.find("bpf_dummy_ops", BTF_KIND_STRUCT).ok() || r.find("bpf_dummy_ops_state", BTF_KIND_STRUCT).ok()) return {};
  auto st = r.define<BpfDummyOpsState>("bpf_dummy_ops_state", {{"val", &BpfDummyOpsState::val}});
  if (!st.ok()) return st.error();
  StructOps<BpfDummyOps> ops("bpf_dummy_ops", &kStubs);
  ops.member("test_1", &BpfDummyOps::test_1, {"cb__nullable"})
      .member("test_2", &BpfDummyOps::test_2, {"cb", "a1", "a2", "a3", "a4"})
      .member("test_sleepable", &BpfDummyOps::test_sleepable, {"cb"});
  ops.check_member = [](uint32_t member, const StructOpsProgInfo& prog) {
    constexpr uint32_t kTestSleepable = 2;  // offsetof(struct bpf_dummy_ops, test_sleepable) / 8
    return member != kTestSleepable && prog.sleepable ? -EINVAL : 0;
  };
  ops.reg = [](BpfDummyOps*, StructOpsLink*) { return -EOPNOTSUPP; };
  ops.unreg = [](BpfDummyOps*, StructOpsLink*) {};
  auto id = r.add_struct_ops(ops);
  return id.ok() ? Error() : id.error();
}

}  // namespace hostbpf::struct_ops
