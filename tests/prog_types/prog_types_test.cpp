// The program-type records (src/prog_types): every kernel type has one, its
// name is libbpf's, section names resolve as libbpf's table does and belong to
// exactly one type, and the XDP record's ctx pieces (layout, rewrite, BTF)
// agree with the UAPI struct xdp_md.
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <cstddef>
#include <string>

#include "btf/builder.h"
#include "hostbpf/context.h"
#include "prog_types/prog_type_ops.h"

namespace hostbpf::prog_types {
namespace {

TEST(ProgTypes, EveryKernelTypeHasItsRecordUnderLibbpfsName) {
  ASSERT_EQ(all().size(), kNumProgTypes);
  for (uint32_t v = 0; v < kNumProgTypes; v++) {
    const ProgTypeOps* t = find(v);
    ASSERT_NE(t, nullptr) << v;
    EXPECT_EQ(static_cast<uint32_t>(t->type), v);
    EXPECT_EQ(&ops(static_cast<ProgType>(v)), t);
    EXPECT_NE(t->is_valid_access, nullptr) << t->name;
    EXPECT_NE(t->get_func_proto, nullptr) << t->name;
    // Debian 12's libbpf predates the newest types; where it knows one, the name is its.
    if (const char* lib = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(v))) {
      EXPECT_EQ(t->name, lib) << v;
    }
    EXPECT_STREQ(prog_type_name(static_cast<ProgType>(v)), std::string(t->name).c_str());
  }
  EXPECT_EQ(find(kNumProgTypes), nullptr);
  EXPECT_EQ(find(UINT32_MAX), nullptr);
  EXPECT_EQ(prog_type_name(static_cast<ProgType>(9999)), nullptr);
  EXPECT_EQ(kfunc_hook(static_cast<ProgType>(9999)), KfuncHook::Max);
}

TEST(ProgTypes, SectionLookups) {
  auto m = match_section("syscall");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ops->type, ProgType::Syscall);
  EXPECT_TRUE(m->def->sleepable);
  m = match_section("fexit.s/f");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->def->expected_attach_type, uint32_t(BPF_TRACE_FEXIT));
  EXPECT_TRUE(m->def->sleepable);
  EXPECT_EQ(m->target, "f");
  m = match_section("xdp.frags");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ops->type, ProgType::Xdp);
  EXPECT_TRUE(m->def->xdp_frags);
  m = match_section("xdp.frags/devmap");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->def->expected_attach_type, uint32_t(BPF_XDP_DEVMAP));
  EXPECT_TRUE(m->def->xdp_frags);
  EXPECT_FALSE(match_section("xdp")->def->xdp_frags);
  m = match_section("tracepoint/a/b");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ops->type, ProgType::Tracepoint);
  EXPECT_EQ(m->target, "a/b");
  m = match_section("struct_ops");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ops->type, ProgType::StructOps);
  EXPECT_FALSE(m->def->sleepable);
  m = match_section("lsm.s/file_open");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->def->expected_attach_type, uint32_t(BPF_LSM_MAC));
  m = match_section("?xdp");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ops->type, ProgType::Xdp);
  // Exact names take no suffix; '+' names need a '/' before one.
  EXPECT_FALSE(match_section("xdp/foo"));
  EXPECT_FALSE(match_section("syscallx"));
  EXPECT_FALSE(match_section("fentryx"));
  EXPECT_FALSE(match_section(""));
  EXPECT_FALSE(match_section(".text"));
}

// match_section walks the types in enum order; that order must not matter,
// so every name a record lists resolves to that record (and to that row or an
// earlier row of the same type, which is libbpf's order within a type).
TEST(ProgTypes, EverySectionNameBelongsToOneType) {
  for (const ProgTypeOps* t : all()) {
    for (const SectionDef& d : t->sections) {
      std::string bare(d.name);
      const bool plus = bare.ends_with('+');
      if (plus) bare.pop_back();
      for (const std::string& sec : plus ? std::vector<std::string>{bare, bare + "/target"}
                                         : std::vector<std::string>{bare}) {
        const auto m = match_section(sec);
        ASSERT_TRUE(m) << sec;
        EXPECT_EQ(m->ops, t) << sec << " resolves to " << m->ops->name << ", listed by " << t->name;
        EXPECT_LE(m->def, &d) << sec;
      }
    }
  }
}

TEST(ProgTypes, KfuncHooksMatchTheKernelsTable) {
  EXPECT_EQ(kfunc_hook(ProgType::Unspec), KfuncHook::Common);
  EXPECT_EQ(kfunc_hook(ProgType::Xdp), KfuncHook::Xdp);
  EXPECT_EQ(kfunc_hook(ProgType::SchedCls), KfuncHook::Tc);
  EXPECT_EQ(kfunc_hook(ProgType::StructOps), KfuncHook::StructOps);
  EXPECT_EQ(kfunc_hook(ProgType::Tracepoint), KfuncHook::Tracing);
  EXPECT_EQ(kfunc_hook(ProgType::Netfilter), KfuncHook::Netfilter);
  EXPECT_EQ(kfunc_hook(ProgType::SkMsg), KfuncHook::Max);
  EXPECT_STREQ(kfunc_hook_name(KfuncHook::SocketFilter), "SOCKET_FILTER");
  EXPECT_STREQ(kfunc_hook_name(KfuncHook::Kprobe), "KPROBE");
}

