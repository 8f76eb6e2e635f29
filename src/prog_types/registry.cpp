// Every program type's record, indexed by type, and the lookups over all of
// them (section names, ctx BTF).
#include <array>
#include <cctype>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "btf/host_types.h"
#include "prog_types/type_defs.h"

namespace hostbpf::prog_types {
namespace {

// In enum bpf_prog_type order: kTable[v] describes value v.
constexpr std::array<const ProgTypeOps*, kNumProgTypes> kTable = {
    &kUnspecOps,        &kSocketFilterOps,   &kKprobeOps,          &kSchedClsOps,
    &kSchedActOps,      &kTracepointOps,     &kXdpOps,             &kPerfEventOps,
    &kCgroupSkbOps,     &kCgroupSockOps,     &kLwtInOps,           &kLwtOutOps,
    &kLwtXmitOps,       &kSockOpsOps,        &kSkSkbOps,           &kCgroupDeviceOps,
    &kSkMsgOps,         &kRawTracepointOps,  &kCgroupSockAddrOps,  &kLwtSeg6localOps,
    &kLircMode2Ops,     &kSkReuseportOps,    &kFlowDissectorOps,   &kCgroupSysctlOps,
    &kRawTracepointWritableOps, &kCgroupSockoptOps, &kTracingOps,  &kStructOpsOps,
    &kExtOps,           &kLsmOps,            &kSkLookupOps,        &kSyscallOps,
    &kNetfilterOps,
};

// Matches one section def; on success *target is what follows "name/" (empty
// for exact names and bare '+' names).
bool matches(std::string_view def, std::string_view sec, std::string_view* target) {
  if (!def.ends_with('+')) {
    *target = {};
    return sec == def;
  }
  def.remove_suffix(1);
  if (sec == def) {
    *target = {};
    return true;
  }
  if (sec.size() > def.size() && sec.starts_with(def) && sec[def.size()] == '/') {
    *target = sec.substr(def.size() + 1);
    return true;
  }
  return false;
}

}  // namespace

const ProgTypeOps& ops(ProgType type) {
  const auto v = static_cast<uint32_t>(type);
  return v < kTable.size() ? *kTable[v] : kUnspecOps;
}

const ProgTypeOps* find(uint32_t raw_type) { return raw_type < kTable.size() ? kTable[raw_type] : nullptr; }

std::span<const ProgTypeOps* const> all() { return kTable; }

KfuncHook kfunc_hook(ProgType type) {
  const ProgTypeOps* t = find(static_cast<uint32_t>(type));
  return t ? t->kfunc_hook : KfuncHook::Max;
}

std::optional<SectionMatch> match_section(std::string_view section) {
  if (section.starts_with('?')) section.remove_prefix(1);
  // Within a type, libbpf's order decides ("xdp.frags/devmap" before "xdp");
  // no name matches the sections of two types (prog_types_test checks), so
  // the order of the types does not.
  for (const ProgTypeOps* t : kTable) {
    for (const SectionDef& d : t->sections) {
      std::string_view target;
      if (matches(d.name, section, &target)) return SectionMatch{t, &d, target};
    }
  }
  return std::nullopt;
}

ExecContexts exec_contexts(const ProgTypeOps& t, uint32_t expected_attach_type) {
  return t.exec_contexts ? t.exec_contexts(expected_attach_type) : ExecContexts{kExecNormal};
}

Error check_exec_context(const ProgTypeOps& t, uint32_t expected_attach_type, bool sleepable) {
  const ExecContexts can = exec_contexts(t, expected_attach_type);
  if (!sleepable && !(can & kExecNormal)) {
    // The kernel's words for its one such type: "Syscall programs ...".
    std::string type(t.name);
    if (!type.empty()) type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
    return Error(-EINVAL, fmt::format("{} programs can only be sleepable", type));
  }
  if (sleepable && !(can & kExecSleepable))
    return Error(-EINVAL, "Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable");
  return {};
}

ExecContexts program_exec_contexts(const ProgTypeOps& t, uint32_t expected_attach_type, bool sleepable) {
  const ExecContexts can = exec_contexts(t, expected_attach_type);
  return sleepable ? (can & kExecSleepable) : (can & (kExecNormal | kExecSignal));
}

void describe_ctx_types(btf::BtfBuilder& b) {
  for (const ProgTypeOps* t : kTable)
    if (t->describe_ctx_btf) t->describe_ctx_btf(b);
}

void add_host_types(btf::BtfBuilder& b) {
  btf::add_standard_types(b);
  describe_ctx_types(b);
}

const char* kfunc_hook_name(KfuncHook h) {
  static constexpr const char* kNames[] = {"COMMON",  "XDP",       "TC",     "STRUCT_OPS",    "TRACING",
                                           "SYSCALL", "FMODRET",   "CGROUP", "SCHED_ACT",     "SK_SKB",
                                           "SOCKET_FILTER", "LWT", "NETFILTER", "KPROBE", "MAX"};
  return kNames[static_cast<int>(h)];
}

}  // namespace hostbpf::prog_types

namespace hostbpf {

const char* prog_type_name(ProgType type) {
  const prog_types::ProgTypeOps* t = prog_types::find(static_cast<uint32_t>(type));
  return t ? t->name.data() : nullptr;
}

}  // namespace hostbpf
