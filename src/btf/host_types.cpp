#include "btf/host_types.h"

#include <linux/bpf.h>

namespace hostbpf::btf {

namespace {

#define HOSTBPF_ENUM_VALUE(name) EnumValue{#name, static_cast<int64_t>(name)}

void add_integer_typedefs(BtfBuilder& b) {
  struct Fixed {
    const char* c_name;
    uint32_t size;
    bool is_signed;
    const char* kernel;  // u8
    const char* uapi;    // __u8
  };
  const Fixed fixed[] = {
      {"unsigned char", 1, false, "u8", "__u8"},       {"signed char", 1, true, "s8", "__s8"},
      {"short unsigned int", 2, false, "u16", "__u16"}, {"short int", 2, true, "s16", "__s16"},
      {"unsigned int", 4, false, "u32", "__u32"},       {"int", 4, true, "s32", "__s32"},
      {"long long unsigned int", 8, false, "u64", "__u64"}, {"long long int", 8, true, "s64", "__s64"},
  };
  for (const Fixed& f : fixed) {
    const uint32_t base = b.int_type(f.c_name, f.size, f.is_signed, f.size == 1);
    const uint32_t uapi = b.typedef_type(f.uapi, base);
    b.typedef_type(f.kernel, uapi);
  }
  b.int_type("char", 1, true, true);
  b.int_type("long int", 8, true);
  b.int_type("long unsigned int", 8, false);
  b.typedef_type("bool", b.int_type("_Bool", 1, false, false, true));
  b.typedef_type("__be16", b.lookup("__u16", BTF_KIND_TYPEDEF));
  b.typedef_type("__be32", b.lookup("__u32", BTF_KIND_TYPEDEF));
  b.typedef_type("__wsum", b.lookup("__u32", BTF_KIND_TYPEDEF));
  b.typedef_type("size_t", b.lookup("long unsigned int", BTF_KIND_INT));
}

void add_uapi_enums(BtfBuilder& b) {
  b.enum_type("xdp_action", 4,
              {HOSTBPF_ENUM_VALUE(XDP_ABORTED), HOSTBPF_ENUM_VALUE(XDP_DROP), HOSTBPF_ENUM_VALUE(XDP_PASS),
               HOSTBPF_ENUM_VALUE(XDP_TX), HOSTBPF_ENUM_VALUE(XDP_REDIRECT)});
  b.enum_type("bpf_map_type", 4,
              {HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_UNSPEC), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_HASH),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_ARRAY), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_PROG_ARRAY),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_PERF_EVENT_ARRAY), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_PERCPU_HASH),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_PERCPU_ARRAY), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_STACK_TRACE),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_CGROUP_ARRAY), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_LRU_HASH),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_LRU_PERCPU_HASH), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_LPM_TRIE),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_ARRAY_OF_MAPS), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_HASH_OF_MAPS),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_DEVMAP), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_SOCKMAP),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_CPUMAP), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_XSKMAP),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_SOCKHASH), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_CGROUP_STORAGE),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_REUSEPORT_SOCKARRAY),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_QUEUE),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_STACK), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_SK_STORAGE),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_DEVMAP_HASH), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_STRUCT_OPS),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_RINGBUF), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_INODE_STORAGE),
               HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_TASK_STORAGE), HOSTBPF_ENUM_VALUE(BPF_MAP_TYPE_BLOOM_FILTER)});
  // Anonymous in the UAPI header; named here as vmlinux.h cannot name them either.
  b.enum_type("", 4, {HOSTBPF_ENUM_VALUE(BPF_ANY), HOSTBPF_ENUM_VALUE(BPF_NOEXIST), HOSTBPF_ENUM_VALUE(BPF_EXIST),
                      HOSTBPF_ENUM_VALUE(BPF_F_LOCK)});
  b.enum_type("", 4, {HOSTBPF_ENUM_VALUE(BPF_F_NO_PREALLOC), HOSTBPF_ENUM_VALUE(BPF_F_NO_COMMON_LRU),
                      HOSTBPF_ENUM_VALUE(BPF_F_NUMA_NODE), HOSTBPF_ENUM_VALUE(BPF_F_RDONLY),
                      HOSTBPF_ENUM_VALUE(BPF_F_WRONLY), HOSTBPF_ENUM_VALUE(BPF_F_RDONLY_PROG),
                      HOSTBPF_ENUM_VALUE(BPF_F_WRONLY_PROG), HOSTBPF_ENUM_VALUE(BPF_F_MMAPABLE)});
  // include/linux/stddef.h's `enum { false = 0, true = 1 }`, which vmlinux.h
  // carries and programs written against it use.
  b.enum_type("", 4, {{"false", 0}, {"true", 1}});
}

#undef HOSTBPF_ENUM_VALUE

// struct bpf_struct_ops_common_value, the first member of every struct_ops
// map value (struct bpf_struct_ops_<name>), with the kernel's layout.
void add_struct_ops_common_value(BtfBuilder& b) {
  if (b.lookup("bpf_struct_ops_common_value", BTF_KIND_STRUCT)) return;
  uint32_t atomic = b.lookup("atomic_t", BTF_KIND_TYPEDEF);
  if (!atomic) atomic = b.typedef_type("atomic_t", b.struct_type("", 4, {{"counter", b.int_type("int", 4, true), 0}}));
  uint32_t refcount = b.lookup("refcount_t", BTF_KIND_TYPEDEF);
  if (!refcount) refcount = b.typedef_type("refcount_t", b.struct_type("refcount_struct", 4, {{"refs", atomic, 0}}));
  const uint32_t state = b.enum_type("bpf_struct_ops_state", 4,
                                     {{"BPF_STRUCT_OPS_STATE_INIT", 0},
                                      {"BPF_STRUCT_OPS_STATE_INUSE", 1},
                                      {"BPF_STRUCT_OPS_STATE_TOBEFREE", 2},
                                      {"BPF_STRUCT_OPS_STATE_READY", 3}});
  b.struct_type("bpf_struct_ops_common_value", 8, {{"refcnt", refcount, 0}, {"state", state, 32}});
}

}  // namespace

void add_standard_types(BtfBuilder& b) {
  // Anonymous enums cannot be found by name: add them only to a BTF that does
  // not have the named standard types yet (a fresh one, or pahole output).
  const bool complete = b.lookup("xdp_action", BTF_KIND_ENUM) != 0;
  add_integer_typedefs(b);
  if (!complete) add_uapi_enums(b);
  add_struct_ops_common_value(b);
}

}  // namespace hostbpf::btf