TEST(ProgTypes, XdpCtxAccessFollowsXdpMd) {
  const ProgTypeOps& x = ops(ProgType::Xdp);
  auto load = [&](int32_t off, int32_t size, uint32_t attach = BPF_XDP) {
    return x.is_valid_access({off, size, false, attach});
  };
  EXPECT_EQ(load(offsetof(struct xdp_md, data), 4).load, CtxLoad::Packet);
  EXPECT_EQ(load(offsetof(struct xdp_md, data_end), 4).load, CtxLoad::PacketEnd);
  EXPECT_EQ(load(offsetof(struct xdp_md, data_meta), 4).load, CtxLoad::PacketMeta);
  EXPECT_TRUE(load(offsetof(struct xdp_md, rx_queue_index), 4).ok);
  EXPECT_FALSE(load(offsetof(struct xdp_md, data), 8).ok);
  EXPECT_FALSE(load(sizeof(struct xdp_md), 4).ok);
  EXPECT_FALSE(load(offsetof(struct xdp_md, egress_ifindex), 4).ok);
  EXPECT_TRUE(load(offsetof(struct xdp_md, egress_ifindex), 4, BPF_XDP_DEVMAP).ok);
  EXPECT_FALSE(x.is_valid_access({offsetof(struct xdp_md, ingress_ifindex), 4, true, BPF_XDP}).ok);
  EXPECT_TRUE(x.pkt_writable);
  EXPECT_FALSE(ops(ProgType::SocketFilter).pkt_writable);
}

TEST(ProgTypes, XdpRewriteReadsTheRuntimesPointers) {
  const ProgTypeOps& x = ops(ProgType::Xdp);
  ASSERT_NE(x.convert_ctx_access, nullptr);
  const struct {
    size_t md_off, ctx_off;
  } pointers[] = {{offsetof(struct xdp_md, data), offsetof(XdpContext, data)},
                  {offsetof(struct xdp_md, data_end), offsetof(XdpContext, data_end)},
                  {offsetof(struct xdp_md, data_meta), offsetof(XdpContext, data_meta)}};
  for (const auto& p : pointers) {
    isa::Insn insn{BPF_LDX | BPF_MEM | BPF_W, 2, 1, static_cast<int16_t>(p.md_off), 0};
    x.convert_ctx_access(insn);
    EXPECT_EQ(insn.code, BPF_LDX | BPF_MEM | BPF_DW);
    EXPECT_EQ(insn.off, static_cast<int16_t>(p.ctx_off));
    EXPECT_EQ(insn.dst_reg, 2);
    EXPECT_EQ(insn.src_reg, 1);
  }
  isa::Insn scalar{BPF_LDX | BPF_MEM | BPF_W, 2, 1, offsetof(struct xdp_md, ingress_ifindex), 0};
  x.convert_ctx_access(scalar);
  EXPECT_EQ(scalar.code, BPF_LDX | BPF_MEM | BPF_W);
  EXPECT_EQ(scalar.off, static_cast<int16_t>(offsetof(XdpContext, ingress_ifindex)));
  // Types whose ctx is the caller's memory have no rewrite.
  EXPECT_EQ(ops(ProgType::Syscall).convert_ctx_access, nullptr);
}

TEST(ProgTypes, XdpMdInHostBtfIsTheUapiLayout) {
  btf::BtfBuilder b;
  describe_ctx_types(b);
  describe_ctx_types(b);  // idempotent
  ASSERT_FALSE(b.error()) << b.error().message();
  auto built = b.finish();
  const int32_t id = btf__find_by_name_kind((*built)->raw(), "xdp_md", BTF_KIND_STRUCT);
  ASSERT_GT(id, 0);
  EXPECT_EQ(btf__find_by_name_kind((*built)->raw(), "xdp_md", BTF_KIND_STRUCT), id);
  const struct btf_type* t = btf__type_by_id((*built)->raw(), id);
  EXPECT_EQ(t->size, sizeof(struct xdp_md));
  ASSERT_EQ(btf_vlen(t), 6);
  const struct {
    const char* name;
    size_t off;
  } want[] = {{"data", offsetof(struct xdp_md, data)},
              {"data_end", offsetof(struct xdp_md, data_end)},
              {"data_meta", offsetof(struct xdp_md, data_meta)},
              {"ingress_ifindex", offsetof(struct xdp_md, ingress_ifindex)},
              {"rx_queue_index", offsetof(struct xdp_md, rx_queue_index)},
              {"egress_ifindex", offsetof(struct xdp_md, egress_ifindex)}};
  for (int i = 0; i < 6; i++) {
    const struct btf_member& m = btf_members(t)[i];
    EXPECT_STREQ(btf__name_by_offset((*built)->raw(), m.name_off), want[i].name);
    EXPECT_EQ(btf_member_bit_offset(t, i), want[i].off * 8) << want[i].name;
  }
}

