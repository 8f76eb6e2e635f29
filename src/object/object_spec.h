// What an ELF object made by clang -target bpf contains, once parsed: programs
// with their subprograms linked in, map definitions, global data, BTF and line
// info. Parsing touches no runtime state; loading (runtime layer) creates the
// maps and resolves the references left here in the kernel's own "by index"
// encodings:
//   LDDW  src=BPF_PSEUDO_MAP_IDX        imm = index into ObjectSpec::maps
//   LDDW  src=BPF_PSEUDO_MAP_IDX_VALUE  imm = map index, next imm = offset in value
//   LDDW  src=BPF_PSEUDO_FUNC           imm = pc-relative offset of a subprogram
//   CALL  src=BPF_PSEUDO_CALL           imm = pc-relative offset of a subprogram
//   CALL  src=0                         imm = helper id
//   CALL  src=BPF_PSEUDO_KFUNC_CALL     imm = index into ObjectSpec::ksyms, off = 0
//   LDDW  src=BPF_PSEUDO_BTF_ID         imm = index into ObjectSpec::ksyms (the
//                                       address of an extern kfunc, as in
//                                       bpf_ksym_exists(kfunc)), next imm = 0
// Loading resolves a ksym index to a FUNC in the host's or a module's BTF
// (libbpf's bpf_object__resolve_externs); the verifier reads the loader's form
// with that table, and the executor gets the host address.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hostbpf/error.h"
#include "hostbpf/prog_type.h"
#include "isa/insn.h"
#include "maps/map.h"

namespace hostbpf::object {

// libbpf's struct btf of a btf::Btf (and keeping it alive): only Btf::from_blob
// makes one from bytes, after its checks.
using BtfPtr = std::shared_ptr<struct btf>;

/// One .BTF.ext func_info record, relative to the program it is in.
struct FuncInfo {
  uint32_t insn_off;   // instruction index in ProgramSpec::insns
  uint32_t type_id;    // BTF FUNC id
};

/// One .BTF.ext line_info record, relative to the program it is in.
struct LineInfo {
  uint32_t insn_off;   // instruction index in ProgramSpec::insns
  std::string file;    // source file name
  std::string line;    // source line text
  uint32_t line_num;
  uint32_t col;
};

/// One CO-RE relocation (.BTF.ext core_relo record), relative to the program
/// it is in; applied at load (object/core_relo.h).
struct CoreRelo {
  uint32_t insn_idx;        // instruction index in ProgramSpec::insns
  uint32_t type_id;         // root type in the object's BTF
  uint32_t access_str_off;  // "0:1:2" access string, in the object's BTF strings
  uint32_t kind;            // enum bpf_core_relo_kind
  uint32_t relo_idx;        // its index among its ELF section's records (libbpf's "relo #N")
};

struct ProgramSpec {
  std::string name;            // the function's symbol name
  std::string section;         // "xdp", "syscall", "struct_ops/foo", ...
  ProgType prog_type = ProgType::Unspec;  // from the section name
  uint32_t expected_attach_type = 0;
  bool sleepable = false;      // ".s" sections (struct_ops.s/, fentry.s/, syscall)
  bool xdp_has_frags = false;  // "xdp.frags" sections (libbpf's BPF_F_XDP_HAS_FRAGS)
  /// What follows "<prefix>/" in the section name ("do_work" for "fentry/do_work",
  /// "sched/sched_switch" for "tp/sched/sched_switch"); empty if nothing does.
  std::string attach_target;
  /// False for libbpf's "?sec" names: the program is parsed but not loaded by default.
  bool autoload = true;
  /// The main function followed by every subprogram it reaches (as libbpf
  /// appends them), relocated as described at the top of this file.
  std::vector<isa::Insn> insns;
  std::vector<FuncInfo> func_info;   // sorted by insn_off; [0] is the main function
  std::vector<LineInfo> line_info;   // sorted by insn_off
  std::vector<CoreRelo> core_relos;  // sorted by insn_idx; not yet applied
};

struct MapDef {
  maps::MapSpec spec;
  /// Global data (.data, .rodata, .bss, .data.*, .rodata.*): the section the
  /// map stands for (its bytes are initial_value); empty for `.maps` maps.
  std::string data_section;
  std::vector<uint8_t> initial_value;   // value_size bytes for global data
  bool is_global_data = false;
  bool read_only = false;               // .rodata*: frozen after load (BPF_F_RDONLY_PROG)
  /// Prog arrays declared with `.values = { [i] = &prog, ... }`: (slot, program
  /// index into ObjectSpec::programs).
  std::vector<std::pair<uint32_t, uint32_t>> initial_progs;
  /// struct_ops maps (a variable in section .struct_ops or .struct_ops.link):
  /// spec.type is BPF_MAP_TYPE_STRUCT_OPS, spec.btf_value_type_id the ops struct
  /// in the object's BTF, initial_value its bytes as compiled (function pointer
  /// slots zero). struct_ops_type names the struct ("tcp_congestion_ops");
  /// struct_ops_progs gives (member index, program index into
  /// ObjectSpec::programs) for every function pointer the variable sets.
  std::string struct_ops_type;
  std::vector<std::pair<uint32_t, uint32_t>> struct_ops_progs;
  bool struct_ops_link = false;         // from .struct_ops.link: attached with a link (BPF_F_LINK)
};

/// An `extern <proto> __ksym;` function: a BTF FUNC with extern linkage listed
/// in the object's `.ksyms` DATASEC (libbpf's EXT_KSYM of a function).
struct KsymSpec {
  std::string name;        // as declared, with any ___flavor suffix
  uint32_t func_id = 0;    // the BTF FUNC in ObjectSpec::btf
  uint32_t proto_id = 0;   // its FUNC_PROTO
  bool weak = false;       // __weak: may stay unresolved
};

struct ObjectSpec {
  std::string name;                 // object name (file name without .bpf.o / .o)
  std::string license;              // from the "license" section; empty if none
  uint32_t kern_version = 0;
  std::vector<ProgramSpec> programs;  // entry programs only (not .text subprograms)
  std::vector<MapDef> maps;
  BtfPtr btf;                       // the object's BTF; null if it has none
  std::vector<KsymSpec> ksyms;      // extern kfuncs, in symbol-table order
};

/// Parses an ELF object from memory. `name` is used in error messages and as the
/// prefix of global-data map names. Every failure names what was wrong and where:
///   "foo.bpf.o: section 'xdp' (index 3): relocation 2 at offset 0x48 targets symbol 'bar' in unsupported section '.xyz'"
Result<ObjectSpec> parse_object(std::span<const uint8_t> elf, const std::string& name);

/// Fills prog_type, expected_attach_type, sleepable, xdp_has_frags,
/// attach_target and autoload of `prog` from a section name, as libbpf's
/// section table does ("xdp", "syscall", "tc", "fentry/...", ...; the table is
/// prog_types'). False (and `prog` untouched) if the section is unknown.
bool program_kind_from_section(const std::string& section, ProgramSpec* prog);

}  // namespace hostbpf::object
