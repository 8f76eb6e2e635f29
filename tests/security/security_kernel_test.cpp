// The running kernel refuses the same hostile objects that hostbpf refuses
// (security_test.cpp), and accepts what hostbpf accepts: the kernel is the
// reference for what a prog array may hold.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <string>

#include "hostbpf/hostbpf.h"

namespace {

using ::testing::HasSubstr;

std::string object(const char* name) { return std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + name; }

std::string g_libbpf_out;
int capture(enum libbpf_print_level, const char* fmt, va_list ap) {
  char buf[2048];
  vsnprintf(buf, sizeof buf, fmt, ap);
  g_libbpf_out += buf;
  return 0;
}

bool bpf_permitted(std::string* why) {
  const struct bpf_insn insns[] = {{BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0}, {BPF_JMP | BPF_EXIT, 0, 0, 0, 0}};
  const int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "probe", "GPL", insns, 2, nullptr);
  if (fd < 0) {
    *why = std::string("bpf() not permitted here: ") + std::strerror(errno);
    return false;
  }
  close(fd);
  return true;
}

struct KernelLoad {
  int err = 0;           // bpf_object__load's result
  std::string messages;  // libbpf's output, the verifier's log included
};

KernelLoad kernel_load(const char* name, struct bpf_object** keep = nullptr) {
  g_libbpf_out.clear();
  libbpf_set_print(capture);
  KernelLoad k;
  struct bpf_object* obj = bpf_object__open_file(object(name).c_str(), nullptr);
  if (!obj) {
    k.err = -errno;
    return k;
  }
  k.err = bpf_object__load(obj);
  k.messages = g_libbpf_out;
  if (keep && k.err == 0)
    *keep = obj;
  else
    bpf_object__close(obj);
  libbpf_set_print(nullptr);
  return k;
}

int hostbpf_load(const char* name) {
  hostbpf::Runtime rt;
  auto obj = rt.open(object(name));
  if (!obj) return obj.error().code();
  return obj->load().code();
}

struct SecurityKernel : ::testing::Test {
  void SetUp() override {
    std::string why;
    if (!bpf_permitted(&why)) GTEST_SKIP() << why;
  }
};

TEST_F(SecurityKernel, TheEscapeIsRefusedByBoth) {
  KernelLoad k = kernel_load("escape.bpf.o");
  EXPECT_EQ(k.err, -EINVAL);
  EXPECT_THAT(k.messages, HasSubstr("Sleepable programs can only use array, hash, ringbuf and local storage maps"));
  EXPECT_EQ(hostbpf_load("escape.bpf.o"), -EINVAL);
}

TEST_F(SecurityKernel, TheTcSiblingIsRefusedByBoth) {
  KernelLoad k = kernel_load("escape_tc.bpf.o");
  EXPECT_EQ(k.err, -EINVAL);
  EXPECT_THAT(k.messages, HasSubstr("to_tc"));
  EXPECT_EQ(hostbpf_load("escape_tc.bpf.o"), -EINVAL);
}

TEST_F(SecurityKernel, TwoTypesOnOneArrayAreRefusedByBoth) {
  EXPECT_EQ(kernel_load("shared_array.bpf.o").err, -EINVAL);
  EXPECT_EQ(hostbpf_load("shared_array.bpf.o"), -EINVAL);
}

// What the host may store: the kernel's answers for each program of
// host_update.bpf.o, and hostbpf's, slot by slot.
TEST_F(SecurityKernel, HostUpdatesGetTheSameAnswers) {
  struct bpf_object* kobj = nullptr;
  ASSERT_EQ(kernel_load("host_update.bpf.o", &kobj).err, 0);
  const int jmp_fd = bpf_object__find_map_fd_by_name(kobj, "jmp");
  ASSERT_GE(jmp_fd, 0);

  hostbpf::Runtime rt;
  auto obj = rt.open(object("host_update.bpf.o"));
  ASSERT_TRUE(obj.ok());
  ASSERT_FALSE(obj->load());
  auto jmp = obj->map("jmp");
  ASSERT_TRUE(jmp.ok());

  for (const char* name : {"target_tc", "target_frags", "target_devmap", "target_xdp"}) {
    const uint32_t key = 1;
    const int prog_fd = bpf_program__fd(bpf_object__find_program_by_name(kobj, name));
    ASSERT_GE(prog_fd, 0) << name;
    const int kernel_rc = bpf_map_update_elem(jmp_fd, &key, &prog_fd, BPF_ANY) ? -errno : 0;
    const int hostbpf_rc = jmp->update(key, obj->program(name)->id()).code();
    EXPECT_EQ(hostbpf_rc, kernel_rc) << name;
    EXPECT_EQ(kernel_rc, std::string(name) == "target_xdp" ? 0 : -EINVAL) << name;
  }
  bpf_object__close(kobj);
}

}  // namespace
