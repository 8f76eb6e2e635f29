// Objects the parser must refuse, each with an error that says what and where:
// unsupported features compiled from C, and corruptions made by patching good
// objects byte by byte.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_elf.h"

namespace hostbpf::object::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

Error parse_error(const std::vector<uint8_t>& bytes, const std::string& name = "bad.bpf.o") {
  auto r = parse_object(bytes, name);
  if (r.ok()) return Error();
  EXPECT_THAT(r.error().message(), StartsWith(name + ": "));
  return r.error();
}

Error compiled_error(const std::string& file) { return parse_error(read_object(file), file); }

// ---- valid C the parser does not (yet) support ----

TEST(Unsupported, UnknownSectionNamesSectionAndProgram) {
  Error e = compiled_error("unknown_section.bpf.o");
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_THAT(e.message(), HasSubstr("'bogus/thing'"));
  EXPECT_THAT(e.message(), HasSubstr("'mystery'"));
}

TEST(Unsupported, LegacyMapsSection) {
  Error e = compiled_error("legacy_maps.bpf.o");
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_THAT(e.message(), HasSubstr("section 'maps'"));
  EXPECT_THAT(e.message(), HasSubstr("legacy"));
}

TEST(Externs, KfuncCallInTheLoadersForm) {
  // Extern kfuncs parse (tests/verifier/kfunc covers resolving and calling them).
  auto spec = parse_object(read_object("extern_kfunc.bpf.o"), "extern_kfunc.bpf.o");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  ASSERT_EQ(spec->ksyms.size(), 1u);
  EXPECT_EQ(spec->ksyms[0].name, "bpf_host_thing");
  EXPECT_FALSE(spec->ksyms[0].weak);
  bool found = false;
  for (const auto& insn : spec->programs.at(0).insns)
    if (isa::is_kfunc_call(insn)) found = insn.imm == 0 && insn.off == 0;
  EXPECT_TRUE(found);
}

TEST(Unsupported, MapInMap) {
  Error e = compiled_error("map_in_map.bpf.o");
  EXPECT_EQ(e.code(), -EOPNOTSUPP);
  EXPECT_THAT(e.message(), HasSubstr("map 'outer'"));
}

TEST(BadMaps, UnknownAttribute) {
  Error e = compiled_error("bad_map_attr.bpf.o");
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("map 'painted': unknown attribute 'colour'"));
}

TEST(BadMaps, WrongEncoding) {
  Error e = compiled_error("bad_map_enc.bpf.o");
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("map 'plain'"));
  EXPECT_THAT(e.message(), HasSubstr("'max_entries'"));
}

TEST(BadMaps, OversizedValue) {
  Error e = compiled_error("bad_map_big.bpf.o");
  EXPECT_EQ(e.code(), -E2BIG);
  EXPECT_THAT(e.message(), HasSubstr("map 'big'"));
}

TEST(BadPrograms, DuplicateNames) {
  std::vector<uint8_t> b = read_object("dup_names.bpf.o");
  // Rename dup_bbbb to dup_aaaa everywhere (ELF and BTF strings alike).
  const std::string from = "dup_bbbb", to = "dup_aaaa";
  int renamed = 0;
  for (size_t i = 0; i + from.size() <= b.size(); i++)
    if (std::equal(from.begin(), from.end(), b.begin() + i)) {
      std::copy(to.begin(), to.end(), b.begin() + i);
      renamed++;
    }
  ASSERT_GT(renamed, 0);
  Error e = parse_error(b);
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("duplicate program name 'dup_aaaa'"));
}

// ---- not a BPF object ----

TEST(BadHeader, NotElfAtAll) {
  EXPECT_EQ(parse_error({}).code(), -ENOEXEC);
  std::string text = "this is not an ELF object, just some text that is long enough for a header...";
  EXPECT_EQ(parse_error(std::vector<uint8_t>(text.begin(), text.end())).code(), -ENOEXEC);
}

