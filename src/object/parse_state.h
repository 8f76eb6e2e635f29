// What the stages of parse_object share while they work (internal to src/object).
//
// The stages, in order (elf_object.cpp runs them):
//   1. ELF sections and symbols          elf_file.cpp
//   2. BTF: load, DATASEC fix-up         btf_datasec.cpp
//   3. .BTF.ext records                   btf_ext.cpp
//   4. maps: .maps, global data, struct_ops   btf_maps.cpp, global_data.cpp, struct_ops.cpp
//   5. functions; data/map relocations   code_relocs.cpp
//   6. programs with their subprograms   linker.cpp
//   7. prog-array values, struct_ops programs   btf_maps.cpp, struct_ops.cpp
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "object/btf_ext.h"
#include "object/elf_file.h"
#include "object/object_spec.h"

namespace hostbpf::object {

/// One BPF function (STT_FUNC symbol) in a code section.
struct Function {
  uint32_t section = 0;  // ELF section index
  uint32_t start = 0;    // first instruction, counted within the section
  uint32_t count = 0;    // instructions
  std::string name;
  /// An entry program: a non-static function in a code section other than
  /// .text. Everything else is a subprogram, reached only through calls.
  bool entry = false;
};

/// A code section once its map and global-data references are relocated: the
/// instructions every copy of one of its functions starts from.
struct CodeSection {
  uint32_t section = 0;
  std::vector<isa::Insn> insns;
  std::map<uint32_t, uint32_t> function_at;        // start instruction -> function id
  /// Instruction index of a BPF-to-BPF call or function-address load -> callee.
  std::unordered_map<uint32_t, uint32_t> targets;
};

struct ParseState {
  const ElfFile* elf = nullptr;
  ObjectSpec spec;
  BtfExt btf_ext;
  std::vector<Function> functions;
  std::map<uint32_t, CodeSection> code;               // by ELF section index
  uint32_t maps_section = 0;                          // ".maps" section index, 0 if none
  std::map<uint64_t, uint32_t> map_at_offset;         // .maps variable offset -> ObjectSpec::maps index
  std::map<uint64_t, uint64_t> map_extent;            // .maps variable offset -> its size in bytes
  std::map<uint32_t, uint32_t> values_offset;         // prog-array map index -> byte offset of `values`
  std::map<uint32_t, uint32_t> data_map_of_section;   // global-data section index -> map index
  std::vector<uint32_t> program_function;             // ObjectSpec::programs index -> function id
  std::map<std::pair<uint32_t, uint64_t>, uint32_t> struct_ops_at;  // (section, offset) -> map index

  std::unordered_map<std::string, uint32_t> ksym_index;   // extern kfunc name -> ObjectSpec::ksyms index
  std::unordered_map<std::string, uint32_t> datasec_ids;  // DATASEC name -> BTF id (first of a name)

  struct btf* btf() const { return spec.btf.get(); }
  /// The DATASEC for an ELF section name; 0 if none (or no BTF).
  uint32_t datasec(const std::string& name) const {
    auto it = datasec_ids.find(name);
    return it == datasec_ids.end() ? 0 : it->second;
  }
};

// Stage entry points; each returns an Error naming what was wrong and where.
/// Collects the extern kfuncs (ObjectSpec::ksyms); any other extern (ksym
/// variables, .kconfig, externs without BTF) is an error naming it.
Error collect_externs(ParseState& st);
/// Fixes DATASEC sizes and offsets and records them in st.datasec_ids.
Error fixup_btf_datasecs(ParseState& st);
Error parse_btf_maps(ParseState& st);
Error add_global_data_maps(ParseState& st);
Error collect_functions(ParseState& st);
Error relocate_code(ParseState& st);
Error link_programs(ParseState& st);
Error parse_prog_array_values(ParseState& st);
Error parse_struct_ops_maps(ParseState& st);
Error parse_struct_ops_relocs(ParseState& st);

/// How an undefined symbol is meant to be resolved: "kfunc", "ksym", "kconfig"
/// (from the BTF DATASECs .ksyms / .kconfig), else `fallback`.
std::string extern_kind(const ParseState& st, const std::string& name, const char* fallback);

/// Largest key or value a map definition may declare (the kernel's
/// KMALLOC_MAX_SIZE on x86-64: nothing bigger can be created).
inline constexpr uint64_t kMaxMapValueSize = uint64_t{4} << 20;

}  // namespace hostbpf::object
