// get_func_proto against the running kernel: for every program type the
// kernel loads without an attach target, and every helper id, a program that
// calls the helper is loaded into Linux and into hostbpf. The kernel's
// "program of this type cannot use helper" decides:
//  - every helper hostbpf provides gets the same verdict for the type here;
//  - every id that some record grants (get_func_proto), each record decides
//    as the kernel does: granted where the kernel allows it, not granted
//    where the kernel refuses it. (Ids no record grants are helpers hostbpf
//    neither provides nor has classified: refused here, whatever the kernel says.)
//
// Skips cleanly where bpf() is not permitted (not root, or no CAP_BPF).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "hostbpf/hostbpf.h"
#include "prog_types/prog_type_ops.h"
#include "helpers/helper.h"
#include "kernel_load.h"

namespace hostbpf::prog_types {
namespace {

constexpr const char* kRefused = "program of this type cannot use helper";

int quiet_libbpf(enum libbpf_print_level, const char*, va_list) { return 0; }

// `call func_id; r0 = 0; exit` with R1-R5 zero: whatever the arguments must
// be, the type's get_func_proto is asked first, so a refusal names it and any
// other outcome (a bad argument, acceptance) means the type may call it.
std::vector<struct bpf_insn> probe(int32_t func_id) {
  std::vector<struct bpf_insn> p;
  for (uint8_t r = 1; r <= 5; r++) p.push_back({BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0, 0});
  p.push_back({BPF_JMP | BPF_CALL, 0, 0, 0, func_id});
  p.push_back({BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0});
  p.push_back({BPF_JMP | BPF_EXIT, 0, 0, 0, 0});
  return p;
}

// Loads as libbpf's first section of the type would: its attach type, and
// sleepable for syscall.
KernelLoad load_as_section(const ProgTypeOps& t, const std::vector<struct bpf_insn>& insns) {
  const SectionDef* def = t.sections.empty() ? nullptr : &t.sections.front();
  return kernel_load(t.type, def ? def->expected_attach_type : 0, def && def->sleepable, insns);
}

// The program types the kernel loads bare: a program that returns 0 at once.
std::vector<const ProgTypeOps*> bare_loadable_types() {
  std::vector<const ProgTypeOps*> out;
  const std::vector<struct bpf_insn> ret0 = ret0_program();
  for (const ProgTypeOps* t : all())
    if (t->type != ProgType::Unspec && load_as_section(*t, ret0).err == 0) out.push_back(t);
  return out;
}

bool hostbpf_refuses(Runtime& rt, const ProgTypeOps& t, int32_t func_id, std::string* msg) {
  const std::vector<struct bpf_insn> p = probe(func_id);
  RawProgramOptions o;
  o.name = "probe";
  o.type = t.type;
  o.log_level = 1;
  auto prog = rt.load_raw({reinterpret_cast<const Insn*>(p.data()), p.size()}, o);
  if (prog.ok()) return false;
  *msg = prog.error().message();
  return msg->find(kRefused) != std::string::npos;
}

TEST(FuncProtoKernel, HelpersPerTypeAsTheKernelDecides) {
  libbpf_set_print(quiet_libbpf);
  if (!kernel_loads_programs())
    GTEST_SKIP() << "bpf() not permitted here: " << std::strerror(errno);
  const std::vector<const ProgTypeOps*> types = bare_loadable_types();
  // Most types load bare; those needing an attach target (tracing, lsm,
  // struct_ops, ext) are what this cannot reach.
  ASSERT_GE(types.size(), 20u);
  Runtime rt;
  size_t provided_checked = 0, granted_checked = 0;
  for (const ProgTypeOps* t : types) {
    SCOPED_TRACE(std::string(t->name));
    for (int32_t id = 1; id < __BPF_FUNC_MAX_ID; id++) {
      const bool provided = helpers::find_helper(id) != nullptr;
      bool classified = false;
      for (const ProgTypeOps* other : all()) classified |= other->get_func_proto(id);
      if (!provided && !classified) continue;
      const KernelLoad k = load_as_section(*t, probe(id));
      const bool kernel_refuses = k.log.find(kRefused) != std::string::npos;
      if (classified) {
        EXPECT_EQ(t->get_func_proto(id), !kernel_refuses)
            << t->name << (kernel_refuses ? " may not" : " may") << " call " << helpers::helper_name(id) << "#"
            << id << " in the kernel";
        granted_checked++;
      }
      if (provided) {
        std::string msg;
        EXPECT_EQ(hostbpf_refuses(rt, *t, id, &msg), kernel_refuses)
            << helpers::helper_name(id) << "#" << id << " for " << t->name << "\nhostbpf: " << msg
            << "\nkernel: " << k.log;
        provided_checked++;
      }
    }
  }
  EXPECT_GT(provided_checked, 0u);
  EXPECT_GT(granted_checked, provided_checked);
}

}  // namespace
}  // namespace hostbpf::prog_types
