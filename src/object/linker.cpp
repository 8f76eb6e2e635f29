// Subprogram linking, as libbpf's bpf_object__reloc_code does it: each entry
// program gets its own copy of every function it reaches, appended after its
// body in depth-first order of first use, and every call or function-address
// load gets the pc-relative imm of that copy. The kernel then sees one
// instruction array per program with BPF_PSEUDO_CALL / BPF_PSEUDO_FUNC offsets
// inside it.
//
// .BTF.ext records (byte offsets within an ELF section) follow the code: the
// records of each copied function are rebased to the instruction index of the
// copy, so func_info / line_info / CO-RE relocations index the program's own
// instructions.
#include <algorithm>

#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

namespace {

// The kernel's BPF_COMPLEXITY_LIMIT_INSNS is the most a program may have; the
// object-wide cap bounds the memory that copying subprograms into many
// programs can take.
constexpr size_t kMaxProgramInsns = 1'000'000;
constexpr size_t kMaxObjectInsns = 8'000'000;
constexpr size_t kMaxLineInfoBytes = size_t{256} << 20;

// .BTF.ext records sorted by offset, per section, for range lookups.
template <class Rec>
using Sorted = std::map<std::string, std::vector<Rec>>;

template <class Rec>
Sorted<Rec> sorted(const std::map<std::string, std::vector<Rec>>& in) {
  Sorted<Rec> out = in;
  // clang emits them sorted already; which of two records for one instruction
  // survives (the linker keeps one) only matters for malformed objects.
  for (auto& [sec, v] : out)
    std::stable_sort(v.begin(), v.end(), [](const Rec& a, const Rec& b) { return a.insn_off < b.insn_off; });
  return out;
}

// Records of `sec` whose instruction lies in [start, start + count).
template <class Rec>
std::span<const Rec> records_in(const Sorted<Rec>& all, const std::string& sec, uint32_t start, uint32_t count) {
  auto it = all.find(sec);
  if (it == all.end()) return {};
  const std::vector<Rec>& v = it->second;
  auto lo = std::lower_bound(v.begin(), v.end(), uint64_t{start} * 8,
                             [](const Rec& r, uint64_t off) { return r.insn_off < off; });
  auto hi = std::lower_bound(lo, v.end(), (uint64_t{start} + count) * 8,
                             [](const Rec& r, uint64_t off) { return r.insn_off < off; });
  return {lo, hi};
}

// enum bpf_core_relo_kind, for messages.
const char* core_kind_name(uint32_t kind) {
  static const char* const kNames[] = {
      "field byte offset", "field byte size", "field existence", "field signedness", "field lshift",
      "field rshift",      "local type id",   "target type id",  "type existence",   "type size",
      "enum value existence", "enum value", "type match"};
  return kind < std::size(kNames) ? kNames[kind] : "unknown kind";
}

struct LinkContext {
  ParseState& st;
  Sorted<ExtFuncInfo> func_info;
  Sorted<ExtLineInfo> line_info;
  Sorted<ExtCoreRelo> core_relos;
  size_t total_insns = 0;
  size_t line_bytes = 0;
};

class ProgramLinker {
 public:
  ProgramLinker(LinkContext& ctx, ProgramSpec& prog) : ctx_(ctx), st_(ctx.st), prog_(prog) {}

  Error run(uint32_t entry) {
    if (Error e = place(entry)) return e;
    std::vector<Frame> stack{{entry, 0, 0}};
    while (!stack.empty()) {
      Frame& fr = stack.back();
      const Function& f = st_.functions[fr.fid];
      if (fr.next == f.count) {
        stack.pop_back();
        continue;
      }
      uint32_t idx = fr.next++;
      uint32_t at = fr.off + idx;   // `fr` dies if the stack grows below
      const CodeSection& cs = st_.code.at(f.section);
      auto t = cs.targets.find(f.start + idx);
      if (t == cs.targets.end()) continue;
      uint32_t callee = t->second;
      auto p = placed_.find(callee);
      uint32_t callee_off;
      if (p == placed_.end()) {
        callee_off = static_cast<uint32_t>(prog_.insns.size());
        if (Error e = place(callee)) return e;
        stack.push_back({callee, callee_off, 0});
      } else {
        callee_off = p->second;
      }
      prog_.insns[at].imm = static_cast<int32_t>(int64_t{callee_off} - at - 1);
    }
    for (auto [fid, off] : order_)
      if (Error e = add_ext_info(fid, off)) return e;
    return {};
  }

 private:
  struct Frame {
    uint32_t fid;
    uint32_t off;    // where the function's copy starts in the program
    uint32_t next;   // next instruction of it to look at
  };

