// Reading the ELF container of a BPF object: sections, symbols and relocations,
// every offset and size checked against the file before anything is read.
//
// libelf does the decoding; this file adds the checks that libelf leaves to the
// caller (machine, class and byte order; section contents inside the file;
// symbols inside their sections) so that later stages can index freely.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "hostbpf/error.h"

struct Elf;  // libelf's handle (typedef struct Elf Elf in <libelf.h>)

namespace hostbpf::object {

/// LLVM's BPF relocation types (llvm/docs/BPF relocations); <elf.h> names only
/// the first three.
inline constexpr uint32_t kRelBpfNone = 0;
inline constexpr uint32_t kRelBpf64_64 = 1;        // LDDW: map, global data, function address
inline constexpr uint32_t kRelBpf64Abs64 = 2;      // 64-bit data word (.maps .values, .struct_ops)
inline constexpr uint32_t kRelBpf64Abs32 = 3;      // debug info and BTF only
inline constexpr uint32_t kRelBpf64NoDyld32 = 4;   // debug info and BTF only
inline constexpr uint32_t kRelBpf64_32 = 10;       // CALL to a BPF function

struct ElfSection {
  uint32_t index = 0;
  std::string name;
  uint32_t type = 0;    // SHT_*
  uint64_t flags = 0;   // SHF_*
  uint32_t link = 0;
  uint32_t info = 0;
  uint64_t size = 0;    // sh_size (also for SHT_NOBITS, which has no bytes)
  /// The section's bytes inside the file; empty for SHT_NOBITS.
  std::span<const uint8_t> bytes;

  bool is_exec() const;
};

struct ElfSymbol {
  uint32_t index = 0;
  std::string name;
  uint64_t value = 0;
  uint64_t size = 0;
  uint8_t type = 0;        // STT_*
  uint8_t bind = 0;        // STB_*
  uint8_t visibility = 0;  // STV_*
  uint32_t shndx = 0;      // SHN_UNDEF, a section index, or >= SHN_LORESERVE
};

struct ElfReloc {
  uint32_t index = 0;     // position in its relocation section, for messages
  uint64_t offset = 0;    // r_offset within the target section
  uint32_t type = 0;      // R_BPF_*
  uint32_t sym = 0;       // symbol index
};

/// A parsed, validated ELF64 little-endian EM_BPF relocatable object. Owns a
/// copy of the bytes (libelf may write into the image it reads from).
class ElfFile {
 public:
  /// Errors: -ENOEXEC for a file that is not a little-endian ELF64 BPF object,
  /// -EINVAL for a corrupted one.
  static Result<std::unique_ptr<ElfFile>> open(std::span<const uint8_t> bytes);
  ~ElfFile();
  ElfFile(const ElfFile&) = delete;
  ElfFile& operator=(const ElfFile&) = delete;

  const std::vector<ElfSection>& sections() const { return sections_; }
  const std::vector<ElfSymbol>& symbols() const { return symbols_; }
  const ElfSection* find_section(const std::string& name) const;
  /// The SHT_REL section that relocates section `target`, or nullptr.
  const ElfSection* rel_section_for(uint32_t target) const;
  /// A SHT_RELA section for `target` (never emitted for BPF), or nullptr.
  const ElfSection* rela_section_for(uint32_t target) const;
  /// Relocations of a SHT_REL section; symbol indexes are checked.
  Result<std::vector<ElfReloc>> relocations(const ElfSection& rel) const;

  /// "'xdp' (index 3)", for messages.
  std::string describe(uint32_t section_index) const;

 private:
  ElfFile() = default;
  Error load_sections();
  Error load_symbols();

  std::vector<uint8_t> image_;
  ::Elf* elf_ = nullptr;   // freed by the destructor
  std::vector<ElfSection> sections_;
  std::vector<ElfSymbol> symbols_;
  // Lookups by name and by relocated section, built once: a hostile file may
  // hold many thousands of sections.
  std::unordered_map<std::string, uint32_t> by_name_;   // first section of each name
  std::unordered_map<uint32_t, uint32_t> rel_for_;      // target -> first SHT_REL for it
  std::unordered_map<uint32_t, uint32_t> rela_for_;     // target -> first SHT_RELA for it
};

}  // namespace hostbpf::object
