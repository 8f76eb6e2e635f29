// Damaged objects must give an error (or a consistent result), never a crash,
// a hang or a leak. Deterministic sweeps over truncations and byte flips of
// good objects; run under ASan/UBSan to make them count.
#include <gtest/gtest.h>

#include <random>

#include <bpf/libbpf.h>

#include "test_elf.h"

namespace hostbpf::object::testing {
namespace {

// libbpf reports malformed BTF on stderr as well; thousands of damaged objects
// would bury the test output.
class Robustness : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { old_ = libbpf_set_print(nullptr); }
  static void TearDownTestSuite() { libbpf_set_print(old_); }
  static inline libbpf_print_fn_t old_ = nullptr;
};

const char* const kObjects[] = {"multi.bpf.o", "maps.bpf.o", "globals.bpf.o", "core_relo.bpf.o",
                                "extern_kfunc.bpf.o", "struct_ops.bpf.o"};

// What any successful parse must guarantee to the layers above.
void check_consistent(const ObjectSpec& obj) {
  for (const ProgramSpec& p : obj.programs) {
    ASSERT_FALSE(p.insns.empty());
    for (size_t i = 0; i < p.insns.size(); i++) {
      const isa::Insn& insn = p.insns[i];
      if (isa::is_pseudo_call(insn) || (isa::is_lddw(insn) && insn.src_reg == BPF_PSEUDO_FUNC)) {
        int64_t t = int64_t(i) + insn.imm + 1;
        ASSERT_GE(t, 0);
        ASSERT_LT(t, int64_t(p.insns.size()));
      }
      if (isa::is_lddw(insn) && (insn.src_reg == BPF_PSEUDO_MAP_IDX || insn.src_reg == BPF_PSEUDO_MAP_IDX_VALUE)) {
        ASSERT_LT(uint32_t(insn.imm), obj.maps.size());
      }
    }
    for (const LineInfo& li : p.line_info) {
      ASSERT_LT(li.insn_off, p.insns.size());
    }
    for (const FuncInfo& fi : p.func_info) {
      ASSERT_LT(fi.insn_off, p.insns.size());
    }
  }
  for (const MapDef& m : obj.maps) {
    if (m.is_global_data) {
      ASSERT_EQ(m.initial_value.size(), m.spec.value_size);
    }
    for (auto [member, prog] : m.struct_ops_progs) {
      ASSERT_LT(prog, obj.programs.size());
    }
    for (auto [slot, prog] : m.initial_progs) {
      ASSERT_LT(slot, m.spec.max_entries);
      ASSERT_LT(prog, obj.programs.size());
    }
  }
}

void parse_damaged(const std::vector<uint8_t>& bytes, const std::string& what) {
  auto r = parse_object(bytes, what);
  if (r.ok()) {
    check_consistent(*r);
  } else {
    EXPECT_LT(r.error().code(), 0) << what;
    EXPECT_FALSE(r.error().message().empty()) << what;
  }
}

TEST_F(Robustness, EveryTruncationFails) {
  for (const char* file : kObjects) {
    std::vector<uint8_t> good = read_object(file);
    // Every length through the header and section table region, then a stride.
    size_t stride = std::max<size_t>(1, good.size() / 700);
    for (size_t len = 0; len < good.size(); len += (len < 512 ? 1 : stride)) {
      std::vector<uint8_t> cut(good.begin(), good.begin() + len);
      auto r = parse_object(cut, file);
      EXPECT_FALSE(r.ok()) << file << " truncated to " << len;
    }
  }
}

TEST_F(Robustness, SingleByteFlipsEverywhere) {
  for (const char* file : kObjects) {
    std::vector<uint8_t> good = read_object(file);
    size_t stride = std::max<size_t>(1, good.size() / 800);
    for (size_t pos = 0; pos < good.size(); pos += stride) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
        std::vector<uint8_t> b = good;
        b[pos] ^= mask;
        parse_damaged(b, std::string(file) + " flip@" + std::to_string(pos));
      }
    }
  }
}

TEST_F(Robustness, RandomMultiByteDamage) {
  std::mt19937 rng(20240601);
  for (const char* file : kObjects) {
    std::vector<uint8_t> good = read_object(file);
    std::uniform_int_distribution<size_t> pos(0, good.size() - 1);
    std::uniform_int_distribution<int> byte(0, 255), count(2, 8);
    for (int iter = 0; iter < 800; iter++) {
      std::vector<uint8_t> b = good;
      for (int n = count(rng); n > 0; n--) b[pos(rng)] = static_cast<uint8_t>(byte(rng));
      parse_damaged(b, std::string(file) + " random #" + std::to_string(iter));
    }
  }
}

// Damage aimed at the structures that matter most: every byte of the section
// headers, symbols, relocations and .BTF.ext header set to extreme values.
TEST_F(Robustness, StructuredFieldDamage) {
  for (const char* file : kObjects) {
    std::vector<uint8_t> good = read_object(file);
    TestElf elf(good);
    std::vector<std::pair<size_t, size_t>> regions;   // (offset, length)
    regions.emplace_back(elf.ehdr().e_shoff, size_t(elf.ehdr().e_shnum) * sizeof(Elf64_Shdr));
    for (int i = 0; i < elf.ehdr().e_shnum; i++) {
      Elf64_Shdr s = elf.shdr(i);
      if (s.sh_type == SHT_SYMTAB || s.sh_type == SHT_REL) regions.emplace_back(s.sh_offset, s.sh_size);
      std::string name = elf.section_name(i);
      if (name == ".BTF.ext" || name == ".BTF") regions.emplace_back(s.sh_offset, std::min<size_t>(s.sh_size, 64));
    }
    for (auto [off, len] : regions) {
      // At most ~500 positions per region: every byte of small tables.
      size_t stride = std::max<size_t>(1, len / 500);
      for (size_t p = off; p < off + len && p < good.size(); p += stride) {
        for (uint8_t v : {uint8_t{0x00}, uint8_t{0xff}}) {
          std::vector<uint8_t> b = good;
          if (b[p] == v) continue;
          b[p] = v;
          parse_damaged(b, std::string(file) + " set@" + std::to_string(p));
        }
      }
    }
  }
}

}  // namespace
}  // namespace hostbpf::object::testing
