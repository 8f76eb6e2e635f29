// .BTF.ext: per-section func_info, line_info and CO-RE relocation records.
//
// libbpf 1.1's public API can open a .BTF.ext (btf_ext__new) but offers no way
// to iterate its records, so the format is parsed here: a header, then for
// each kind a record size followed by blocks of {section name, count, records}.
// Offsets in records are byte offsets into the named ELF section.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hostbpf/error.h"

namespace hostbpf::object {

struct ExtFuncInfo {
  uint32_t insn_off;   // bytes from the start of the section
  uint32_t type_id;    // BTF FUNC
};

struct ExtLineInfo {
  uint32_t insn_off;   // bytes
  uint32_t file_name_off;
  uint32_t line_off;
  uint32_t line_col;   // line << 10 | column
};

struct ExtCoreRelo {
  uint32_t insn_off;   // bytes
  uint32_t type_id;
  uint32_t access_str_off;
  uint32_t kind;       // enum bpf_core_relo_kind
};

/// Records grouped by the ELF section name they refer to, in file order.
struct BtfExt {
  std::map<std::string, std::vector<ExtFuncInfo>> func_info;
  std::map<std::string, std::vector<ExtLineInfo>> line_info;
  std::map<std::string, std::vector<ExtCoreRelo>> core_relos;
};

/// Parses and bounds-checks a .BTF.ext section. Section names and strings are
/// looked up in `btf` (the object's .BTF); every record's string offsets are
/// checked there too. Errors are -EINVAL and name the part that is wrong.
Result<BtfExt> parse_btf_ext(std::span<const uint8_t> bytes, const struct btf* btf);

}  // namespace hostbpf::object
