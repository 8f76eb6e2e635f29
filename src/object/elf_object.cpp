// parse_object: runs the stages listed in parse_state.h over one ELF object
// and prefixes any error with the object's name.
#include <bpf/btf.h>

#include <cstring>

#include "btf/btf.h"
#include "object/libbpf_log.h"
#include "object/parse_error.h"
#include "object/parse_state.h"

namespace hostbpf::object {

namespace {

// libbpf's object name: the file's base name up to its first '.'
// ("dir/hello.bpf.o" -> "hello"); it prefixes global-data map names.
std::string object_name(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  return base.substr(0, base.find('.'));
}

Error read_license_and_version(ParseState& st) {
  if (const ElfSection* lic = st.elf->find_section("license"); lic && !lic->bytes.empty()) {
    const auto* p = reinterpret_cast<const char*>(lic->bytes.data());
    st.spec.license.assign(p, strnlen(p, lic->bytes.size()));
  }
  if (const ElfSection* ver = st.elf->find_section("version")) {
    if (ver->bytes.size() != sizeof(uint32_t))
      return malformed("section 'version': {} bytes, expected {}", ver->bytes.size(), sizeof(uint32_t));
    std::memcpy(&st.spec.kern_version, ver->bytes.data(), sizeof(uint32_t));
  }
  return {};
}

// Sections that mean something this parser cannot honour yet: failing names
// the feature instead of silently dropping what the object asks for.
Error reject_unsupported_sections(const ElfFile& elf) {
  for (const ElfSection& s : elf.sections()) {
    if (s.name == "maps" && !s.is_exec())
      return unsupported("section 'maps': legacy map definitions (struct bpf_map_def) are not supported, as in "
                         "libbpf 1.0; declare maps with BTF in section '.maps'");
    if (s.name.starts_with(".addr_space."))
      return unsupported("section '{}': BPF arena address spaces are not supported", s.name);
  }
  return {};
}

Error load_btf(ParseState& st) {
  const ElfSection* sec = st.elf->find_section(".BTF");
  if (!sec) return {};
  if (sec->bytes.empty() || sec->bytes.size() > UINT32_MAX) return malformed("section '.BTF' has a bad size");
  LibbpfCapture libbpf_says;
  // Through Btf, which checks what libbpf's parser does not before anything
  // (CO-RE, the verifier, libbpf's dumper) walks the types.
  auto parsed_btf = btf::Btf::from_blob(sec->bytes);
  if (!parsed_btf.ok()) {
    if (!libbpf_says.last().empty())
      return malformed("section '.BTF' is corrupted: {} ({})", libbpf_says.last(), parsed_btf.error().message());
    return malformed("section '.BTF' is corrupted: {}", parsed_btf.error().message());
  }
  // The spec keeps libbpf's struct btf, owned by the Btf it came from.
  std::shared_ptr<btf::Btf> owner = std::move(*parsed_btf);
  struct btf* raw = owner->raw_mutable();
  st.spec.btf = BtfPtr(std::move(owner), raw);
  if (Error e = fixup_btf_datasecs(st)) return e;
  if (const ElfSection* ext = st.elf->find_section(".BTF.ext")) {
    auto parsed = parse_btf_ext(ext->bytes, raw);
    if (!parsed) return parsed.error();
    st.btf_ext = std::move(*parsed);
  }
  return {};
}

Result<ObjectSpec> parse(std::span<const uint8_t> bytes, const std::string& name) {
  auto elf = ElfFile::open(bytes);
  if (!elf) return elf.error();
  ParseState st;
  st.elf = elf->get();
  st.spec.name = object_name(name);
  if (st.elf->symbols().empty()) return malformed("no symbol table (stripped object?)");

  Error e = reject_unsupported_sections(*st.elf);
  if (!e) e = read_license_and_version(st);
  if (!e) e = load_btf(st);
  if (!e) e = collect_externs(st);
  if (!e) e = parse_btf_maps(st);
  if (!e) e = add_global_data_maps(st);
  if (!e) e = parse_struct_ops_maps(st);
  if (!e) e = collect_functions(st);
  if (!e) e = relocate_code(st);
  if (!e) e = link_programs(st);
  if (!e) e = parse_prog_array_values(st);
  if (!e) e = parse_struct_ops_relocs(st);
  if (e) return e;
  return std::move(st.spec);
}

}  // namespace

Result<ObjectSpec> parse_object(std::span<const uint8_t> elf, const std::string& name) {
  Result<ObjectSpec> r = parse(elf, name);
  if (!r) {
    Error e = std::move(r).error();
    e.context(name);
    return e;
  }
  return r;
}

}  // namespace hostbpf::object
