#include "object/elf_file.h"

#include <gelf.h>
#include <libelf.h>

#include <cstring>

#include "object/parse_error.h"

namespace hostbpf::object {

namespace {

// libelf must be told which ELF version its caller speaks before any other call.
bool libelf_ready() {
  static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
  return ready;
}

// The checks that decide whether this is a BPF object at all, done on the raw
// header so that libelf only ever sees files of the one kind we accept.
Error check_header(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof(Elf64_Ehdr))
    return fail(-ENOEXEC, "not an ELF object ({} bytes, too short for an ELF header)", bytes.size());
  Elf64_Ehdr eh;
  std::memcpy(&eh, bytes.data(), sizeof(eh));
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return fail(-ENOEXEC, "not an ELF object (bad magic)");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64)
    return fail(-ENOEXEC, "ELF class {} is not ELF64; BPF objects are 64-bit", eh.e_ident[EI_CLASS]);
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
    return fail(-ENOEXEC, "ELF byte order {} is not little-endian; only little-endian BPF objects are supported",
                eh.e_ident[EI_DATA]);
  if (eh.e_machine != EM_BPF) return fail(-ENOEXEC, "ELF machine {} is not BPF ({})", eh.e_machine, EM_BPF);
  if (eh.e_type != ET_REL) return fail(-ENOEXEC, "ELF type {} is not a relocatable object (ET_REL)", eh.e_type);
  if (eh.e_shentsize != sizeof(Elf64_Shdr) && eh.e_shnum != 0)
    return malformed("section header size {} is not {}", eh.e_shentsize, sizeof(Elf64_Shdr));
  return {};
}

}  // namespace

bool ElfSection::is_exec() const { return type == SHT_PROGBITS && (flags & SHF_EXECINSTR); }

Result<std::unique_ptr<ElfFile>> ElfFile::open(std::span<const uint8_t> bytes) {
  if (Error e = check_header(bytes)) return e;
  if (!libelf_ready()) return Error(-EINVAL, "libelf: " + std::string(elf_errmsg(-1)));
  std::unique_ptr<ElfFile> f(new ElfFile());
  f->image_.assign(bytes.begin(), bytes.end());
  f->elf_ = elf_memory(reinterpret_cast<char*>(f->image_.data()), f->image_.size());
  if (!f->elf_ || elf_kind(f->elf_) != ELF_K_ELF)
    return malformed("corrupted ELF: {}", elf_errmsg(-1));
  if (Error e = f->load_sections()) return e;
  if (Error e = f->load_symbols()) return e;
  return f;
}

ElfFile::~ElfFile() {
  if (elf_) elf_end(elf_);
}

Error ElfFile::load_sections() {
  size_t count = 0, strndx = 0;
  if (elf_getshdrnum(elf_, &count) != 0) return malformed("corrupted section header table: {}", elf_errmsg(-1));
  if (elf_getshdrstrndx(elf_, &strndx) != 0) return malformed("no section name table: {}", elf_errmsg(-1));
  GElf_Ehdr eh;
  if (!gelf_getehdr(elf_, &eh)) return malformed("corrupted ELF header: {}", elf_errmsg(-1));
  if (!in_bounds(eh.e_shoff, uint64_t{count} * sizeof(Elf64_Shdr), image_.size()))
    return malformed("section header table (offset {:#x}, {} entries) lies outside the file", eh.e_shoff, count);
  if (count > 0 && strndx >= count) return malformed("section name table index {} out of range", strndx);
  sections_.reserve(count);
  for (size_t i = 0; i < count; i++) {
    Elf_Scn* scn = elf_getscn(elf_, i);
    GElf_Shdr sh;
    if (!scn || !gelf_getshdr(scn, &sh)) return malformed("section {}: corrupted header: {}", i, elf_errmsg(-1));
    ElfSection s;
    s.index = static_cast<uint32_t>(i);
    const char* name = i == 0 ? "" : elf_strptr(elf_, strndx, sh.sh_name);
    if (!name) return malformed("section {}: name offset {:#x} is outside the name table", i, sh.sh_name);
    s.name = name;
    s.type = sh.sh_type;
    s.flags = sh.sh_flags;
    s.link = sh.sh_link;
    s.info = sh.sh_info;
    s.size = sh.sh_size;
    if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL) {
      if (!in_bounds(sh.sh_offset, sh.sh_size, image_.size()))
        return malformed("section '{}' (index {}): offset {:#x} size {:#x} lies outside the file ({} bytes)", s.name,
                         i, sh.sh_offset, sh.sh_size, image_.size());
      s.bytes = std::span<const uint8_t>(image_.data() + sh.sh_offset, sh.sh_size);
    }
    by_name_.emplace(s.name, s.index);
    if (s.type == SHT_REL) rel_for_.emplace(s.info, s.index);
    if (s.type == SHT_RELA) rela_for_.emplace(s.info, s.index);
    sections_.push_back(std::move(s));
  }
  return {};
}

