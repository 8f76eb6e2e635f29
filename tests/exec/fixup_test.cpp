// The fixup stage (exec/fixup.h), pass by pass: what each makes of a program
// in the loader's form and the verifier's facts, and the errors that name the
// instruction.
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstddef>

#include "../isa/asm.h"
#include "../maps/test_util.h"
#include "exec/fixup.h"
#include "hostbpf/context.h"
#include "module/btf_owner.h"

namespace hostbpf {
namespace {

using namespace test;
using exec::CallTarget;
using maps::testing::make;
using maps::testing::spec;

std::vector<verifier::InsnFacts> all_seen(size_t n) {
  std::vector<verifier::InsnFacts> f(n);
  for (auto& x : f) x.seen = true;
  return f;
}

struct Stage {
  Prog insns;
  std::vector<verifier::InsnFacts> facts;
  std::vector<maps::Map*> maps;
  std::vector<verifier::KfuncTarget> kfuncs;
  ProgType type = ProgType::Syscall;

  Result<exec::PreparedProgram> run(std::string name = "") const {
    exec::FixupInput in;
    in.insns = insns;
    in.facts = facts;
    in.prog_type = type;
    in.maps = maps;
    in.kfuncs = kfuncs;
    in.exec.name = std::move(name);
    return exec::fixup(in);
  }
};

uint64_t fake_helper(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t) { return 0; }

TEST(Fixup, DeadCodeTrapsCallsNoPathReachesAndNoOneCouldBind) {
  const module::BtfOwner host{"vmlinux", nullptr, false};
  Stage s;
  s.insns = {mov64_imm(0, 0), exit_insn(), call_helper(195896080), call_kfunc(0), call_helper(BPF_FUNC_ktime_get_ns),
             exit_insn()};
  s.kfuncs = {{"weak_missing", nullptr, 0, nullptr}};
  s.facts.resize(s.insns.size());
  s.facts[0].seen = s.facts[1].seen = true;
  auto p = s.run();
  ASSERT_TRUE(p.ok()) << p.error().message();
  for (size_t i : {2u, 3u}) {
    EXPECT_EQ(p->insns[i].code, BPF_JMP | BPF_JA) << i;
    EXPECT_EQ(p->insns[i].off, -1) << i;
  }
  // A dead call of a real helper is left alone (and bound): nothing to trap.
  EXPECT_EQ(p->insns[4].code, BPF_JMP | BPF_CALL);
  EXPECT_EQ(p->calls[4].kind, CallTarget::Kind::Helper);

  // The same calls on a verified path are errors, each naming its instruction.
  s.facts = all_seen(s.insns.size());
  auto poisoned = s.run("relo");
  ASSERT_FALSE(poisoned.ok());
  EXPECT_EQ(poisoned.error().message(), "prog 'relo': insn 2: invalid func unknown#195896080");
  s.insns[2] = mov64_imm(0, 0);
  auto weak = s.run();
  ASSERT_FALSE(weak.ok());
  EXPECT_EQ(weak.error().code(), -EFAULT);
  EXPECT_EQ(weak.error().message(), "insn 3: unresolved kfunc 'weak_missing' on a verified path");
  // Unverified: nothing proves it dead.
  s.facts.clear();
  auto unverified = s.run();
  ASSERT_FALSE(unverified.ok());
  EXPECT_EQ(unverified.error().message(), "insn 3: kfunc 'weak_missing' is referenced but wasn't resolved");
}

TEST(Fixup, MapReferencesBecomeAddressesAndAreListedOnce) {
  auto arr = make(spec(BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, "arr"));
  auto hash = make(spec(BPF_MAP_TYPE_HASH, 4, 8, 4, 0, "h"));
  Stage s;
  lddw(s.insns, 1, 1, BPF_PSEUDO_MAP_IDX);
  lddw(s.insns, 2, 0, BPF_PSEUDO_MAP_IDX);
  lddw(s.insns, 3, 1, BPF_PSEUDO_MAP_IDX);
  s.insns.push_back(exit_insn());
  s.maps = {arr.get(), hash.get()};
  auto p = s.run();
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->insns[0].src_reg, BPF_PSEUDO_MAP_FD);
  EXPECT_EQ(isa::lddw_imm64(&p->insns[0]), reinterpret_cast<uint64_t>(hash.get()));
  EXPECT_EQ(isa::lddw_imm64(&p->insns[2]), reinterpret_cast<uint64_t>(arr.get()));
  EXPECT_EQ(p->used_maps, (std::vector<uint32_t>{1, 0}));

