// The kernel's resolve depth (MAX_RESOLVE_DEPTH in kernel/bpf/btf.c): a chain
// of types resolved together (struct members and array elements by value,
// modifiers, typedefs, pointers to pointers) deeper than 32 is "Exceeded max
// resolving depth:32". Without the limit, 200,000 nested structs overflowed
// the stack of libbpf's C dumper (`btf dump file --format c`, the host BTF
// header) and 100,000 nested the other way took minutes. Every way a BTF
// comes in must refuse them, quickly, naming the type.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <vector>

#include "btf/btf.h"
#include "btf/builder.h"
#include "btf_chain.h"
#include "hostbpf/hostbpf.h"

namespace hostbpf::btf {
namespace {

using fuzz::chain_btf;
using fuzz::Link;
using ::testing::HasSubstr;

constexpr Link kStructs[] = {Link::Struct};
constexpr Link kMixed[] = {Link::Struct, Link::Const, Link::Typedef, Link::Array, Link::Union, Link::Volatile};

std::string kernel_message(uint32_t id, const std::string& kind_and_name) {
  return "BTF is malformed: type [" + std::to_string(id) + "] (" + kind_and_name + "): Exceeded max resolving depth:32";
}

TEST(ResolveDepth, ThirtyTwoNestedStructsLoadAndDumpInEitherOrder) {
  for (bool outermost_first : {true, false}) {
    auto b = Btf::from_blob(chain_btf(32, kStructs, outermost_first));
    ASSERT_TRUE(b.ok()) << b.error().message();
    auto h = (*b)->dump_c("DEEP_H");
    ASSERT_TRUE(h.ok()) << h.error().message();
    EXPECT_THAT(*h, HasSubstr("struct s0 {\n\tstruct s1 m;\n};"));
    EXPECT_THAT(*h, HasSubstr("struct s31 {\n\tint m;\n"));
  }
}

TEST(ResolveDepth, ThirtyThreeNestedStructsAreTheKernelsErrorNamingTheType) {
  // Outermost first (as compilers emit types), the kernel's verdict and the
  // type it names: the one whose resolve started the chain.
  auto outer = Btf::from_blob(chain_btf(33, kStructs, true));
  ASSERT_FALSE(outer.ok());
  EXPECT_EQ(outer.error().code(), -EINVAL);
  EXPECT_EQ(outer.error().message(), kernel_message(2, "STRUCT 's0'"));
  // Innermost first the kernel, having resolved the inner types already,
  // would not notice; the chain is as deep, so it is refused all the same.
  auto inner = Btf::from_blob(chain_btf(33, kStructs, false));
  ASSERT_FALSE(inner.ok());
  EXPECT_EQ(inner.error().message(), kernel_message(34, "STRUCT 's0'"));
}

TEST(ResolveDepth, ModifierTypedefArrayAndPointerChainsCountToo) {
  struct Case {
    Link link;
    const char* first;  // how the error names type [2]
  } cases[] = {{Link::Typedef, "TYPEDEF 't0'"}, {Link::Const, "CONST ''"}, {Link::Volatile, "VOLATILE ''"},
               {Link::Array, "ARRAY ''"},      {Link::Ptr, "PTR ''"},     {Link::Union, "UNION 'u0'"}};
  for (const Case& c : cases) {
    const Link links[] = {c.link};
    EXPECT_TRUE(Btf::from_blob(chain_btf(32, links, true)).ok()) << c.first;
    auto deep = Btf::from_blob(chain_btf(33, links, true));
    ASSERT_FALSE(deep.ok()) << c.first;
    EXPECT_EQ(deep.error().message(), kernel_message(2, c.first));
  }
  EXPECT_TRUE(Btf::from_blob(chain_btf(32, kMixed, true)).ok());
  auto mixed = Btf::from_blob(chain_btf(33, kMixed, false));
  ASSERT_FALSE(mixed.ok());
  EXPECT_THAT(mixed.error().message(), HasSubstr("Exceeded max resolving depth:32"));
}

TEST(ResolveDepth, APointerEndsAChainByValue) {
  // The kernel resolves a struct's pointer member on its own: 20 structs,
  // a pointer, 20 more structs is two chains of 21 and 20, not one of 41.
  std::vector<Link> links(41, Link::Struct);
  links[20] = Link::Ptr;
  auto b = Btf::from_blob(chain_btf(41, links, true));
  ASSERT_TRUE(b.ok()) << b.error().message();
  EXPECT_TRUE((*b)->dump_c("PTR_H").ok());
}

TEST(ResolveDepth, TwoHundredThousandNestedStructsAreRefusedQuickly) {
  for (bool outermost_first : {true, false}) {
    const auto bytes = chain_btf(200000, kStructs, outermost_first);
    const auto start = std::chrono::steady_clock::now();
    auto b = Btf::from_blob(bytes);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ASSERT_FALSE(b.ok());
    EXPECT_THAT(b.error().message(), HasSubstr("Exceeded max resolving depth:32"));
    // Linear: a fraction of a second; the quadratic walk took minutes.
    EXPECT_LT(secs, 10.0) << (outermost_first ? "outermost first" : "innermost first");
  }
  auto mixed = Btf::from_blob(chain_btf(200000, kMixed, true));
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().message(), kernel_message(2, "STRUCT 's0'"));
}

TEST(ResolveDepth, LongPrototypeChainsAreRefusedToo) {
  // A pointer to a prototype returning a pointer to a prototype...: no
  // resolve chain for the kernel, but libbpf's dumper recurses along it.
  const Link links[] = {Link::Ptr, Link::FuncProto};
  auto ok = Btf::from_blob(chain_btf(100, links, true));
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_TRUE((*ok)->dump_c("PROTO_H").ok());
  for (bool outermost_first : {true, false}) {
    auto deep = Btf::from_blob(chain_btf(200000, links, outermost_first));
    ASSERT_FALSE(deep.ok());
    EXPECT_THAT(deep.error().message(), HasSubstr("starts a chain of more than 256 types"));
  }
}

TEST(ResolveDepth, BuiltBtfIsCheckedWhenFinished) {
  BtfBuilder b;
  uint32_t inner = b.int_type("int", 4, true);
  std::vector<uint32_t> ids;
  for (int i = 0; i < 33; i++) ids.push_back(inner = b.struct_type("n" + std::to_string(32 - i), 4, {{"m", inner, 0}}));
  auto built = b.finish();
  ASSERT_FALSE(built.ok());
  // Built innermost first: the 33rd struct is the first too deep.
  EXPECT_EQ(built.error().message(), kernel_message(ids.back(), "STRUCT 'n0'"));
}

TEST(ResolveDepth, DeepHostBtfIsTheRuntimesErrorNotACrash) {
  const std::string path = std::filesystem::temp_directory_path() / ("hostbpf_deep_host_" + std::to_string(getpid()) + ".btf");
  for (bool outermost_first : {true, false}) {
    const auto bytes = chain_btf(200000, kStructs, outermost_first);
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    RuntimeOptions o;
    o.host_btf_file = path;
    Runtime rt(o);
    ASSERT_TRUE(rt.error());
    EXPECT_THAT(rt.error().message(), HasSubstr(path));
    EXPECT_THAT(rt.error().message(), HasSubstr("Exceeded max resolving depth:32"));
    auto h = rt.host_btf_dump();
    ASSERT_FALSE(h.ok());
    EXPECT_THAT(h.error().message(), HasSubstr("Exceeded max resolving depth:32"));

    RuntimeOptions blob;
    blob.host_btf_blob = bytes;
    Runtime from_blob(blob);
    auto hb = from_blob.host_btf_dump();
    ASSERT_FALSE(hb.ok());
    EXPECT_THAT(hb.error().message(), HasSubstr("host BTF blob: BTF is malformed"));
  }
  std::filesystem::remove(path);
}

TEST(ResolveDepth, SplitBtfChainsStopAtTheBase) {
  // As in the kernel, the base's types are resolved already: 20 nested
  // structs in the base and 20 more over them in split BTF are both fine.
  auto parsed = Btf::from_blob(chain_btf(20, kStructs, false));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  const std::shared_ptr<const Btf> base = *parsed;
  const uint32_t base_outermost = base->end_id() - 1;
  BtfBuilder m(base);
  uint32_t inner = base_outermost;
  for (int i = 0; i < 20; i++) inner = m.struct_type("mod" + std::to_string(i), 8, {{"m", inner, 0}});
  auto split = m.finish();
  ASSERT_TRUE(split.ok()) << split.error().message();
  auto again = Btf::from_blob((*split)->raw_data(), base);
  ASSERT_TRUE(again.ok()) << again.error().message();
  // 33 of its own are too many, over any base.
  BtfBuilder deep(base);
  inner = base_outermost;
  for (int i = 0; i < 33; i++) inner = deep.struct_type("deep" + std::to_string(i), 8, {{"m", inner, 0}});
  auto refused = deep.finish();
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message(), HasSubstr("(STRUCT 'deep32'): Exceeded max resolving depth:32"));
}

}  // namespace
}  // namespace hostbpf::btf
