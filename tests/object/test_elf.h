// Test helpers: loading the BPF objects built next to the tests, and reading or
// patching their ELF structures by hand (independently of the parser under
// test) to make corrupted variants.
#pragma once

#include <elf.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "object/object_spec.h"

namespace hostbpf::object::testing {

inline std::vector<uint8_t> read_object(const std::string& file) {
  std::ifstream in(std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline ObjectSpec parse_ok(const std::string& file) {
  auto r = parse_object(read_object(file), file);
  if (!r) throw std::runtime_error(file + ": " + r.error().message());
  return std::move(*r);
}

inline const ProgramSpec& program(const ObjectSpec& obj, const std::string& name) {
  for (const ProgramSpec& p : obj.programs)
    if (p.name == name) return p;
  throw std::runtime_error("no program " + name);
}

inline int map_index(const ObjectSpec& obj, const std::string& name) {
  for (size_t i = 0; i < obj.maps.size(); i++)
    if (obj.maps[i].spec.name == name) return static_cast<int>(i);
  throw std::runtime_error("no map " + name);
}

/// A mutable view of an ELF64 image, for making corrupted copies.
class TestElf {
 public:
  explicit TestElf(std::vector<uint8_t>& bytes) : b_(bytes) {}

  template <class T>
  T get(size_t off) const {
    T v;
    if (off + sizeof(T) > b_.size()) throw std::runtime_error("read outside the image");
    std::memcpy(&v, b_.data() + off, sizeof(T));
    return v;
  }
  template <class T>
  void put(size_t off, const T& v) {
    if (off + sizeof(T) > b_.size()) throw std::runtime_error("write outside the image");
    std::memcpy(b_.data() + off, &v, sizeof(T));
  }

  Elf64_Ehdr ehdr() const { return get<Elf64_Ehdr>(0); }
  size_t shdr_offset(int i) const { return ehdr().e_shoff + size_t(i) * sizeof(Elf64_Shdr); }
  Elf64_Shdr shdr(int i) const { return get<Elf64_Shdr>(shdr_offset(i)); }
  void set_shdr(int i, const Elf64_Shdr& s) { put(shdr_offset(i), s); }

  std::string section_name(int i) const {
    Elf64_Shdr names = shdr(ehdr().e_shstrndx);
    return reinterpret_cast<const char*>(b_.data() + names.sh_offset + shdr(i).sh_name);
  }
  int section(const std::string& name) const {
    for (int i = 0; i < ehdr().e_shnum; i++)
      if (section_name(i) == name) return i;
    throw std::runtime_error("no section " + name);
  }

  int symtab() const {
    for (int i = 0; i < ehdr().e_shnum; i++)
      if (shdr(i).sh_type == SHT_SYMTAB) return i;
    throw std::runtime_error("no symtab");
  }
  /// File offset of symbol `name`'s Elf64_Sym.
  size_t symbol_offset(const std::string& name) const {
    Elf64_Shdr st = shdr(symtab());
    Elf64_Shdr strs = shdr(st.sh_link);
    for (size_t off = st.sh_offset; off < st.sh_offset + st.sh_size; off += sizeof(Elf64_Sym)) {
      auto sym = get<Elf64_Sym>(off);
      if (name == reinterpret_cast<const char*>(b_.data() + strs.sh_offset + sym.st_name)) return off;
    }
    throw std::runtime_error("no symbol " + name);
  }
  Elf64_Sym symbol(const std::string& name) const { return get<Elf64_Sym>(symbol_offset(name)); }
  uint32_t symbol_index(const std::string& name) const {
    return static_cast<uint32_t>((symbol_offset(name) - shdr(symtab()).sh_offset) / sizeof(Elf64_Sym));
  }

  /// File offsets of the Elf64_Rel entries of relocation section `name`.
  std::vector<size_t> relocs(const std::string& name) const {
    Elf64_Shdr s = shdr(section(name));
    std::vector<size_t> out;
    for (size_t off = s.sh_offset; off < s.sh_offset + s.sh_size; off += sizeof(Elf64_Rel)) out.push_back(off);
    return out;
  }

  /// The instructions of a function as the ELF section holds them.
  std::vector<isa::Insn> function_code(const std::string& name) const {
    Elf64_Sym sym = symbol(name);
    Elf64_Shdr s = shdr(sym.st_shndx);
    std::vector<isa::Insn> out(sym.st_size / 8);
    std::memcpy(out.data(), b_.data() + s.sh_offset + sym.st_value, sym.st_size);
    return out;
  }

 private:
  std::vector<uint8_t>& b_;
};

}  // namespace hostbpf::object::testing