// get_func_proto: the base helpers for every type, the tracing ones only for
// the tracing family (the kernel gives XDP no bpf_get_stack).
TEST(ProgTypes, HelpersAreDecidedPerType) {
  for (const ProgTypeOps* t : all()) {
    EXPECT_TRUE(t->get_func_proto(BPF_FUNC_map_lookup_elem)) << t->name;
    EXPECT_TRUE(t->get_func_proto(BPF_FUNC_ringbuf_reserve)) << t->name;
    EXPECT_TRUE(t->get_func_proto(BPF_FUNC_loop)) << t->name;
    EXPECT_FALSE(t->get_func_proto(-1)) << t->name;
  }
  EXPECT_TRUE(ops(ProgType::Kprobe).get_func_proto(BPF_FUNC_get_stack));
  EXPECT_TRUE(ops(ProgType::Syscall).get_func_proto(BPF_FUNC_get_stack));
  EXPECT_FALSE(ops(ProgType::Xdp).get_func_proto(BPF_FUNC_get_stack));
  EXPECT_FALSE(ops(ProgType::SchedCls).get_func_proto(BPF_FUNC_probe_read));
}

// Where programs may run: the kernel's can_be_sleepable, syscall's
// "only sleepable", and which types' events can arrive in signal context.
TEST(ProgTypes, ExecContextsPerTypeAndAttachType) {
  EXPECT_EQ(exec_contexts(ops(ProgType::Syscall), 0), kExecSleepable);
  EXPECT_EQ(exec_contexts(ops(ProgType::Xdp), 0), kExecNormal);
  EXPECT_EQ(exec_contexts(ops(ProgType::SocketFilter), 0), kExecNormal);
  EXPECT_EQ(exec_contexts(ops(ProgType::PerfEvent), 0), kExecNormal | kExecSignal);
  EXPECT_EQ(exec_contexts(ops(ProgType::Kprobe), 0), kExecNormal | kExecSleepable | kExecSignal);
  EXPECT_EQ(exec_contexts(ops(ProgType::Lsm), BPF_LSM_MAC), kExecNormal | kExecSleepable);
  EXPECT_EQ(exec_contexts(ops(ProgType::StructOps), 0), kExecNormal | kExecSleepable);
  const ProgTypeOps& tracing = ops(ProgType::Tracing);
  EXPECT_EQ(exec_contexts(tracing, BPF_TRACE_FENTRY), kExecNormal | kExecSleepable | kExecSignal);
  EXPECT_EQ(exec_contexts(tracing, BPF_TRACE_ITER), kExecNormal | kExecSleepable);
  EXPECT_EQ(exec_contexts(tracing, BPF_TRACE_RAW_TP), kExecNormal | kExecSignal);
  EXPECT_EQ(exec_contexts(tracing, BPF_TRACE_KPROBE_MULTI), kExecNormal);

  // A loaded program: sleepable ones only sleep; the others run normally,
  // and in signal context where the type allows.
  EXPECT_EQ(program_exec_contexts(tracing, BPF_TRACE_FENTRY, true), kExecSleepable);
  EXPECT_EQ(program_exec_contexts(tracing, BPF_TRACE_FENTRY, false), kExecNormal | kExecSignal);
  EXPECT_EQ(program_exec_contexts(ops(ProgType::Syscall), 0, true), kExecSleepable);
  EXPECT_EQ(program_exec_contexts(ops(ProgType::Xdp), 0, false), kExecNormal);
  EXPECT_EQ(program_exec_contexts(ops(ProgType::Xdp), 0, true), 0);
}

TEST(ProgTypes, CheckExecContextGivesTheKernelsMessages) {
  const std::string cannot = "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable";
  Error e = check_exec_context(ops(ProgType::Xdp), 0, true);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_EQ(e.message(), cannot);
  e = check_exec_context(ops(ProgType::Tracing), BPF_TRACE_RAW_TP, true);
  EXPECT_EQ(e.message(), cannot);
  e = check_exec_context(ops(ProgType::Syscall), 0, false);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_EQ(e.message(), "Syscall programs can only be sleepable");
  EXPECT_FALSE(check_exec_context(ops(ProgType::Syscall), 0, true));
  EXPECT_FALSE(check_exec_context(ops(ProgType::Tracing), BPF_TRACE_ITER, true));
  EXPECT_FALSE(check_exec_context(ops(ProgType::Xdp), 0, false));
}

// What libbpf's sections set is always a combination the type allows, so
// no object ever meets these messages through its section names alone.
TEST(ProgTypes, EverySectionsAttributesPassCheckExecContext) {
  size_t sleepable = 0;
  for (const ProgTypeOps* t : all())
    for (const SectionDef& d : t->sections) {
      EXPECT_FALSE(check_exec_context(*t, d.expected_attach_type, d.sleepable)) << d.name;
      sleepable += d.sleepable;
    }
  // uprobe.s uretprobe.s fentry.s fmod_ret.s fexit.s iter.s lsm.s struct_ops.s syscall
  EXPECT_EQ(sleepable, 9u);
}

}  // namespace
}  // namespace hostbpf::prog_types
