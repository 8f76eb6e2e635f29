// Maps: BTF-defined maps of each kind, prog-array initial values, global data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "test_elf.h"

namespace hostbpf::object::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

std::string btf_name(const ObjectSpec& obj, uint32_t id) {
  const struct btf_type* t = btf__type_by_id(obj.btf.get(), id);
  return t ? btf__name_by_offset(obj.btf.get(), t->name_off) : "<none>";
}

// (map index, value offset) of every LDDW of a program, by kind.
std::vector<std::pair<int32_t, int32_t>> map_loads(const ProgramSpec& p, uint8_t kind) {
  std::vector<std::pair<int32_t, int32_t>> out;
  for (size_t i = 0; i + 1 < p.insns.size(); i++) {
    if (!isa::is_lddw(p.insns[i])) continue;
    if (p.insns[i].src_reg == kind) out.emplace_back(p.insns[i].imm, p.insns[i + 1].imm);
    i++;
  }
  return out;
}

TEST(BtfMaps, EveryKindIsDefined) {
  ObjectSpec obj = parse_ok("maps.bpf.o");
  struct Want {
    const char* name;
    uint32_t type, key, value, max, flags;
  };
  const Want want[] = {
      // .maps variables in section order (jump_table is initialised, so it comes first)
      {"jump_table", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0},
      {"hash_map", BPF_MAP_TYPE_HASH, 4, 16, 128, 0},
      {"array_map", BPF_MAP_TYPE_ARRAY, 4, 24, 8, 0},
      {"percpu_map", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0},
      {"percpu_hash_map", BPF_MAP_TYPE_PERCPU_HASH, 8, 8, 16, BPF_F_NO_PREALLOC},
      {"lru_map", BPF_MAP_TYPE_LRU_HASH, 4, 4, 32, BPF_F_NO_COMMON_LRU},
      {"odd_map", 999, 4, 4, 1, 0},
      {"ring", BPF_MAP_TYPE_RINGBUF, 0, 0, 16384, 0},
  };
  ASSERT_EQ(obj.maps.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); i++) {
    const MapDef& m = obj.maps[i];
    SCOPED_TRACE(want[i].name);
    EXPECT_EQ(m.spec.name, want[i].name);
    EXPECT_EQ(m.spec.type, want[i].type);
    EXPECT_EQ(m.spec.key_size, want[i].key);
    EXPECT_EQ(m.spec.value_size, want[i].value);
    EXPECT_EQ(m.spec.max_entries, want[i].max);
    EXPECT_EQ(m.spec.map_flags, want[i].flags);
    EXPECT_FALSE(m.is_global_data);
    EXPECT_FALSE(m.read_only);
    EXPECT_TRUE(m.initial_value.empty());
  }
  // BTF types of keys and values, where the definition names them.
  const MapDef& hash = obj.maps[map_index(obj, "hash_map")];
  EXPECT_EQ(btf_name(obj, hash.spec.btf_key_type_id), "__u32");
  EXPECT_EQ(btf_name(obj, hash.spec.btf_value_type_id), "val");
  const MapDef& arr = obj.maps[map_index(obj, "array_map")];
  EXPECT_EQ(arr.spec.btf_key_type_id, 0u);  // __uint(key_size, ...) carries no type
  EXPECT_EQ(arr.spec.btf_value_type_id, 0u);
}

TEST(BtfMaps, ProgArrayValuesNamePrograms) {
  ObjectSpec obj = parse_ok("maps.bpf.o");
  const MapDef& jt = obj.maps[map_index(obj, "jump_table")];
  ASSERT_EQ(jt.initial_progs.size(), 2u);
  std::vector<std::pair<uint32_t, std::string>> slots;
  for (auto [slot, prog] : jt.initial_progs) slots.emplace_back(slot, obj.programs.at(prog).name);
  EXPECT_THAT(slots, UnorderedElementsAre(Pair(0u, "tail_a"), Pair(2u, "tail_b")));
}

TEST(BtfMaps, MapReferencesBecomeMapIndexes) {
  ObjectSpec obj = parse_ok("maps.bpf.o");
  std::set<int32_t> used;
  for (auto [idx, off] : map_loads(program(obj, "use_maps"), BPF_PSEUDO_MAP_IDX)) used.insert(idx);
  std::set<int32_t> want;
  for (size_t i = 0; i < obj.maps.size(); i++) want.insert(static_cast<int32_t>(i));
  EXPECT_EQ(used, want);
  EXPECT_TRUE(map_loads(program(obj, "use_maps"), BPF_PSEUDO_MAP_IDX_VALUE).empty());
}