  Error place(uint32_t fid) {
    const Function& f = st_.functions[fid];
    if (prog_.insns.size() + f.count > kMaxProgramInsns)
      return Error(-E2BIG, fmt::format("program '{}' with its subprograms exceeds {} instructions", prog_.name,
                                       kMaxProgramInsns));
    ctx_.total_insns += f.count;
    if (ctx_.total_insns > kMaxObjectInsns)
      return Error(-E2BIG, fmt::format("programs with their subprograms exceed {} instructions in all",
                                       kMaxObjectInsns));
    uint32_t off = static_cast<uint32_t>(prog_.insns.size());
    const std::vector<isa::Insn>& code = st_.code.at(f.section).insns;
    prog_.insns.insert(prog_.insns.end(), code.begin() + f.start, code.begin() + f.start + f.count);
    placed_.emplace(fid, off);
    order_.emplace_back(fid, off);
    return {};
  }

  Error add_ext_info(uint32_t fid, uint32_t off) {
    const Function& f = st_.functions[fid];
    const std::string& sec = st_.elf->sections()[f.section].name;
    auto rebase = [&](uint32_t insn_off) { return off + (insn_off / 8 - f.start); };

    if (Error e = add_core_relos(f, sec, rebase)) return e;

    for (const ExtFuncInfo& r : records_in(ctx_.func_info, sec, f.start, f.count)) {
      if (r.insn_off % 8 != 0) return misaligned("func_info", sec, r.insn_off);
      const struct btf_type* t = btf__type_by_id(st_.btf(), r.type_id);
      if (!t || !btf_is_func(t))
        return malformed(".BTF.ext: func_info for '{}' refers to [{}], which is not a BTF FUNC", f.name, r.type_id);
      uint32_t at = rebase(r.insn_off);
      if (prog_.func_info.empty() || prog_.func_info.back().insn_off < at) prog_.func_info.push_back({at, r.type_id});
    }

    for (const ExtLineInfo& r : records_in(ctx_.line_info, sec, f.start, f.count)) {
      if (r.insn_off % 8 != 0) return misaligned("line_info", sec, r.insn_off);
      uint32_t at = rebase(r.insn_off);
      if (!prog_.line_info.empty() && prog_.line_info.back().insn_off >= at) continue;  // duplicate record
      LineInfo li;
      li.insn_off = at;
      li.file = btf__name_by_offset(st_.btf(), r.file_name_off);   // checked by parse_btf_ext
      li.line = btf__name_by_offset(st_.btf(), r.line_off);
      li.line_num = r.line_col >> 10;
      li.col = r.line_col & 0x3ff;
      ctx_.line_bytes += li.file.size() + li.line.size();
      if (ctx_.line_bytes > kMaxLineInfoBytes)
        return Error(-E2BIG, fmt::format(".BTF.ext: line_info text exceeds {} bytes in all", kMaxLineInfoBytes));
      prog_.line_info.push_back(std::move(li));
    }
    return {};
  }

  // CO-RE relocations follow their instructions into the program; they are
  // applied at load, against the BTF of the runtime (object/core_relo.h).
  template <class Rebase>
  Error add_core_relos(const Function& f, const std::string& sec, Rebase rebase) {
    auto core = records_in(ctx_.core_relos, sec, f.start, f.count);
    if (core.empty()) return {};
    const ExtCoreRelo* first = ctx_.core_relos.at(sec).data();
    for (const ExtCoreRelo& r : core) {
      if (r.insn_off % 8 != 0) return misaligned("core_relo", sec, r.insn_off);
      if (!btf__type_by_id(st_.btf(), r.type_id) || r.type_id == 0)
        return malformed(".BTF.ext: CO-RE relocation ({}) in '{}' refers to type [{}], which is not in .BTF",
                         core_kind_name(r.kind), f.name, r.type_id);
      if (!btf__name_by_offset(st_.btf(), r.access_str_off))
        return malformed(".BTF.ext: CO-RE relocation ({}) in '{}': access string offset {} is not a BTF string",
                         core_kind_name(r.kind), f.name, r.access_str_off);
      prog_.core_relos.push_back(
          {rebase(r.insn_off), r.type_id, r.access_str_off, r.kind, static_cast<uint32_t>(&r - first)});
    }
    return {};
  }

  Error misaligned(const char* kind, const std::string& sec, uint32_t off) {
    return malformed(".BTF.ext: {} record for section '{}' at byte {} is not on an instruction", kind, sec, off);
  }

  LinkContext& ctx_;
  ParseState& st_;
  ProgramSpec& prog_;
  std::unordered_map<uint32_t, uint32_t> placed_;   // function id -> offset in the program
  std::vector<std::pair<uint32_t, uint32_t>> order_;
};

}  // namespace

Error link_programs(ParseState& st) {
  LinkContext ctx{st, sorted(st.btf_ext.func_info), sorted(st.btf_ext.line_info), sorted(st.btf_ext.core_relos)};
  for (size_t p = 0; p < st.spec.programs.size(); p++) {
    ProgramLinker linker(ctx, st.spec.programs[p]);
    if (Error e = linker.run(st.program_function[p])) return e;
  }
  return {};
}

}  // namespace hostbpf::object
