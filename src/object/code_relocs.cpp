// Functions and the relocations of code sections.
//
// Every STT_FUNC symbol in an executable section is a function. Non-static
// functions outside .text are entry programs; everything else (all of .text,
// and static functions anywhere) is a subprogram that programs pull in
// through calls.
//
// Relocations are resolved per section, once, into the encodings described at
// the top of object_spec.h. References to maps and global data do not depend on
// where a function ends up, so they are written into the section's copy of the
// code here. Calls and function addresses do: they are recorded as "instruction
// -> callee" and get their pc-relative imm when linker.cpp lays programs out.
//
// How clang encodes the callee (LLVM's BPF relocation docs; libbpf's
// bpf_program__record_reloc and bpf_object__reloc_code read them the same way):
//   call, no relocation        callee in the same section at  i + imm + 1
//   call, R_BPF_64_32          callee at  sym.value / 8 + imm + 1  in the
//                              symbol's section (global callee: the function
//                              symbol and imm = -1; static callee: the section
//                              symbol and imm = callee index - 1)
//   ldimm64, R_BPF_64_64 to code   address of the function at byte
//                              sym.value + imm (clang leaves src_reg 0; the
//                              loader marks it BPF_PSEUDO_FUNC)
#include <elf.h>

#include <cstring>
#include <unordered_set>

#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

std::string extern_kind(const ParseState& st, const std::string& name, const char* fallback) {
  if (const struct btf* btf = st.btf()) {
    for (const char* sec : {".ksyms", ".kconfig"}) {
      uint32_t id = st.datasec(sec);
      if (!id) continue;
      const struct btf_type* ds = btf__type_by_id(btf, id);
      const struct btf_var_secinfo* vsi = btf_var_secinfos(ds);
      for (uint16_t i = 0; i < btf_vlen(ds); i++) {
        const struct btf_type* t = btf__type_by_id(btf, vsi[i].type);
        const char* n = t ? btf__name_by_offset(btf, t->name_off) : nullptr;
        if (!n || name != n) continue;
        if (std::string(sec) == ".kconfig") return "kconfig";
        return btf_is_func(t) ? "kfunc" : "ksym";
      }
    }
  }
  return fallback;
}

namespace {

class SectionRelocator {
 public:
  SectionRelocator(ParseState& st, CodeSection& cs) : st_(st), cs_(cs), elf_(*st.elf) {}

  Error run() {
    if (Error e = index_relocations()) return e;
    size_t n = cs_.insns.size();
    for (uint32_t i = 0; i < n;) {
      isa::Insn& insn = cs_.insns[i];
      auto r = relocs_.find(i);
      const ElfReloc* rel = r == relocs_.end() ? nullptr : &r->second;
      if (isa::is_lddw(insn)) {
        if (i + 1 >= n) {
          if (rel) return here(*rel, "ldimm64 is the last instruction of the section");
          break;  // left for the ISA validator to report
        }
        if (auto mid = relocs_.find(i + 1); mid != relocs_.end())
          return here(mid->second, "points into the middle of the ldimm64 at insn {}", i);
        if (Error e = rel ? lddw_reloc(i, *rel) : lddw_plain(i)) return e;
        i += 2;
        continue;
      }
      if (isa::is_call(insn)) {
        if (Error e = rel ? call_reloc(i, *rel) : call_plain(i)) return e;
      } else if (rel) {
        return here(*rel, "insn {} (opcode {:#04x}) is neither ldimm64 nor call", i, insn.code);
      }
      i++;
    }
    return {};
  }

 private:
  std::string where() const { return elf_.describe(cs_.section); }

  template <class... A>
  Error here(const ElfReloc& r, fmt::format_string<A...> f, A&&... args) {
    const ElfSymbol& sym = elf_.symbols()[r.sym];
    return malformed("{}: relocation {} at offset {:#x} ('{}'): {}", where(), r.index, r.offset, sym.name,
                     fmt::format(f, std::forward<A>(args)...));
  }

  Error index_relocations() {
    if (const ElfSection* rela = elf_.rela_section_for(cs_.section))
      return malformed("{}: RELA relocations ('{}') are not used by BPF objects", where(), rela->name);
    const ElfSection* rel = elf_.rel_section_for(cs_.section);
    if (!rel) return {};
    auto relocs = elf_.relocations(*rel);
    if (!relocs) return relocs.error();
    uint64_t size = cs_.insns.size() * sizeof(isa::Insn);
    for (const ElfReloc& r : *relocs) {
      if (r.offset % sizeof(isa::Insn) != 0 || r.offset >= size)
        return here(r, "offset is not on an instruction of the section ({} bytes)", size);
      if (!relocs_.emplace(static_cast<uint32_t>(r.offset / 8), r).second)
        return here(r, "a second relocation for the same instruction");
    }
    return {};
  }