// A variable's offset inside its DATASEC, after the parser's fix-up.
uint32_t var_offset(const ObjectSpec& obj, const std::string& sec, const std::string& var) {
  int32_t id = btf__find_by_name_kind(obj.btf.get(), sec.c_str(), BTF_KIND_DATASEC);
  if (id <= 0) throw std::runtime_error("no DATASEC " + sec);
  const struct btf_type* ds = btf__type_by_id(obj.btf.get(), id);
  const struct btf_var_secinfo* vsi = btf_var_secinfos(ds);
  for (int i = 0; i < btf_vlen(ds); i++)
    if (btf_name(obj, vsi[i].type) == var) return vsi[i].offset;
  throw std::runtime_error("no var " + var);
}

template <class T>
T value_at(const MapDef& m, uint32_t off) {
  T v;
  if (off + sizeof(T) > m.initial_value.size()) throw std::runtime_error("outside value");
  std::memcpy(&v, m.initial_value.data() + off, sizeof(T));
  return v;
}

TEST(GlobalData, EverySectionIsAnArrayMap) {
  ObjectSpec obj = parse_ok("globals.bpf.o");
  std::vector<std::string> names;
  for (const MapDef& m : obj.maps) names.push_back(m.spec.name);
  EXPECT_THAT(names, ElementsAre("globals.data", "globals.rodata", ".data.foo", ".rodata.bar", "globals.bss",
                                 ".rodata.str1.1"));
  for (const MapDef& m : obj.maps) {
    SCOPED_TRACE(m.spec.name);
    EXPECT_TRUE(m.is_global_data);
    EXPECT_EQ(m.spec.type, uint32_t(BPF_MAP_TYPE_ARRAY));
    EXPECT_EQ(m.spec.key_size, 4u);
    EXPECT_EQ(m.spec.max_entries, 1u);
    EXPECT_EQ(m.initial_value.size(), m.spec.value_size);
    bool ro = m.spec.name.find("rodata") != std::string::npos;
    EXPECT_EQ(m.read_only, ro);
    EXPECT_EQ((m.spec.map_flags & BPF_F_RDONLY_PROG) != 0, ro);
  }
  // String literals have no BTF: no value type, and nothing exported to mmap().
  EXPECT_EQ(obj.maps[map_index(obj, ".data.foo")].data_section, ".data.foo");
  const MapDef& str = obj.maps[map_index(obj, ".rodata.str1.1")];
  EXPECT_EQ(str.spec.btf_value_type_id, 0u);
  EXPECT_EQ(str.spec.map_flags, uint32_t(BPF_F_RDONLY_PROG));
  std::string text(str.initial_value.begin(), str.initial_value.end());
  EXPECT_NE(text.find("a literal string\n"), std::string::npos);
}

TEST(GlobalData, InitialValuesAndBtfLayout) {
  ObjectSpec obj = parse_ok("globals.bpf.o");
  const MapDef& data = obj.maps[map_index(obj, "globals.data")];
  EXPECT_EQ(data.data_section, ".data");
  EXPECT_EQ(data.spec.value_size, 8u);
  EXPECT_EQ(btf_name(obj, data.spec.btf_value_type_id), ".data");
  EXPECT_TRUE(data.spec.map_flags & BPF_F_MMAPABLE);
  EXPECT_EQ(value_at<int>(data, var_offset(obj, ".data", "counter")), 42);
  EXPECT_EQ(value_at<int>(data, var_offset(obj, ".data", "hidden_counter")), 5);

  const MapDef& ro = obj.maps[map_index(obj, "globals.rodata")];
  EXPECT_EQ(value_at<int>(ro, var_offset(obj, ".rodata", "limit")), 7);
  uint32_t g = var_offset(obj, ".rodata", "greeting");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(ro.initial_value.data() + g)), "hello, world");

  EXPECT_EQ(value_at<int>(obj.maps[map_index(obj, ".data.foo")], 0), 0x1234);
  EXPECT_EQ(value_at<int>(obj.maps[map_index(obj, ".rodata.bar")], 0), 0x5678);

  const MapDef& bss = obj.maps[map_index(obj, "globals.bss")];
  EXPECT_EQ(bss.data_section, ".bss");
  EXPECT_EQ(bss.spec.value_size, 136u);
  for (uint8_t b : bss.initial_value) EXPECT_EQ(b, 0);
  // clang leaves DATASEC sizes and global offsets at 0; the parser fixes them.
  const struct btf_type* ds = btf__type_by_id(obj.btf.get(), bss.spec.btf_value_type_id);
  EXPECT_EQ(ds->size, 136u);
  EXPECT_EQ(var_offset(obj, ".bss", "zero_array"), 8u);
  EXPECT_EQ(var_offset(obj, ".bss", "zeroed"), 0u);
}

