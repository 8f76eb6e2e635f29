// Raw BTF made of one long chain of types, each holding the next (by value,
// through a modifier, a typedef, an array element or a pointer), ending at an
// int. The BTF fuzzer generates and mutates these, and the tests of the
// kernel's resolve depth (MAX_RESOLVE_DEPTH, 32) build them at and past it.
#pragma once

#include <linux/btf.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace hostbpf::fuzz {

enum class Link : uint8_t { Struct, Union, Typedef, Const, Volatile, Array, Ptr, FuncProto, kCount };

/// [1] int, then `depth` types: link i (0 the outermost) is links[i % size]
/// and refers to link i + 1, the last one to the int. `outermost_first`: link
/// 0 has id 2, as compilers emit types; otherwise the innermost link does.
/// Structs are named "s<i>", unions "u<i>", typedefs "t<i>".
inline std::vector<uint8_t> chain_btf(uint32_t depth, std::span<const Link> links, bool outermost_first) {
  std::vector<uint32_t> types;
  std::string strings(1, '\0');
  auto str = [&](const std::string& s) {
    const auto off = static_cast<uint32_t>(strings.size());
    strings += s;
    strings += '\0';
    return off;
  };
  auto info = [](uint32_t kind, uint32_t vlen) { return (kind << 24) | vlen; };
  types.insert(types.end(), {str("int"), info(BTF_KIND_INT, 0), 4, (BTF_INT_SIGNED << 24) | 32});
  const uint32_t member_name = str("m");
  auto id_of = [&](uint32_t pos) { return pos == depth ? 1u : 2 + (outermost_first ? pos : depth - 1 - pos); };
  std::vector<std::vector<uint32_t>> encoded(depth);
  for (uint32_t pos = 0; pos < depth; pos++) {
    const uint32_t next = id_of(pos + 1);
    const Link link = links.empty() ? Link::Struct : links[pos % links.size()];
    std::vector<uint32_t>& t = encoded[outermost_first ? pos : depth - 1 - pos];
    const std::string n = std::to_string(pos);
    switch (link) {
      case Link::Union:
      case Link::Struct: {
        const bool u = link == Link::Union;
        t = {str((u ? "u" : "s") + n), info(u ? BTF_KIND_UNION : BTF_KIND_STRUCT, 1), 8, member_name, next, 0};
        break;
      }
      case Link::Typedef: t = {str("t" + n), info(BTF_KIND_TYPEDEF, 0), next}; break;
      case Link::Const: t = {0, info(BTF_KIND_CONST, 0), next}; break;
      case Link::Volatile: t = {0, info(BTF_KIND_VOLATILE, 0), next}; break;
      case Link::Array: t = {0, info(BTF_KIND_ARRAY, 0), 0, next, 1, 1}; break;
      case Link::Ptr: t = {0, info(BTF_KIND_PTR, 0), next}; break;
      default: t = {0, info(BTF_KIND_FUNC_PROTO, 0), next}; break;
    }
  }
  for (const auto& t : encoded) types.insert(types.end(), t.begin(), t.end());
  struct btf_header h = {};
  h.magic = BTF_MAGIC;
  h.version = BTF_VERSION;
  h.hdr_len = sizeof h;
  h.type_off = 0;
  h.type_len = static_cast<uint32_t>(types.size() * 4);
  h.str_off = h.type_len;
  h.str_len = static_cast<uint32_t>(strings.size());
  std::vector<uint8_t> out(sizeof h + h.type_len + h.str_len);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + sizeof h, types.data(), h.type_len);
  std::memcpy(out.data() + sizeof h + h.type_len, strings.data(), h.str_len);
  return out;
}

}  // namespace hostbpf::fuzz
