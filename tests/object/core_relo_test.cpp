// CO-RE relocations: programs compiled against local type definitions run on
// a host whose BTF lays the same types out differently, and read what the host
// layout holds. Relocations that cannot be satisfied poison their instruction,
// which fails verification only where it is reached.
#include <bpf/btf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <string>

#include "btf/builder.h"
#include "hostbpf/hostbpf.h"
#include "isa/insn.h"
#include "object/core_relo.h"

namespace hostbpf {
namespace {

using ::testing::HasSubstr;

std::string obj_path(const char* name) { return std::string(HOSTBPF_TEST_BINARY_DIR) + "/" + name; }

// The host's types, as core_relo.bpf.c's comment describes them.
std::vector<uint8_t> host_types(uint32_t* foo_id = nullptr) {
  btf::BtfBuilder b;
  const uint32_t i32 = b.int_type("int", 4, true);
  const uint32_t u32 = b.int_type("unsigned int", 4, false);
  const uint32_t i64 = b.int_type("long long int", 8, true);
  const uint32_t l64 = b.int_type("long int", 8, true);
  const uint32_t foo = b.struct_type("foo", 32,
                                     {{"extra", i64, 0},
                                      {"b", i32, 64},
                                      {"a", i32, 96},
                                      {"pad", u32, 128, 3},
                                      {"mode", u32, 131, 6},
                                      {"newer", i64, 192}});
  b.struct_type("pair", 16, {{"y", i32, 0}, {"x", i32, 32}, {"z", l64, 64}});
  b.enum_type("color", 4, {{"BLUE", 10}, {"RED", 20}, {"GREEN", 30}});
  if (foo_id) *foo_id = foo;
  auto built = b.finish();
  EXPECT_TRUE(built.ok()) << built.error().message();
  return (*built)->raw_data();
}

struct Loaded {
  Runtime rt;
  Result<Object> obj;
  explicit Loaded(const char* name) : rt(RuntimeOptions{.host_btf_blob = host_types()}), obj(rt.open(obj_path(name))) {}
};

uint64_t run(const Object& obj, const char* prog) {
  auto p = obj.program(prog);
  EXPECT_TRUE(p.ok()) << prog;
  if (!p.ok()) return ~0ull;
  auto r = p->test_run({});
  EXPECT_TRUE(r.ok()) << prog << ": " << r.error().message();
  return r.ok() ? r->retval : ~0ull;
}

class CoreRelo : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    l_ = new Loaded("core_relo.bpf.o");
    ASSERT_TRUE(l_->obj.ok()) << l_->obj.error().message();
    Error e = l_->obj->load();
    ASSERT_FALSE(e) << e.message() << "\n" << e.log();
  }
  static void TearDownTestSuite() {
    delete l_;
    l_ = nullptr;
  }
  static uint64_t ret(const char* prog) { return run(*l_->obj, prog); }
  static Loaded* l_;
};
Loaded* CoreRelo::l_ = nullptr;

TEST_F(CoreRelo, FieldReadsFollowTheHostLayout) {
  EXPECT_EQ(ret("read_fields"), 5007u);  // a = 5 at host offset 12, b = 7 at 8
}

TEST_F(CoreRelo, FlavorMatchesTheTypeWithoutItsSuffix) { EXPECT_EQ(ret("read_flavor"), 7u); }

TEST_F(CoreRelo, FieldExists) { EXPECT_EQ(ret("field_exists"), 0b101u); }

TEST_F(CoreRelo, FieldSizeIsTheHostsSize) { EXPECT_EQ(ret("field_size"), 8u * 100 + 4); }

TEST_F(CoreRelo, FieldOffsetIsTheHostsOffset) { EXPECT_EQ(ret("field_offset"), 12u * 100 + 8); }

TEST_F(CoreRelo, MissingFieldGuardedByExistsLoads) { EXPECT_EQ(ret("guarded_missing"), 42u); }

TEST_F(CoreRelo, BitfieldReadsTheHostsBits) { EXPECT_EQ(ret("bitfield"), 45u); }

TEST_F(CoreRelo, TypeExistsAndSize) { EXPECT_EQ(ret("types"), 1u | 32u << 8); }

TEST_F(CoreRelo, TypeMatchesComparesMembersByName) {
  // pair's x and y are in the host's (reordered, with an extra z); foo's
  // `missing` is not.
  EXPECT_EQ(ret("type_matches"), 1u);
}

