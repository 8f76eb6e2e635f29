// Hostile input through the command line: each run ends in an exit code and,
// when it fails, a message naming what was wrong; never a signal.
//  - `btf dump file OBJ --format c` on an object whose .BTF section has one
//    byte changed (libbpf's parser accepts many such; its C dumper crashed);
//  - BTF nested deeper than the kernel's resolve depth (32);
//  - a directory where a file is expected.
#include <elf.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "btf_chain.h"
#include "run_cli.h"

namespace {

using ::testing::HasSubstr;

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

const std::string kHello = std::string(HOSTBPF_EXAMPLES_DIR) + "/hello.bpf.o";

// [offset, size) of section `name` in a 64-bit ELF file.
std::pair<size_t, size_t> find_section(const std::vector<uint8_t>& elf, const std::string& name) {
  Elf64_Ehdr eh;
  std::memcpy(&eh, elf.data(), sizeof eh);
  auto shdr = [&](size_t i) {
    Elf64_Shdr sh;
    std::memcpy(&sh, elf.data() + eh.e_shoff + i * sizeof sh, sizeof sh);
    return sh;
  };
  const Elf64_Shdr strtab = shdr(eh.e_shstrndx);
  for (size_t i = 0; i < eh.e_shnum; i++) {
    const Elf64_Shdr sh = shdr(i);
    if (name == reinterpret_cast<const char*>(elf.data() + strtab.sh_offset + sh.sh_name)) return {sh.sh_offset, sh.sh_size};
  }
  return {0, 0};
}

TEST(CliSecurity, OneByteChangesInDotBtfNeverCrashTheCDumper) {
  const std::string text = slurp(kHello);
  const std::vector<uint8_t> good(text.begin(), text.end());
  const auto [off, size] = find_section(good, ".BTF");
  ASSERT_GT(size, 24u) << "hello.bpf.o has a .BTF section";
  const std::string path = cli_temp_path(".bpf.o");
  int rejected = 0, dumped = 0;
  // 1,500 deterministic mutations spread over the whole section (header,
  // types, strings), each flipping a different pattern of bits.
  for (uint32_t i = 0; i < 1500; i++) {
    std::vector<uint8_t> bad = good;
    const size_t at = off + (static_cast<size_t>(i) * 7919) % size;
    bad[at] ^= static_cast<uint8_t>((1u << (i % 8)) | ((i * 37) & 0xf0) | 1);
    write_file(path, bad);
    Outcome o = run_cli({"btf", "dump", "file", path, "--format", "c"});
    ASSERT_TRUE(o.exited) << "byte " << at - off << " of .BTF: " << o.describe();
    ASSERT_TRUE(o.status == 0 || o.status == 1) << "byte " << at - off << ": " << o.describe();
    if (o.status == 0) {
      dumped++;
      continue;
    }
    rejected++;
    EXPECT_THAT(o.err, HasSubstr(path)) << "byte " << at - off;
  }
  std::filesystem::remove(path);
  EXPECT_GT(rejected, 0);
  EXPECT_GT(dumped, 0);
}

using hostbpf::fuzz::chain_btf;
using hostbpf::fuzz::Link;

TEST(CliSecurity, BtfDeeperThanTheKernelResolvesIsRefusedNamingTheType) {
  const Link structs[] = {Link::Struct};
  const std::string path = cli_temp_path(".btf");

  write_file(path, chain_btf(32, structs, true));
  Outcome ok = run_cli({"btf", "dump", "file", path, "--format", "c"}, true);
  ASSERT_TRUE(ok.exited && ok.status == 0) << ok.describe();
  EXPECT_THAT(ok.out, HasSubstr("struct s0 {\n\tstruct s1 m;\n};"));

  write_file(path, chain_btf(33, structs, true));
  Outcome deep = run_cli({"btf", "dump", "file", path, "--format", "c"});
  ASSERT_TRUE(deep.exited && deep.status == 1) << deep.describe();
  EXPECT_THAT(deep.err, HasSubstr(path + ": BTF is malformed: type [2] (STRUCT 's0'): Exceeded max resolving depth:32"));

  for (bool outermost_first : {true, false}) {
    write_file(path, chain_btf(200000, structs, outermost_first));
    for (const char* format : {"c", "raw"}) {
      Outcome o = run_cli({"btf", "dump", "file", path, "--format", format});
      ASSERT_TRUE(o.exited && o.status == 1) << format << ": " << o.describe();
      EXPECT_THAT(o.err, HasSubstr("Exceeded max resolving depth:32"));
    }
  }
  std::filesystem::remove(path);
}

TEST(CliSecurity, ADirectoryWhereAFileBelongsIsAnErrorNamingIt) {
  const std::string dir = std::filesystem::temp_directory_path();
  const std::vector<std::vector<std::string>> commands = {
      {"prog", "run", dir},
      {"prog", "verify", dir},
      {"prog", "dump", dir},
      {"btf", "dump", "file", dir, "--format", "c"},
      {"btf", "dump", "file", dir, "--format", "raw"},
      {"map", "dump", dir, "counters"},
      {"prog", "run", kHello, "--prog", "hello", "--ctx-file", dir},
  };
  for (const auto& args : commands) {
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    Outcome o = run_cli(args);
    ASSERT_TRUE(o.exited) << cmd << o.describe();
    EXPECT_NE(o.status, 0) << cmd;
    EXPECT_LT(o.status, 128) << cmd << o.describe();  // 134 was std::terminate's abort
    EXPECT_THAT(o.err, HasSubstr(dir + ": ")) << cmd;
    EXPECT_THAT(o.err, HasSubstr("is a directory")) << cmd;
  }
}

}  // namespace