TEST(BadHeader, WrongMachineClassOrderType) {
  std::vector<uint8_t> good = read_object("multi.bpf.o");
  auto patched = [&](auto patch) {
    std::vector<uint8_t> b = good;
    TestElf elf(b);
    Elf64_Ehdr eh = elf.ehdr();
    patch(eh);
    elf.put(0, eh);
    return parse_error(b);
  };
  Error e = patched([](Elf64_Ehdr& eh) { eh.e_machine = EM_X86_64; });
  EXPECT_EQ(e.code(), -ENOEXEC);
  EXPECT_THAT(e.message(), HasSubstr("machine 62 is not BPF"));
  e = patched([](Elf64_Ehdr& eh) { eh.e_ident[EI_CLASS] = ELFCLASS32; });
  EXPECT_EQ(e.code(), -ENOEXEC);
  EXPECT_THAT(e.message(), HasSubstr("ELF64"));
  e = patched([](Elf64_Ehdr& eh) { eh.e_ident[EI_DATA] = ELFDATA2MSB; });
  EXPECT_EQ(e.code(), -ENOEXEC);
  EXPECT_THAT(e.message(), HasSubstr("little-endian"));
  e = patched([](Elf64_Ehdr& eh) { eh.e_type = ET_EXEC; });
  EXPECT_EQ(e.code(), -ENOEXEC);
  e = patched([](Elf64_Ehdr& eh) { eh.e_shoff = 1u << 30; });
  EXPECT_EQ(e.code(), -EINVAL);
  e = patched([](Elf64_Ehdr& eh) { eh.e_shentsize = 32; });
  EXPECT_EQ(e.code(), -EINVAL);
}

// ---- corrupted sections and symbols ----

class Corrupt : public ::testing::Test {
 protected:
  void load(const std::string& file) {
    bytes_ = read_object(file);
    elf_ = std::make_unique<TestElf>(bytes_);
  }
  void patch_shdr(const std::string& sec, void (*f)(Elf64_Shdr&)) {
    int i = elf_->section(sec);
    Elf64_Shdr s = elf_->shdr(i);
    f(s);
    elf_->set_shdr(i, s);
  }
  void patch_sym(const std::string& name, void (*f)(Elf64_Sym&)) {
    size_t off = elf_->symbol_offset(name);
    auto s = elf_->get<Elf64_Sym>(off);
    f(s);
    elf_->put(off, s);
  }
  // Relocation `n` of section `rel`, patched.
  template <class F>
  void patch_rel(const std::string& rel, size_t n, F f) {
    size_t off = elf_->relocs(rel).at(n);
    auto r = elf_->get<Elf64_Rel>(off);
    f(r);
    elf_->put(off, r);
  }
  Error error() { return parse_error(bytes_); }

  std::vector<uint8_t> bytes_;
  std::unique_ptr<TestElf> elf_;
};

TEST_F(Corrupt, SectionOutsideFile) {
  load("multi.bpf.o");
  patch_shdr("xdp", [](Elf64_Shdr& s) { s.sh_offset = 1u << 24; });
  Error e = error();
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("section 'xdp'"));
  EXPECT_THAT(e.message(), HasSubstr("outside the file"));
}

TEST_F(Corrupt, CodeSizeNotWholeInstructions) {
  load("multi.bpf.o");
  patch_shdr("syscall", [](Elf64_Shdr& s) { s.sh_size += 4; });
  Error e = error();
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("section 'syscall'"));
  EXPECT_THAT(e.message(), HasSubstr("not a multiple of 8"));
}

TEST_F(Corrupt, SymbolOutsideItsSection) {
  load("multi.bpf.o");
  patch_sym("xdp_two", [](Elf64_Sym& s) { s.st_value = 0x10000; });
  Error e = error();
  EXPECT_THAT(e.message(), HasSubstr("symbol 'xdp_two'"));
  EXPECT_THAT(e.message(), HasSubstr("outside section 'xdp'"));
}

TEST_F(Corrupt, SymbolSectionIndexOutOfRange) {
  load("multi.bpf.o");
  patch_sym("leaf", [](Elf64_Sym& s) { s.st_shndx = 200; });
  EXPECT_THAT(error().message(), HasSubstr("symbol 'leaf': section index 200 out of range"));
}

TEST_F(Corrupt, FunctionNotWholeInstructions) {
  load("multi.bpf.o");
  patch_sym("middle", [](Elf64_Sym& s) { s.st_size -= 4; });
  EXPECT_THAT(error().message(), HasSubstr("function 'middle'"));
}