TEST_F(CoreRelo, TypeIdsAreTheHostsAndTheObjects) {
  uint32_t host_foo = 0;
  host_types(&host_foo);
  struct btf* local = btf__parse_elf(obj_path("core_relo.bpf.o").c_str(), nullptr);
  ASSERT_NE(local, nullptr);
  const int local_foo = btf__find_by_name_kind(local, "foo", BTF_KIND_STRUCT);
  btf__free(local);
  ASSERT_GT(local_foo, 0);
  EXPECT_EQ(ret("type_ids"), uint64_t{host_foo} << 32 | static_cast<uint32_t>(local_foo));
  EXPECT_EQ(ret("type_id_absent"), 0u);
}

TEST_F(CoreRelo, EnumValuesAreTheHosts) { EXPECT_EQ(ret("enums"), 30u + 100); }

// Loads one program of core_relo_poison.bpf.o; the verifier's verdict.
Error load_poison_prog(const char* name) {
  Runtime rt(RuntimeOptions{.host_btf_blob = host_types()});
  auto obj = rt.open(obj_path("core_relo_poison.bpf.o"));
  if (!obj.ok()) return obj.error();
  auto p = obj->program(name);
  if (!p.ok()) return p.error();
  if (Error e = p->set_autoload(true)) return e;
  return obj->load();
}

TEST(CoreReloPoison, MissingFieldFailsVerificationWhenReached) {
  Error e = load_poison_prog("missing_field");
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_THAT(e.message() + e.log(), HasSubstr("invalid func unknown#195896080"));
}

TEST(CoreReloPoison, SignedFieldOfAnotherSizeFailsVerificationWhenReached) {
  Error e = load_poison_prog("wrong_size");
  EXPECT_THAT(e.message() + e.log(), HasSubstr("invalid func unknown#195896080"));
}

TEST(CoreReloPoison, MissingEnumValueFailsVerificationWhenReached) {
  Error e = load_poison_prog("missing_enum");
  EXPECT_THAT(e.message() + e.log(), HasSubstr("invalid func unknown#195896080"));
}

TEST(CoreReloPoison, UnreachedPoisonLoadsAndRuns) {
  Runtime rt(RuntimeOptions{.host_btf_blob = host_types()});
  auto obj = rt.open(obj_path("core_relo_poison.bpf.o"));
  ASSERT_TRUE(obj.ok()) << obj.error().message();
  ASSERT_FALSE(obj->program("unreached")->set_autoload(true));
  Error e = obj->load();
  ASSERT_FALSE(e) << e.message() << "\n" << e.log();
  EXPECT_EQ(run(*obj, "unreached"), 7u);
}

// Parsing keeps the relocations with the program, rebased to its instructions.
TEST(CoreReloParse, RelocationsFollowTheirInstructions) {
  FILE* f = fopen(obj_path("core_relo.bpf.o").c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::vector<uint8_t> bytes;
  for (int c; (c = fgetc(f)) != EOF;) bytes.push_back(static_cast<uint8_t>(c));
  fclose(f);
  auto spec = object::parse_object(bytes, "core_relo.bpf.o");
  ASSERT_TRUE(spec.ok()) << spec.error().message();
  for (const object::ProgramSpec& p : spec->programs) {
    SCOPED_TRACE(p.name);
    EXPECT_FALSE(p.core_relos.empty());
    for (const object::CoreRelo& r : p.core_relos) EXPECT_LT(r.insn_idx, p.insns.size());
  }
}

// The object layer directly: the instruction patching rules.
struct Direct : ::testing::Test {
  struct btf* local = btf__new_empty();
  struct btf* target = btf__new_empty();
  ~Direct() override {
    btf__free(local);
    btf__free(target);
  }
  // struct s { int x; int y; } locally; the target swaps them and adds a u64 w.
  uint32_t setup() {
    const int li = btf__add_int(local, "int", 4, BTF_INT_SIGNED);
    const int ls = btf__add_struct(local, "s", 8);
    btf__add_field(local, "x", li, 0, 0);
    btf__add_field(local, "y", li, 32, 0);
    const int ti = btf__add_int(target, "int", 4, BTF_INT_SIGNED);
    const int tu = btf__add_int(target, "long long unsigned int", 8, 0);
    btf__add_struct(target, "s", 16);
    btf__add_field(target, "w", tu, 0, 0);
    btf__add_field(target, "y", ti, 64, 0);
    btf__add_field(target, "x", ti, 96, 0);
    return static_cast<uint32_t>(ls);
  }
  Error apply(std::vector<isa::Insn>& insns, std::vector<object::CoreRelo> relos) {
    const struct btf* targets[] = {target};
    return object::apply_core_relos(insns, relos, local, targets, "p");
  }
  uint32_t str(const char* s) { return static_cast<uint32_t>(btf__add_str(local, s)); }
};

isa::Insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  isa::Insn i{};
  i.code = code;
  i.dst_reg = dst;
  i.src_reg = src;
  i.off = off;
  i.imm = imm;
  return i;
}

