// Paths a user names that are no readable file: a directory given as the
// object (or as the host BTF) is an Error naming the path and the reason,
// never an exception (std::ifstream opens a directory, then throws
// std::ios_base::failure from its first read).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "btf/btf.h"
#include "hostbpf/hostbpf.h"

namespace hostbpf {
namespace {

using ::testing::HasSubstr;

const std::string kDir = std::filesystem::temp_directory_path();

TEST(OpenPath, ADirectoryAsTheObjectIsAnErrorNamingIt) {
  Runtime rt;
  Result<Object> obj = rt.open(kDir);
  ASSERT_FALSE(obj.ok());
  EXPECT_EQ(obj.error().code(), -EISDIR);
  EXPECT_EQ(obj.error().message(), kDir + ": is a directory");
  // The runtime goes on.
  EXPECT_TRUE(rt.open(std::string(HOSTBPF_TEST_BINARY_DIR) + "/multi.bpf.o").ok());
}

TEST(OpenPath, AMissingObjectNamesThePathAndErrno) {
  Runtime rt;
  Result<Object> obj = rt.open("/nonexistent/dir/x.bpf.o");
  ASSERT_FALSE(obj.ok());
  EXPECT_EQ(obj.error().code(), -ENOENT);
  EXPECT_EQ(obj.error().message(), "/nonexistent/dir/x.bpf.o: cannot open: No such file or directory");
}

TEST(OpenPath, ADeviceThatNeverEndsIsRefusedAtTheSizeLimit) {
  Runtime rt;
  Result<Object> obj = rt.open("/dev/zero");
  ASSERT_FALSE(obj.ok());
  EXPECT_EQ(obj.error().code(), -EFBIG);
  EXPECT_EQ(obj.error().message(), "/dev/zero: larger than 256 MiB");
}

TEST(OpenPath, ADirectoryAsTheHostBtfIsTheRuntimesError) {
  RuntimeOptions o;
  o.host_btf_file = kDir;
  Runtime rt(o);
  ASSERT_TRUE(rt.error());
  EXPECT_EQ(rt.error().code(), -EISDIR);
  EXPECT_THAT(rt.error().message(), HasSubstr(kDir + ": cannot read BTF: is a directory"));
  auto h = rt.host_btf_dump();
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.error().message(), HasSubstr("is a directory"));

  auto b = btf::Btf::from_file(kDir);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().message(), kDir + ": cannot read BTF: is a directory");
}

}  // namespace
}  // namespace hostbpf