TEST_F(Corrupt, RelocationOutOfRange) {
  load("multi.bpf.o");
  patch_rel(".relsyscall", 1, [](Elf64_Rel& r) { r.r_offset = 0x100000; });
  Error e = error();
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("section 'syscall'"));
  EXPECT_THAT(e.message(), HasSubstr("relocation 1 at offset 0x100000"));
}

TEST_F(Corrupt, RelocationNotOnInstruction) {
  load("multi.bpf.o");
  patch_rel(".relsyscall", 1, [](Elf64_Rel& r) { r.r_offset += 4; });
  EXPECT_THAT(error().message(), HasSubstr("not on an instruction"));
}

TEST_F(Corrupt, RelocationIntoMiddleOfLddw) {
  load("multi.bpf.o");
  // Relocation 0 is the ldimm64 at insn 5 (the bpf_loop callback).
  patch_rel(".relsyscall", 1, [](Elf64_Rel& r) { r.r_offset = 6 * 8; });
  EXPECT_THAT(error().message(), HasSubstr("middle of the ldimm64 at insn 5"));
}

TEST_F(Corrupt, RelocationOfPlainInstruction) {
  load("multi.bpf.o");
  patch_rel(".relsyscall", 1, [](Elf64_Rel& r) { r.r_offset = 0; });
  EXPECT_THAT(error().message(), HasSubstr("insn 0 (opcode 0xb4) is neither ldimm64 nor call"));
}

TEST_F(Corrupt, RelocationTypeWrongForInstruction) {
  load("multi.bpf.o");
  patch_rel(".relsyscall", 0, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 10); });
  EXPECT_THAT(error().message(), HasSubstr("type 10 on ldimm64 (expected R_BPF_64_64)"));
  load("multi.bpf.o");
  patch_rel(".relsyscall", 1, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 1); });
  EXPECT_THAT(error().message(), HasSubstr("type 1 on a call (expected R_BPF_64_32)"));
}

TEST_F(Corrupt, RelocationUnknownSymbol) {
  load("multi.bpf.o");
  patch_rel(".relsyscall", 2, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(9999, 10); });
  EXPECT_THAT(error().message(), HasSubstr("relocation 2 at offset 0x70 refers to unknown symbol index 9999"));
}

TEST_F(Corrupt, RelocationAgainstDataSectionWithoutMap) {
  load("multi.bpf.o");
  uint32_t license = elf_->symbol_index("LICENSE");
  patch_rel(".relsyscall", 0, [&](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(license, 1); });
  Error e = error();
  EXPECT_THAT(e.message(), HasSubstr("('LICENSE')"));
  EXPECT_THAT(e.message(), HasSubstr("unsupported section 'license'"));
}

TEST_F(Corrupt, CallIntoTheMiddleOfAFunction) {
  load("multi.bpf.o");
  // global_helper's first instruction is a (section-local, unrelocated) call to middle.
  Elf64_Sym gh = elf_->symbol("global_helper");
  size_t off = elf_->shdr(gh.st_shndx).sh_offset + gh.st_value;
  auto call = elf_->get<isa::Insn>(off);
  ASSERT_TRUE(isa::is_pseudo_call(call));
  call.imm += 1;
  elf_->put(off, call);
  EXPECT_THAT(error().message(), HasSubstr("is not the start of a function"));
  call.imm = 100000;
  elf_->put(off, call);
  EXPECT_THAT(error().message(), HasSubstr("is outside section '.text'"));
}

TEST_F(Corrupt, BrokenBtf) {
  load("multi.bpf.o");
  elf_->put<uint16_t>(elf_->shdr(elf_->section(".BTF")).sh_offset, 0x1234);
  Error e = error();
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message(), HasSubstr("section '.BTF' is corrupted"));
}