TEST_F(Direct, PatchesLdxOffsetAluImmAndLddwImm) {
  const uint32_t s = setup();
  const uint32_t y = str("0:1");
  std::vector<isa::Insn> insns = {insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0),
                                  insn(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 4),
                                  insn(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, 4), insn(0, 0, 0, 0, 0)};
  ASSERT_FALSE(apply(insns, {{0, s, y, 0, 0}, {1, s, y, 0, 1}, {2, s, y, 1, 2}}));
  EXPECT_EQ(insns[0].off, 8);
  EXPECT_EQ(insns[1].imm, 8);
  EXPECT_EQ(insns[2].imm, 4);  // FIELD_BYTE_SIZE
  EXPECT_EQ(insns[3].imm, 0);
}

TEST_F(Direct, UnexpectedOriginalValueIsLibbpfsError) {
  const uint32_t s = setup();
  std::vector<isa::Insn> insns = {insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 6, 0)};
  Error e = apply(insns, {{0, s, str("0:1"), 0, 3}});
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_EQ(e.message(), "prog 'p': relo #3: unexpected insn #0 (LDX/ST/STX) value: got 6, exp 4 -> 8");
}

TEST_F(Direct, BadAccessStringIsLibbpfsParseError) {
  const uint32_t s = setup();
  std::vector<isa::Insn> insns = {insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0)};
  Error e = apply(insns, {{0, s, str("0:7"), 0, 0}});
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_EQ(e.message(), "prog 'p': relo #0: parsing [2] struct s + 0:7 failed: -22");
}

TEST_F(Direct, MissingTargetPoisonsBothHalvesOfAnLddw) {
  setup();
  const int li = btf__find_by_name_kind(local, "int", BTF_KIND_INT);
  const int other = btf__add_struct(local, "nowhere", 4);
  btf__add_field(local, "z", li, 0, 0);
  std::vector<isa::Insn> insns = {insn(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, 0), insn(0, 0, 0, 0, 0)};
  ASSERT_FALSE(apply(insns, {{0, static_cast<uint32_t>(other), str("0:0"), 0, 0}}));
  for (const isa::Insn& i : insns) {
    EXPECT_EQ(i.code, BPF_JMP | BPF_CALL);
    EXPECT_EQ(i.imm, object::kCorePoisonHelper);
  }
}

TEST_F(Direct, ModuleTypesAreSearchedWhenTheHostHasNone) {
  // The host ("vmlinux") lacks struct s; a module's split BTF over it has it
  // with y at byte 12. Only the module's own types are candidates.
  const int li = btf__add_int(local, "int", 4, BTF_INT_SIGNED);
  const int ls = btf__add_struct(local, "s___mine", 8);
  btf__add_field(local, "x", li, 0, 0);
  btf__add_field(local, "y", li, 32, 0);
  const int hi = btf__add_int(target, "int", 4, BTF_INT_SIGNED);
  struct btf* mod = btf__new_empty_split(target);
  btf__add_struct(mod, "s", 16);
  btf__add_field(mod, "y", hi, 96, 0);
  btf__add_field(mod, "x", hi, 0, 0);
  std::vector<isa::Insn> insns = {insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0)};
  const struct btf* targets[] = {target, mod};
  std::vector<object::CoreRelo> relos = {{0, static_cast<uint32_t>(ls), str("0:1"), 0, 0}};
  Error e = object::apply_core_relos(insns, relos, local, targets, "p");
  btf__free(mod);
  ASSERT_FALSE(e) << e.message();
  EXPECT_EQ(insns[0].off, 12);
}

TEST_F(Direct, TwoCandidatesThatDisagreeAreAmbiguous) {
  const uint32_t s = setup();
  const int ti = btf__find_by_name_kind(target, "int", BTF_KIND_INT);
  btf__add_struct(target, "s___other", 8);  // y at byte 4, not 8
  btf__add_field(target, "y", ti, 32, 0);
  std::vector<isa::Insn> insns = {insn(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0)};
  Error e = apply(insns, {{0, s, str("0:1"), 0, 0}});
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_EQ(e.message(), "prog 'p': relo #0: field offset ambiguity: 32 != 64");
}

TEST_F(Direct, UnknownKindIsRejected) {
  const uint32_t s = setup();
  std::vector<isa::Insn> insns = {insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1)};
  Error e = apply(insns, {{0, s, str("0:0"), 99, 0}});
  EXPECT_EQ(e.code(), -EINVAL);
  EXPECT_EQ(e.message(), "prog 'p': relo #0: parsing [2] struct s + 0:0 failed: -22");
}

}  // namespace
}  // namespace hostbpf