TEST(GlobalData, LoadsBecomeMapValueReferences) {
  ObjectSpec obj = parse_ok("globals.bpf.o");
  auto loads = map_loads(program(obj, "use_globals"), BPF_PSEUDO_MAP_IDX_VALUE);
  std::set<std::pair<std::string, int32_t>> seen;
  for (auto [idx, off] : loads) {
    ASSERT_GE(idx, 0);
    ASSERT_LT(size_t(idx), obj.maps.size());
    EXPECT_LT(uint32_t(off), obj.maps[idx].spec.value_size);
    seen.emplace(obj.maps[idx].spec.name, off);
  }
  EXPECT_TRUE(seen.count({".data.foo", 0}));
  EXPECT_TRUE(seen.count({".rodata.bar", 0}));
  EXPECT_TRUE(seen.count({"globals.bss", int32_t(var_offset(obj, ".bss", "zero_array") + 5 * 8)}) ||
              seen.count({"globals.bss", int32_t(var_offset(obj, ".bss", "zero_array"))}));
  EXPECT_TRUE(seen.count({".rodata.str1.1", 0}));
  EXPECT_TRUE(map_loads(program(obj, "use_globals"), BPF_PSEUDO_MAP_IDX).empty());
}

TEST(GlobalData, MapNamesFollowLibbpf) {
  auto r = parse_object(read_object("globals.bpf.o"), "/some/dir/a_very_long_object_name.bpf.o");
  ASSERT_TRUE(r.ok()) << r.error().message();
  std::vector<std::string> names;
  for (const MapDef& m : r->maps) names.push_back(m.spec.name);
  EXPECT_EQ(r->name, "a_very_long_object_name");
  EXPECT_THAT(names, ElementsAre("a_very_l.data", "a_very_l.rodata", ".data.foo", ".rodata.bar", "a_very_l.bss",
                                 ".rodata.str1.1"));
  auto odd = parse_object(read_object("globals.bpf.o"), "we-ird name.o");
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->maps[0].spec.name, "we_ird_n.data");
}

TEST(StructOps, VariablesBecomeStructOpsMaps) {
  ObjectSpec obj = parse_ok("struct_ops.bpf.o");
  ASSERT_EQ(obj.maps.size(), 2u);
  const MapDef& linked = obj.maps[map_index(obj, "linked_ops")];
  const MapDef& plain = obj.maps[map_index(obj, "plain_ops")];
  for (const MapDef* m : {&linked, &plain}) {
    SCOPED_TRACE(m->spec.name);
    EXPECT_EQ(m->spec.type, uint32_t(BPF_MAP_TYPE_STRUCT_OPS));
    EXPECT_EQ(m->spec.key_size, 4u);
    EXPECT_EQ(m->spec.value_size, 40u);
    EXPECT_EQ(m->spec.max_entries, 1u);
    EXPECT_EQ(m->struct_ops_type, "demo_ops");
    EXPECT_EQ(btf_name(obj, m->spec.btf_value_type_id), "demo_ops");
    EXPECT_FALSE(m->is_global_data);
    ASSERT_EQ(m->initial_value.size(), 40u);
  }
  EXPECT_TRUE(linked.struct_ops_link);
  EXPECT_EQ(linked.spec.map_flags, 1u << 13);  // BPF_F_LINK
  EXPECT_FALSE(plain.struct_ops_link);
  EXPECT_EQ(plain.spec.map_flags, 0u);
  // Non-pointer members keep their compiled values.
  EXPECT_EQ(value_at<int>(linked, 16), 7);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(linked.initial_value.data() + 20)), "demo");
  EXPECT_EQ(value_at<int>(plain, 16), 1);

  auto progs = [&](const MapDef& m) {
    std::vector<std::pair<uint32_t, std::string>> out;
    for (auto [member, prog] : m.struct_ops_progs) out.emplace_back(member, obj.programs.at(prog).name);
    return out;
  };
  EXPECT_THAT(progs(linked), ElementsAre(Pair(0u, "on_event_impl"), Pair(1u, "on_tick_impl")));
  EXPECT_THAT(progs(plain), ElementsAre(Pair(1u, "on_tick_impl")));
  EXPECT_TRUE(program(obj, "on_tick_impl").sleepable);
  EXPECT_EQ(program(obj, "on_event_impl").func_info.size(), 2u);  // with its subprogram
}

}  // namespace
}  // namespace hostbpf::object::testing
