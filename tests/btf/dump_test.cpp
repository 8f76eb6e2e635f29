// BTF dumps through the public API, in bpftool's two formats: a file's BTF
// (pahole-made point.btf, whose listing `bpftool btf dump file point.btf
// format raw` prints the same), the host's and a missing or malformed file's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "hostbpf/hostbpf.h"

namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kPoint = std::string(HOSTBPF_TEST_BINARY_DIR) + "/point.btf";
// point.o is compiled by the build's C compiler, and its DWARF names `long` as
// that compiler spells it (this test is built by the same family's C++ compiler).
#if defined(__clang__)
const std::string kLong = "long";
#else
const std::string kLong = "long int";
#endif

TEST(BtfDump, FileRawListsEveryTypeAsBpftoolDoes) {
  auto raw = hostbpf::dump_btf_file(kPoint, hostbpf::BtfFormat::Raw);
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  EXPECT_EQ(*raw,
            "[1] STRUCT 'point' size=16 vlen=2\n"
            "\t'x' type_id=2 bits_offset=0\n"
            "\t'y' type_id=3 bits_offset=64\n"
            "[2] INT 'int' size=4 bits_offset=0 nr_bits=32 encoding=SIGNED\n"
            "[3] INT '" + kLong + "' size=8 bits_offset=0 nr_bits=64 encoding=SIGNED\n"
            "[4] PTR '(anon)' type_id=1\n"
            "[5] FUNC_PROTO '(anon)' ret_type_id=2 vlen=1\n"
            "\t'p' type_id=4\n"
            "[6] FUNC 'point_x' type_id=5 linkage=static\n");
}

TEST(BtfDump, FileCIsAHeaderWithTheStruct) {
  auto c = hostbpf::dump_btf_file(kPoint, hostbpf::BtfFormat::C);
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_THAT(*c, StartsWith("#ifndef __HOSTBPF_BTF_H__\n"));
  EXPECT_THAT(*c, HasSubstr("struct point {\n\tint x;\n\t" + kLong + " y;\n};"));
}

TEST(BtfDump, HostRawAndCAgree) {
  hostbpf::Runtime rt;
  auto raw = rt.host_btf_dump(hostbpf::BtfFormat::Raw);
  auto c = rt.host_btf_dump(hostbpf::BtfFormat::C);
  ASSERT_TRUE(raw.ok()) << raw.error().message();
  ASSERT_TRUE(c.ok()) << c.error().message();
  EXPECT_THAT(*raw, StartsWith("[1] "));
  EXPECT_THAT(*raw, HasSubstr("STRUCT 'xdp_md' size=24 vlen=6\n\t'data' type_id="));
  EXPECT_THAT(*c, HasSubstr("struct xdp_md {"));
  EXPECT_THAT(*c, HasSubstr("#ifndef __VMLINUX_H__"));
}

TEST(BtfDump, MissingAndMalformedFilesNameTheFile) {
  auto missing = hostbpf::dump_btf_file("/nonexistent/x.btf", hostbpf::BtfFormat::Raw);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), -ENOENT);
  EXPECT_THAT(missing.error().message(), HasSubstr("/nonexistent/x.btf"));

  const std::string junk = std::string(HOSTBPF_TEST_BINARY_DIR) + "/junk.btf";
  std::ofstream(junk) << "not BTF at all";
  for (auto f : {hostbpf::BtfFormat::Raw, hostbpf::BtfFormat::C}) {
    auto bad = hostbpf::dump_btf_file(junk, f);
    ASSERT_FALSE(bad.ok());
    EXPECT_THAT(bad.error().message(), HasSubstr(junk));
  }
  std::remove(junk.c_str());
}

TEST(BtfDump, ReadFileReportsADirectory) {
  auto r = hostbpf::read_file(HOSTBPF_TEST_BINARY_DIR);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), -EISDIR);
  EXPECT_THAT(r.error().message(), HasSubstr(std::string(HOSTBPF_TEST_BINARY_DIR) + ": is a directory"));
}

}  // namespace
