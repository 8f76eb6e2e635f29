// bpf_trace_printk / bpf_trace_vprintk: every conversion the kernel accepts,
// formatted as the kernel formats it, and the formats it rejects.
#include <arpa/inet.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "helpers/helper.h"
#include "helpers/run_env.h"
#include "../maps/test_util.h"

namespace hostbpf::helpers {
namespace {

struct Capture : TraceSink {
  void write(std::string_view line) override {
    std::lock_guard<std::mutex> g(mu);
    lines.emplace_back(line);
  }
  std::mutex mu;
  std::vector<std::string> lines;
};

uint64_t u(const void* p) { return reinterpret_cast<uint64_t>(p); }

struct PrintkTest : ::testing::Test {
  /// Runs bpf_trace_printk(fmt, sizeof fmt, a1, a2, a3); returns its result.
  int64_t printk(const char* fmt, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
    return static_cast<int64_t>(
        find_helper(BPF_FUNC_trace_printk)->func(u(fmt), std::strlen(fmt) + 1, a1, a2, a3));
  }
  /// The line printed by a single successful call.
  std::string line(const char* fmt, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0) {
    sink.lines.clear();
    const int64_t n = printk(fmt, a1, a2, a3);
    EXPECT_GE(n, 0) << fmt;
    EXPECT_EQ(sink.lines.size(), 1u) << fmt;
    return sink.lines.empty() ? "<none>" : sink.lines.back();
  }
  Capture sink;
  RunEnv env{&sink};
  EnvScope scope{&env};
};

TEST_F(PrintkTest, IntegerConversions) {
  const uint64_t minus5 = static_cast<uint64_t>(-5);
  EXPECT_EQ(line("%d", minus5), "-5");
  EXPECT_EQ(line("%i", 42), "42");
  EXPECT_EQ(line("%u", minus5), "4294967291");  // 4-byte conversions keep 32 bits
  EXPECT_EQ(line("%x", 255), "ff");
  EXPECT_EQ(line("%X", 255), "FF");
  EXPECT_EQ(line("%d", 0x100000005ull), "5");
  EXPECT_EQ(line("%ld", minus5), "-5");
  EXPECT_EQ(line("%lu", minus5), "18446744073709551611");
  EXPECT_EQ(line("%lx", 0xdeadbeefcafeull), "deadbeefcafe");
  EXPECT_EQ(line("%lld", minus5), "-5");
  EXPECT_EQ(line("%llu", 1ull << 40), "1099511627776");
  EXPECT_EQ(line("%llx", 0x123456789abcdefull), "123456789abcdef");
  EXPECT_EQ(line("%lli %llX", minus5, 0xabcull), "-5 ABC");
}

TEST_F(PrintkTest, WidthAndFlags) {
  EXPECT_EQ(line("[%5d]", 42), "[   42]");
  EXPECT_EQ(line("[%-5d]", 42), "[42   ]");
  EXPECT_EQ(line("[%05d]", 42), "[00042]");
  EXPECT_EQ(line("[%+d]", 42), "[+42]");
  EXPECT_EQ(line("[% d]", 42), "[ 42]");
  EXPECT_EQ(line("[%08x]", 255), "[000000ff]");
  EXPECT_EQ(line("[%-08x]", 255), "[ff      ]");  // '-' wins over '0'
  EXPECT_EQ(line("[%16llx]", 0xabcull), "[             abc]");
  EXPECT_EQ(line("[%6s]", u("ab")), "[    ab]");
  EXPECT_EQ(line("[%-6s]", u("ab")), "[ab    ]");
  EXPECT_EQ(line("[%3c]", 'z'), "[  z]");
  EXPECT_EQ(line("[%-3c]", 'z'), "[z  ]");
}

TEST_F(PrintkTest, CharStringPercent) {
  EXPECT_EQ(line("%c%c%c", 'a', 'b', 0x100 + 'c'), "abc");
  EXPECT_EQ(line("hello %s!", u("world")), "hello world!");
  EXPECT_EQ(line("%s,%s.", u("a"), u("")), "a,.");
  EXPECT_EQ(line("100%%"), "100%");
  EXPECT_EQ(line("%% %d %%", 7), "% 7 %");
  // A string that cannot be read prints as empty, like the kernel.
  EXPECT_EQ(line("<%s>", 0), "<>");
  EXPECT_EQ(line("<%s>", 0x10), "<>");
  EXPECT_EQ(line("%pks|%pus", u("k"), u("u")), "k|u");
}

TEST_F(PrintkTest, Pointers) {
  EXPECT_EQ(line("%p", 0x1234), "0000000000001234");
  EXPECT_EQ(line("%pK", 0x1234), "0000000000001234");
  EXPECT_EQ(line("%px", 0xffff888012345678ull), "ffff888012345678");
  EXPECT_EQ(line("%p.", 0xab), "00000000000000ab.");  // punctuation after %p is literal
  EXPECT_EQ(line("%p %d", 1, 2), "0000000000000001 2");
  const unsigned char v4[4] = {192, 168, 1, 20};
  EXPECT_EQ(line("%pI4", u(v4)), "192.168.1.20");
  EXPECT_EQ(line("%pi4", u(v4)), "192.168.001.020");
  in6_addr v6;
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::ff00:42:8329", &v6), 1);
  EXPECT_EQ(line("%pI6", u(&v6)), "2001:0db8:0000:0000:0000:ff00:0042:8329");
  EXPECT_EQ(line("%pi6", u(&v6)), "20010db8000000000000ff0000428329");
  EXPECT_EQ(line("%pI4", 0), "0.0.0.0");  // unreadable address: zeros
  // Symbols: resolved through dladdr when the address is in a symbol table.
  EXPECT_EQ(line("%ps", 0x10), "0x10");
}

TEST_F(PrintkTest, ReturnsLengthAndStripsTrailingNewline) {
  sink.lines.clear();
  EXPECT_EQ(printk("n=%d\n", 12), 5);
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(sink.lines[0], "n=12");
  EXPECT_EQ(printk("no newline"), 10);
  EXPECT_EQ(sink.lines.back(), "no newline");
}

TEST_F(PrintkTest, LongOutputIsTruncatedToTheKernelBuffer) {
  sink.lines.clear();
  // The arguments fit the kernel's 512-byte argument buffer; the line does not
  // fit its 1024-byte output buffer. The return value is the untruncated length.
  std::string a(300, 'a'), b(150, 'b');
  EXPECT_EQ(printk("%s%s%1000d", u(a.c_str()), u(b.c_str()), 1), 1450);
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(sink.lines[0].size(), 1023u);
  EXPECT_EQ(sink.lines[0].substr(0, 300), a);
}

TEST_F(PrintkTest, RejectedFormats) {
  sink.lines.clear();
  EXPECT_EQ(printk("%d %d %d %d", 1, 2, 3), -EINVAL);  // more conversions than arguments
  EXPECT_EQ(printk("%f", 1), -EINVAL);
  EXPECT_EQ(printk("%.2d", 1), -EINVAL);  // no precision
  EXPECT_EQ(printk("%hd", 1), -EINVAL);
  EXPECT_EQ(printk("%lf", 1), -EINVAL);
  EXPECT_EQ(printk("%n", 1), -EINVAL);
  EXPECT_EQ(printk("%sx", u("a")), -EINVAL);  // %s must be followed by space/punct/end
  EXPECT_EQ(printk("%pZ", 1), -EINVAL);
  EXPECT_EQ(printk("%pI5", 1), -EINVAL);
  EXPECT_EQ(printk("bell\a"), -EINVAL);  // non-printable
  EXPECT_EQ(printk("caf\xc3\xa9"), -EINVAL);  // non-ASCII
  EXPECT_EQ(printk("%"), -EINVAL);
  const char no_nul[4] = {'a', 'b', 'c', 'd'};
  EXPECT_EQ(static_cast<int64_t>(find_helper(BPF_FUNC_trace_printk)->func(u(no_nul), 4, 0, 0, 0)), -EINVAL);
  EXPECT_EQ(static_cast<int64_t>(find_helper(BPF_FUNC_trace_printk)->func(u(no_nul), 0, 0, 0, 0)), -EINVAL);
  EXPECT_TRUE(sink.lines.empty());
  // The size bounds the format: a NUL inside it ends the string.
  EXPECT_EQ(static_cast<int64_t>(find_helper(BPF_FUNC_trace_printk)->func(u("ab\0cd"), 6, 0, 0, 0)), 2);
}

TEST_F(PrintkTest, VprintkTakesAnArgumentArray) {
  auto vprintk = [](const char* fmt, const std::vector<uint64_t>& args, uint64_t len) {
    return static_cast<int64_t>(
        find_helper(BPF_FUNC_trace_vprintk)->func(u(fmt), std::strlen(fmt) + 1, u(args.data()), len, 0));
  };
  sink.lines.clear();
  std::vector<uint64_t> args = {1, 2, 3, 4, u("five")};
  EXPECT_EQ(vprintk("%d %d %d %d %s", args, 40), 12);
  ASSERT_EQ(sink.lines.size(), 1u);
  EXPECT_EQ(sink.lines[0], "1 2 3 4 five");
  EXPECT_EQ(vprintk("%d", args, 12), -EINVAL);  // not a multiple of 8
  std::vector<uint64_t> many(13, 0);
  EXPECT_EQ(vprintk("x", many, 13 * 8), -EINVAL);  // more than 12 arguments
  EXPECT_EQ(vprintk("%d %d", args, 8), -EINVAL);   // fewer arguments than conversions
  EXPECT_EQ(static_cast<int64_t>(find_helper(BPF_FUNC_trace_vprintk)->func(u("plain"), 6, 0, 0, 0)), 5);
  EXPECT_EQ(static_cast<int64_t>(find_helper(BPF_FUNC_trace_vprintk)->func(u("plain"), 6, 0, 8, 0)), -EINVAL);
}

TEST(PrintkNoSink, WritesToStderr) {
  ::testing::internal::CaptureStderr();
  const char fmt[] = "to stderr %d\n";
  EXPECT_EQ(find_helper(BPF_FUNC_trace_printk)->func(u(fmt), sizeof(fmt), 3, 0, 0), 12u);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "to stderr 3\n");
}

}  // namespace
}  // namespace hostbpf::helpers