Error ElfFile::load_symbols() {
  const ElfSection* symtab = nullptr;
  for (const ElfSection& s : sections_) {
    if (s.type == SHT_SYMTAB_SHNDX) return unsupported("section '{}': extended section indexes are not supported", s.name);
    if (s.type != SHT_SYMTAB) continue;
    if (symtab) return malformed("more than one symbol table ('{}' and '{}')", symtab->name, s.name);
    symtab = &s;
  }
  if (!symtab) return {};  // the caller decides whether an object without symbols is usable
  if (symtab->size % sizeof(Elf64_Sym) != 0)
    return malformed("symbol table '{}': size {} is not a multiple of {}", symtab->name, symtab->size, sizeof(Elf64_Sym));
  if (symtab->link == 0 || symtab->link >= sections_.size() || sections_[symtab->link].type != SHT_STRTAB)
    return malformed("symbol table '{}': string table index {} is not a string table", symtab->name, symtab->link);
  Elf_Data* data = elf_getdata(elf_getscn(elf_, symtab->index), nullptr);
  size_t n = symtab->size / sizeof(Elf64_Sym);
  if (n > 0 && (!data || data->d_size < n * sizeof(Elf64_Sym)))
    return malformed("symbol table '{}': cannot read: {}", symtab->name, elf_errmsg(-1));
  symbols_.reserve(n);
  for (size_t i = 0; i < n; i++) {
    GElf_Sym gs;
    if (!gelf_getsym(data, static_cast<int>(i), &gs)) return malformed("symbol {}: cannot read: {}", i, elf_errmsg(-1));
    ElfSymbol sym;
    sym.index = static_cast<uint32_t>(i);
    const char* name = elf_strptr(elf_, symtab->link, gs.st_name);
    if (!name) return malformed("symbol {}: name offset {:#x} is outside the string table", i, gs.st_name);
    sym.name = name;
    sym.value = gs.st_value;
    sym.size = gs.st_size;
    sym.type = GELF_ST_TYPE(gs.st_info);
    sym.bind = GELF_ST_BIND(gs.st_info);
    sym.visibility = GELF_ST_VISIBILITY(gs.st_other);
    sym.shndx = gs.st_shndx;
    if (sym.shndx != SHN_UNDEF && sym.shndx < SHN_LORESERVE) {
      if (sym.shndx >= sections_.size())
        return malformed("symbol '{}': section index {} out of range ({} sections)", sym.name, sym.shndx,
                         sections_.size());
      const ElfSection& sec = sections_[sym.shndx];
      uint64_t len = (sym.type == STT_FUNC || sym.type == STT_OBJECT) ? sym.size : 0;
      if (!in_bounds(sym.value, len, sec.size))
        return malformed("symbol '{}' (offset {:#x}, size {}) lies outside section '{}' ({} bytes)", sym.name,
                         sym.value, sym.size, sec.name, sec.size);
    }
    symbols_.push_back(std::move(sym));
  }
  return {};
}

const ElfSection* ElfFile::find_section(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() || it->second == 0 ? nullptr : &sections_[it->second];
}

const ElfSection* ElfFile::rel_section_for(uint32_t target) const {
  auto it = rel_for_.find(target);
  return it == rel_for_.end() ? nullptr : &sections_[it->second];
}

const ElfSection* ElfFile::rela_section_for(uint32_t target) const {
  auto it = rela_for_.find(target);
  return it == rela_for_.end() ? nullptr : &sections_[it->second];
}

Result<std::vector<ElfReloc>> ElfFile::relocations(const ElfSection& rel) const {
  if (rel.size % sizeof(Elf64_Rel) != 0)
    return malformed("relocation section '{}': size {} is not a multiple of {}", rel.name, rel.size, sizeof(Elf64_Rel));
  if (rel.link >= sections_.size() || sections_[rel.link].type != SHT_SYMTAB)
    return malformed("relocation section '{}': symbol table index {} is not the symbol table", rel.name, rel.link);
  size_t n = rel.size / sizeof(Elf64_Rel);
  Elf_Data* data = elf_getdata(elf_getscn(elf_, rel.index), nullptr);
  if (n > 0 && (!data || data->d_size < n * sizeof(Elf64_Rel)))
    return malformed("relocation section '{}': cannot read: {}", rel.name, elf_errmsg(-1));
  std::vector<ElfReloc> out;
  out.reserve(n);
  for (size_t i = 0; i < n; i++) {
    GElf_Rel gr;
    if (!gelf_getrel(data, static_cast<int>(i), &gr))
      return malformed("relocation section '{}': entry {}: cannot read: {}", rel.name, i, elf_errmsg(-1));
    ElfReloc r;
    r.index = static_cast<uint32_t>(i);
    r.offset = gr.r_offset;
    r.type = static_cast<uint32_t>(GELF_R_TYPE(gr.r_info));
    r.sym = static_cast<uint32_t>(GELF_R_SYM(gr.r_info));
    if (r.sym == 0 || r.sym >= symbols_.size())
      return malformed("relocation section '{}': relocation {} at offset {:#x} refers to unknown symbol index {}",
                       rel.name, i, r.offset, r.sym);
    out.push_back(r);
  }
  return out;
}

std::string ElfFile::describe(uint32_t section_index) const {
  if (section_index >= sections_.size()) return fmt::format("section index {}", section_index);
  return fmt::format("section '{}' (index {})", sections_[section_index].name, section_index);
}

}  // namespace hostbpf::object