  // A value reference: the element's address plus the offset.
  Stage v;
  lddw(v.insns, 1, 0, BPF_PSEUDO_MAP_IDX_VALUE);
  v.insns[1].imm = 8;
  v.insns.push_back(exit_insn());
  v.maps = {arr.get()};
  auto pv = v.run();
  ASSERT_TRUE(pv.ok()) << pv.error().message();
  uint64_t base = 0;
  ASSERT_EQ(arr->direct_value_addr(0, &base), 0);
  EXPECT_EQ(pv->insns[0].src_reg, BPF_PSEUDO_MAP_VALUE);
  EXPECT_EQ(isa::lddw_imm64(&pv->insns[0]), base + 8);

  v.insns[1].imm = 16;  // past the 16-byte value
  auto outside = v.run();
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().message(), "insn 0: map 'arr' has no direct value access at offset 16");
  v.insns[0].imm = 3;
  auto missing = v.run();
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "insn 0: reference to map index 3 but the object has 1 maps");
  Stage h;
  lddw(h.insns, 1, 0, BPF_PSEUDO_MAP_IDX_VALUE);
  h.insns.push_back(exit_insn());
  h.maps = {hash.get()};
  auto no_direct = h.run();
  ASSERT_FALSE(no_direct.ok());
  EXPECT_NE(no_direct.error().message().find("map 'h' has no direct value access at offset 0"), std::string::npos);
}

TEST(Fixup, HelperCallsAreBoundAndLookupsOnlyWhereEveryPathAgrees) {
  auto a = make(spec(BPF_MAP_TYPE_ARRAY, 4, 8, 1));
  Stage s;
  s.insns = {call_helper(BPF_FUNC_map_lookup_elem), call_helper(BPF_FUNC_map_lookup_elem),
             call_helper(BPF_FUNC_tail_call), call_helper(BPF_FUNC_ktime_get_ns), exit_insn()};
  s.maps = {a.get()};
  s.facts = all_seen(s.insns.size());
  s.facts[0].merge_map(0);
  s.facts[1].merge_map(0);
  s.facts[1].merge_map(1);  // another path, another map
  auto p = s.run();
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->calls[0].kind, CallTarget::Kind::Helper);
  EXPECT_EQ(p->calls[0].map, a.get());
  EXPECT_NE(p->calls[0].fn, nullptr);
  EXPECT_EQ(s.facts[1].map, verifier::InsnFacts::kMapConflict);
  EXPECT_EQ(p->calls[1].map, nullptr);
  EXPECT_EQ(p->calls[2].kind, CallTarget::Kind::TailCall);
  EXPECT_EQ(p->calls[3].kind, CallTarget::Kind::Helper);
  EXPECT_EQ(p->calls[4].kind, CallTarget::Kind::None);
  // Unverified: nothing proves a site's map.
  s.facts.clear();
  auto u = s.run();
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->calls[0].map, nullptr);

  // An override replaces the kernel helper of its id.
  exec::FixupInput in;
  const Prog one = {call_helper(BPF_FUNC_ktime_get_ns), exit_insn()};
  in.insns = one;
  in.exec.helper_overrides = {{BPF_FUNC_ktime_get_ns, &fake_helper}};
  auto o = exec::fixup(in);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->calls[0].fn, &fake_helper);
}

TEST(Fixup, KfuncCallsTakeTheKernelsFormWithModulesNumberedInOrder) {
  const module::BtfOwner host{"vmlinux", nullptr, false};
  const module::BtfOwner mod_a{"mod_a", nullptr, true}, mod_b{"mod_b", nullptr, true};
  Stage s;
  s.kfuncs = {{"in_b", &mod_b, 40, reinterpret_cast<const void*>(&fake_helper), -4},
              {"in_host", &host, 7, reinterpret_cast<const void*>(&fake_helper), 0},
              {"in_a", &mod_a, 50, reinterpret_cast<const void*>(&fake_helper), 1}};
  s.insns = {call_kfunc(0), call_kfunc(1), call_kfunc(2), call_kfunc(0)};
  lddw(s.insns, 1, 2, BPF_PSEUDO_BTF_ID);
  s.insns.push_back(exit_insn());
  auto p = s.run();
  ASSERT_TRUE(p.ok()) << p.error().message();
  EXPECT_EQ(p->insns[0].imm, 40);
  EXPECT_EQ(p->insns[0].off, 1);  // mod_b, the first module the code names
  EXPECT_EQ(p->insns[1].imm, 7);
  EXPECT_EQ(p->insns[1].off, 0);  // the host
  EXPECT_EQ(p->insns[2].off, 2);  // mod_a
  EXPECT_EQ(p->insns[3].off, 1);
  EXPECT_EQ(p->calls[0].kind, CallTarget::Kind::Kfunc);
  EXPECT_EQ(p->calls[0].ret_ext, -4);
  EXPECT_EQ(p->calls[2].ret_ext, 1);
  EXPECT_EQ(p->insns[4].src_reg, 0);  // `r1 = &in_a` is its address
  EXPECT_EQ(isa::lddw_imm64(&p->insns[4]), reinterpret_cast<uint64_t>(&fake_helper));
}