  // The callee at instruction `target` of code section `sec`, for the call or
  // function load at instruction `i`.
  Error set_target(uint32_t i, uint32_t sec, int64_t target) {
    auto cs = st_.code.find(sec);
    if (cs == st_.code.end())
      return malformed("{}: insn {}: callee is in {}, which holds no BPF code", where(), i, elf_.describe(sec));
    const CodeSection& tcs = cs->second;
    if (target < 0 || target >= static_cast<int64_t>(tcs.insns.size()))
      return malformed("{}: insn {}: callee insn {} is outside {}", where(), i, target, elf_.describe(sec));
    auto f = tcs.function_at.find(static_cast<uint32_t>(target));
    if (f == tcs.function_at.end())
      return malformed("{}: insn {}: callee insn {} of {} is not the start of a function", where(), i, target,
                       elf_.describe(sec));
    cs_.targets[i] = f->second;
    return {};
  }

  Error call_plain(uint32_t i) {
    const isa::Insn& insn = cs_.insns[i];
    if (insn.src_reg == BPF_PSEUDO_CALL) return set_target(i, cs_.section, int64_t{i} + insn.imm + 1);
    if (insn.src_reg == BPF_PSEUDO_KFUNC_CALL)
      return malformed("{}: insn {}: kfunc call without a relocation naming the kfunc", where(), i);
    return {};  // a helper call
  }

  Error lddw_plain(uint32_t i) {
    const isa::Insn& insn = cs_.insns[i];
    if (insn.src_reg == BPF_PSEUDO_FUNC) return set_target(i, cs_.section, int64_t{i} + insn.imm + 1);
    if (insn.src_reg != 0)
      return malformed("{}: insn {}: ldimm64 with src_reg {} but no relocation", where(), i, int{insn.src_reg});
    return {};
  }

  // Checks shared by both relocation kinds; returns the symbol.
  Result<const ElfSymbol*> symbol_of(const ElfReloc& r, bool is_call) {
    const ElfSymbol& sym = elf_.symbols()[r.sym];
    if (sym.shndx == SHN_UNDEF) {
      if (sym.name.empty()) return here(r, "against an undefined symbol");
      // collect_externs admitted only extern kfuncs; callers handle those.
      if (!st_.ksym_index.count(sym.name))
        return unsupported("{}: extern '{}' ({}) is not supported", where(), sym.name,
                           extern_kind(st_, sym.name, is_call ? "kfunc" : "extern variable"));
    }
    if (sym.shndx >= SHN_LORESERVE)
      return here(r, "against a symbol in special section {:#x} (an uninitialised global?)", sym.shndx);
    return &sym;
  }

  Error call_reloc(uint32_t i, const ElfReloc& r) {
    isa::Insn& insn = cs_.insns[i];
    if (r.type != kRelBpf64_32) return here(r, "type {} on a call (expected R_BPF_64_32)", r.type);
    auto sym = symbol_of(r, true);
    if (!sym) return sym.error();
    if ((*sym)->shndx == SHN_UNDEF) return kfunc_call(i, r, **sym);
    if (insn.src_reg != BPF_PSEUDO_CALL)
      return here(r, "relocated call has src_reg {}, not BPF_PSEUDO_CALL", int{insn.src_reg});
    if ((*sym)->value % 8 != 0) return here(r, "callee offset {:#x} is not on an instruction", (*sym)->value);
    return set_target(i, (*sym)->shndx, static_cast<int64_t>((*sym)->value / 8) + insn.imm + 1);
  }

  // A call of an extern kfunc (libbpf's RELO_EXTERN_CALL): clang emits it
  // with src_reg BPF_PSEUDO_CALL and imm -1; the loader's form is described
  // at the top of object_spec.h.
  Error kfunc_call(uint32_t i, const ElfReloc& r, const ElfSymbol& sym) {
    isa::Insn& insn = cs_.insns[i];
    if (insn.src_reg != BPF_PSEUDO_CALL && insn.src_reg != 0)
      return here(r, "call of extern kfunc has src_reg {}", int{insn.src_reg});
    insn.src_reg = BPF_PSEUDO_KFUNC_CALL;
    insn.imm = static_cast<int32_t>(st_.ksym_index.at(sym.name));
    insn.off = 0;
    return {};
  }

