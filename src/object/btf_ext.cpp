#include "object/btf_ext.h"

#include <cstring>

#include "object/parse_error.h"

namespace hostbpf::object {

namespace {

constexpr uint16_t kBtfMagic = 0xeB9F;
constexpr uint32_t kMinHeader = 24;      // up to line_info_len
constexpr uint32_t kCoreHeader = 32;     // with core_relo_off/len

uint32_t read_u32(std::span<const uint8_t> b, size_t off) {
  uint32_t v;
  std::memcpy(&v, b.data() + off, sizeof(v));
  return v;
}

// One kind of records: [rec_size] then blocks {sec_name_off, num_info, records}.
// `emit(section, record_bytes)` is called once per record.
template <class Emit>
Error parse_kind(std::span<const uint8_t> all, uint32_t off, uint32_t len, uint32_t min_rec, const char* kind,
                 const struct btf* btf, Emit emit) {
  if (len == 0) return {};
  if (!in_bounds(off, len, all.size()))
    return malformed(".BTF.ext: {} (offset {}, length {}) lies outside the section", kind, off, len);
  std::span<const uint8_t> b = all.subspan(off, len);
  if (b.size() < 4) return malformed(".BTF.ext: {} is too short for its record size", kind);
  uint32_t rec_size = read_u32(b, 0);
  if (rec_size < min_rec || rec_size % 4 != 0)
    return malformed(".BTF.ext: {} record size {} is invalid (at least {}, multiple of 4)", kind, rec_size, min_rec);
  size_t pos = 4;
  while (pos < b.size()) {
    if (b.size() - pos < 8) return malformed(".BTF.ext: {}: truncated block header at offset {}", kind, pos);
    uint32_t name_off = read_u32(b, pos);
    uint32_t num = read_u32(b, pos + 4);
    pos += 8;
    const char* name = btf__name_by_offset(btf, name_off);
    if (!name || !*name) return malformed(".BTF.ext: {}: section name offset {} is not a BTF string", kind, name_off);
    if (num == 0) return malformed(".BTF.ext: {}: section '{}' has an empty block", kind, name);
    if (uint64_t{num} * rec_size > b.size() - pos)
      return malformed(".BTF.ext: {}: section '{}': {} records of {} bytes run past the end", kind, name, num,
                       rec_size);
    for (uint32_t i = 0; i < num; i++, pos += rec_size)
      if (Error e = emit(std::string(name), b.subspan(pos, rec_size))) return e;
  }
  return {};
}

bool is_string(const struct btf* btf, uint32_t off) { return btf__name_by_offset(btf, off) != nullptr; }

}  // namespace

Result<BtfExt> parse_btf_ext(std::span<const uint8_t> bytes, const struct btf* btf) {
  if (!btf) return malformed(".BTF.ext is present but the object has no .BTF");
  if (bytes.size() < 8) return malformed(".BTF.ext: {} bytes is too short for a header", bytes.size());
  uint16_t magic;
  std::memcpy(&magic, bytes.data(), sizeof(magic));
  if (magic != kBtfMagic) return malformed(".BTF.ext: bad magic {:#x}", magic);
  if (bytes[2] != 1) return malformed(".BTF.ext: unsupported version {}", bytes[2]);
  uint32_t hdr_len = read_u32(bytes, 4);
  if (hdr_len < kMinHeader || hdr_len > bytes.size())
    return malformed(".BTF.ext: header length {} is invalid (section is {} bytes)", hdr_len, bytes.size());
  std::span<const uint8_t> body = bytes.subspan(hdr_len);
  BtfExt ext;

  Error e = parse_kind(body, read_u32(bytes, 8), read_u32(bytes, 12), 8, "func_info", btf,
                       [&](const std::string& sec, std::span<const uint8_t> r) -> Error {
                         ext.func_info[sec].push_back({read_u32(r, 0), read_u32(r, 4)});
                         return {};
                       });
  if (e) return e;

  e = parse_kind(body, read_u32(bytes, 16), read_u32(bytes, 20), 16, "line_info", btf,
                 [&](const std::string& sec, std::span<const uint8_t> r) -> Error {
                   ExtLineInfo li{read_u32(r, 0), read_u32(r, 4), read_u32(r, 8), read_u32(r, 12)};
                   if (!is_string(btf, li.file_name_off) || !is_string(btf, li.line_off))
                     return malformed(".BTF.ext: line_info in section '{}' at offset {}: bad string offset", sec,
                                      li.insn_off);
                   ext.line_info[sec].push_back(li);
                   return {};
                 });
  if (e) return e;

  if (hdr_len >= kCoreHeader) {
    e = parse_kind(body, read_u32(bytes, 24), read_u32(bytes, 28), 16, "core_relo", btf,
                   [&](const std::string& sec, std::span<const uint8_t> r) -> Error {
                     ext.core_relos[sec].push_back({read_u32(r, 0), read_u32(r, 4), read_u32(r, 8), read_u32(r, 12)});
                     return {};
                   });
    if (e) return e;
  }
  return ext;
}

}  // namespace hostbpf::object