TEST(Fixup, ProbeLoadsComeFromTheFacts) {
  Stage s;
  s.insns = {ldx(BPF_DW, 0, 1, 0), ldx(BPF_DW, 0, 1, 8), exit_insn()};
  s.facts = all_seen(s.insns.size());
  auto none = s.run();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->probe_mem.empty());
  s.facts[1].probe_mem = true;
  auto p = s.run();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->probe_mem, (std::vector<bool>{false, true, false}));
}

TEST(Fixup, CtxRewritesAreTheTypesOwn) {
  Stage s;
  s.type = ProgType::Xdp;
  s.insns = {ldx(BPF_W, 2, 1, offsetof(struct xdp_md, data)), ldx(BPF_W, 3, 1, offsetof(struct xdp_md, ingress_ifindex)),
             mov64_imm(0, 2), exit_insn()};
  s.facts = all_seen(s.insns.size());
  s.facts[0].ctx_access = s.facts[1].ctx_access = true;
  s.facts[0].ctx_pointer_load = true;
  auto p = s.run();
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ctx, exec::CtxRuntime::Rewritten);
  EXPECT_EQ(p->insns[0].code, BPF_LDX | BPF_MEM | BPF_DW);
  EXPECT_EQ(p->insns[0].off, static_cast<int16_t>(offsetof(XdpContext, data)));
  EXPECT_EQ(p->insns[1].off, static_cast<int16_t>(offsetof(XdpContext, ingress_ifindex)));
  // Without facts nothing says which loads are ctx loads: XDP cannot run.
  s.facts.clear();
  auto unverified = s.run();
  ASSERT_TRUE(unverified.ok());
  EXPECT_EQ(unverified->ctx, exec::CtxRuntime::Unsupported);
  EXPECT_EQ(unverified->insns[0].code, BPF_LDX | BPF_MEM | BPF_W);
  // A type with no rewrite whose program takes a packet pointer from its ctx
  // (__sk_buff.data) cannot run; one that reads only scalars can.
  s.type = ProgType::SchedCls;
  s.facts = all_seen(s.insns.size());
  s.facts[0].ctx_access = true;
  s.facts[0].ctx_pointer_load = true;
  auto tc = s.run();
  ASSERT_TRUE(tc.ok());
  EXPECT_EQ(tc->ctx, exec::CtxRuntime::Unsupported);
  s.facts[0].ctx_pointer_load = false;
  EXPECT_EQ(s.run()->ctx, exec::CtxRuntime::Plain);
}

TEST(Fixup, FactsOfTheWrongLengthAreRefused) {
  Stage s;
  s.insns = {mov64_imm(0, 0), exit_insn()};
  s.facts.resize(1);
  auto p = s.run();
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code(), -EFAULT);
  EXPECT_FALSE(Stage{}.run().ok());  // no instructions
}

TEST(InsnFacts, MergeRules) {
  verifier::InsnFacts f;
  f.merge_map(verifier::InsnFacts::kNoMap);
  EXPECT_EQ(f.map, verifier::InsnFacts::kNoMap);
  f.merge_map(2);
  f.merge_map(2);
  EXPECT_EQ(f.map, 2);
  f.merge_map(3);
  EXPECT_EQ(f.map, verifier::InsnFacts::kMapConflict);
  f.merge_map(2);  // a conflict stays one
  EXPECT_EQ(f.map, verifier::InsnFacts::kMapConflict);
  verifier::InsnFacts c;
  EXPECT_TRUE(c.merge_ctx_pointer_load(true, true));
  EXPECT_TRUE(c.merge_ctx_pointer_load(true, false));
  EXPECT_FALSE(c.merge_ctx_pointer_load(false, false));
  EXPECT_TRUE(c.ctx_pointer_load);  // the disagreement does not overwrite it
}

}  // namespace
}  // namespace hostbpf