  Error lddw_reloc(uint32_t i, const ElfReloc& r) {
    isa::Insn* insn = &cs_.insns[i];
    if (r.type != kRelBpf64_64) return here(r, "type {} on ldimm64 (expected R_BPF_64_64)", r.type);
    auto symr = symbol_of(r, false);
    if (!symr) return symr.error();
    const ElfSymbol& sym = **symr;
    if (sym.shndx == SHN_UNDEF) {
      // &kfunc (bpf_ksym_exists): the loader's BPF_PSEUDO_BTF_ID by index.
      if (insn[0].imm != 0 || insn[1].imm != 0) return here(r, "extern kfunc address with an addend");
      insn[0].src_reg = BPF_PSEUDO_BTF_ID;
      insn[0].imm = static_cast<int32_t>(st_.ksym_index.at(sym.name));
      return {};
    }
    int64_t off = static_cast<int64_t>(sym.value) + insn[0].imm;
    if (st_.code.count(sym.shndx)) {
      if (off < 0 || off % 8 != 0) return here(r, "function address {} is not on an instruction", off);
      if (Error e = set_target(i, sym.shndx, off / 8)) return e;
      insn[0].src_reg = BPF_PSEUDO_FUNC;
      return {};
    }
    if (st_.maps_section && sym.shndx == st_.maps_section) {
      auto m = off < 0 ? st_.map_at_offset.end() : st_.map_at_offset.find(static_cast<uint64_t>(off));
      if (m == st_.map_at_offset.end()) return here(r, "no map is defined at offset {} of '.maps'", off);
      insn[0].src_reg = BPF_PSEUDO_MAP_IDX;
      insn[0].imm = static_cast<int32_t>(m->second);
      return {};
    }
    if (auto d = st_.data_map_of_section.find(sym.shndx); d != st_.data_map_of_section.end()) {
      if (off < 0 || off > UINT32_MAX) return here(r, "offset {} into '{}' is out of range", off, elf_.describe(sym.shndx));
      insn[0].src_reg = BPF_PSEUDO_MAP_IDX_VALUE;
      insn[0].imm = static_cast<int32_t>(d->second);
      insn[1].imm = static_cast<int32_t>(static_cast<uint32_t>(off));
      return {};
    }
    return here(r, "targets a symbol in unsupported {}", elf_.describe(sym.shndx));
  }

  ParseState& st_;
  CodeSection& cs_;
  const ElfFile& elf_;
  std::map<uint32_t, ElfReloc> relocs_;   // by instruction index
};

}  // namespace

Error collect_functions(ParseState& st) {
  const ElfFile& elf = *st.elf;
  for (const ElfSection& s : elf.sections()) {
    if (!s.is_exec() || s.size == 0) continue;
    if (s.size % sizeof(isa::Insn) != 0)
      return malformed("{}: code size {} is not a multiple of {}", elf.describe(s.index), s.size, sizeof(isa::Insn));
    CodeSection cs;
    cs.section = s.index;
    cs.insns.resize(s.size / sizeof(isa::Insn));
    std::memcpy(cs.insns.data(), s.bytes.data(), s.size);
    st.code.emplace(s.index, std::move(cs));
  }
  for (const ElfSymbol& sym : elf.symbols()) {
    if (sym.type != STT_FUNC || sym.shndx == SHN_UNDEF) continue;
    auto cs = st.code.find(sym.shndx);
    if (cs == st.code.end())
      return malformed("function '{}' is in {}, which is not a code section", sym.name, elf.describe(sym.shndx));
    if (sym.value % 8 != 0 || sym.size % 8 != 0 || sym.size == 0)
      return malformed("{}: function '{}' (offset {:#x}, size {}) is not a whole number of instructions",
                       elf.describe(sym.shndx), sym.name, sym.value, sym.size);
    Function f;
    f.section = sym.shndx;
    f.start = static_cast<uint32_t>(sym.value / 8);
    f.count = static_cast<uint32_t>(sym.size / 8);
    f.name = sym.name;
    f.entry = elf.sections()[sym.shndx].name != ".text" && sym.bind != STB_LOCAL;
    if (!cs->second.function_at.emplace(f.start, static_cast<uint32_t>(st.functions.size())).second)
      return malformed("{}: functions '{}' and '{}' start at the same offset {:#x}", elf.describe(sym.shndx),
                       st.functions[cs->second.function_at[f.start]].name, f.name, sym.value);
    st.functions.push_back(std::move(f));
  }
  // Functions may not overlap: a copied function must hold only its own code.
  for (auto& [sec, cs] : st.code) {
    const Function* prev = nullptr;
    for (auto& [start, fid] : cs.function_at) {
      const Function& f = st.functions[fid];
      if (prev && prev->start + prev->count > start)
        return malformed("{}: functions '{}' and '{}' overlap", elf.describe(sec), prev->name, f.name);
      prev = &f;
    }
  }
  // Entry programs in libbpf's order: by section, then by offset.
  std::unordered_set<std::string> names;
  for (auto& [sec, cs] : st.code) {
    for (auto& [start, fid] : cs.function_at) {
      const Function& f = st.functions[fid];
      if (!f.entry) continue;
      ProgramSpec p;
      p.name = f.name;
      p.section = elf.sections()[sec].name;
      if (!program_kind_from_section(p.section, &p))
        return unsupported("{}: unknown program type for section name '{}' (program '{}')", elf.describe(sec),
                         p.section, f.name);
      if (!names.insert(p.name).second) return malformed("duplicate program name '{}'", p.name);
      st.spec.programs.push_back(std::move(p));
      st.program_function.push_back(fid);
    }
  }
  return {};
}

Error relocate_code(ParseState& st) {
  for (auto& [sec, cs] : st.code) {
    SectionRelocator r(st, cs);
    if (Error e = r.run()) return e;
  }
  return {};
}

}  // namespace hostbpf::object