TEST_F(Corrupt, BrokenBtfExt) {
  load("multi.bpf.o");
  size_t ext = elf_->shdr(elf_->section(".BTF.ext")).sh_offset;
  uint32_t hdr_len = elf_->get<uint32_t>(ext + 4), func_off = elf_->get<uint32_t>(ext + 8);
  elf_->put<uint32_t>(ext + hdr_len + func_off, 3);  // func_info record size
  EXPECT_THAT(error().message(), HasSubstr(".BTF.ext: func_info record size 3 is invalid"));
  load("multi.bpf.o");
  elf_->put<uint32_t>(ext + 12, 1u << 30);  // func_info length
  EXPECT_THAT(error().message(), HasSubstr("lies outside the section"));
}

TEST_F(Corrupt, ProgArrayValues) {
  load("maps.bpf.o");
  uint32_t map_sym = elf_->symbol_index("hash_map");
  patch_rel(".rel.maps", 0, [&](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(map_sym, 2); });
  EXPECT_THAT(error().message(), HasSubstr("'hash_map' is not an entry-point BPF program"));
  load("maps.bpf.o");
  patch_rel(".rel.maps", 0, [](Elf64_Rel& r) { r.r_offset = 0x10000; });
  EXPECT_THAT(error().message(), HasSubstr("no map definition covers this offset"));
  load("maps.bpf.o");
  patch_rel(".rel.maps", 0, [](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 3); });
  EXPECT_THAT(error().message(), HasSubstr("is not R_BPF_64_ABS64"));
}

TEST_F(Corrupt, StructOpsRelocations) {
  load("struct_ops.bpf.o");
  patch_rel(".rel.struct_ops.link", 0, [](Elf64_Rel& r) { r.r_offset = 16; });
  EXPECT_THAT(error().message(), HasSubstr("member 'flags' of struct demo_ops is not a function pointer"));
  load("struct_ops.bpf.o");
  patch_rel(".rel.struct_ops.link", 0, [](Elf64_Rel& r) { r.r_offset = 4; });
  EXPECT_THAT(error().message(), HasSubstr("struct demo_ops has no member at offset 4"));
  load("struct_ops.bpf.o");
  patch_rel(".rel.struct_ops.link", 0, [](Elf64_Rel& r) { r.r_offset = 0x1000; });
  EXPECT_THAT(error().message(), HasSubstr("no struct_ops map covers this offset"));
  load("struct_ops.bpf.o");
  uint32_t helper = elf_->symbol_index("helper");
  patch_rel(".rel.struct_ops.link", 0, [&](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(helper, 2); });
  EXPECT_THAT(error().message(), HasSubstr("'helper' is not a BPF program"));
}

TEST_F(Corrupt, StructOpsImplementedByWrongProgramType) {
  load("struct_ops.bpf.o");
  uint32_t sys = elf_->symbol_index("not_ops");
  patch_rel(".rel.struct_ops.link", 1, [&](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(sys, 2); });
  EXPECT_THAT(error().message(), HasSubstr("program 'not_ops' is in section 'syscall', not a struct_ops program"));
}

// A slot may also name its program through the section symbol (offset in the
// slot's bytes, as REL relocations carry addends).
TEST_F(Corrupt, StructOpsSlotThroughSectionSymbol) {
  load("struct_ops.bpf.o");
  Elf64_Shdr st = elf_->shdr(elf_->symtab());
  uint32_t sec_sym = 0;
  for (uint32_t i = 1; i < st.sh_size / sizeof(Elf64_Sym); i++) {
    auto sym = elf_->get<Elf64_Sym>(st.sh_offset + i * sizeof(Elf64_Sym));
    if (ELF64_ST_TYPE(sym.st_info) == STT_SECTION && sym.st_shndx == elf_->section("struct_ops/on_event")) sec_sym = i;
  }
  ASSERT_NE(sec_sym, 0u);
  patch_rel(".rel.struct_ops.link", 1, [&](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(sec_sym, 2); });
  auto r = parse_object(bytes_, "x.bpf.o");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const MapDef& m = r->maps[map_index(*r, "linked_ops")];
  ASSERT_EQ(m.struct_ops_progs.size(), 2u);
  EXPECT_EQ(m.struct_ops_progs[1].first, 1u);
  EXPECT_EQ(r->programs[m.struct_ops_progs[1].second].name, "on_event_impl");
}

}  // namespace
}  // namespace hostbpf::object::testing
