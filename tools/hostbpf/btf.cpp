// hostbpf btf dump (file OBJ | host | module SO) [--format c|raw]: BTF in
// bpftool's formats. Every BTF goes through btf::Btf, which checks it before
// libbpf walks it (libbpf's own parser accepts BTF that crashes its C dumper);
// libbpf writes the C, and the raw listing is ours because libbpf has no
// printer for it. The host's and modules' C headers
// come from the runtime, which adds the kfunc prototypes as bpftool does.
#include <bpf/btf.h>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "btf/btf.h"
#include "cli.h"
#include "object/libbpf_log.h"

namespace hostbpf::cli {
namespace {

std::string name_of(const struct btf* btf, uint32_t off) {
  const char* n = btf__name_by_offset(btf, off);
  return n && *n ? fmt::format("'{}'", n) : "'(anon)'";
}

const char* linkage_name(int l) {
  switch (l) {
    case BTF_FUNC_STATIC: return "static";
    case BTF_FUNC_GLOBAL: return "global";
    case BTF_FUNC_EXTERN: return "extern";
    default: return "(unknown)";
  }
}

void dump_raw_type(const struct btf* btf, uint32_t id, const struct btf_type* t) {
  const uint16_t kind = btf_kind(t);
  std::string line = fmt::format("[{}] {} {}", id, btf::kind_name(kind), name_of(btf, t->name_off));
  const uint16_t vlen = btf_vlen(t);
  switch (kind) {
    case BTF_KIND_INT: {
      uint32_t info = *reinterpret_cast<const uint32_t*>(t + 1);
      uint32_t enc = BTF_INT_ENCODING(info);
      const char* e = enc & BTF_INT_SIGNED ? "SIGNED" : enc & BTF_INT_CHAR ? "CHAR" : enc & BTF_INT_BOOL ? "BOOL" : "(none)";
      std::cout << line << fmt::format(" size={} bits_offset={} nr_bits={} encoding={}\n", t->size,
                                       BTF_INT_OFFSET(info), BTF_INT_BITS(info), e);
      return;
    }
    case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
      std::cout << line << fmt::format(" type_id={}\n", t->type);
      return;
    case BTF_KIND_ARRAY: {
      const auto* a = btf_array(t);
      std::cout << line << fmt::format(" type_id={} index_type_id={} nr_elems={}\n", a->type, a->index_type, a->nelems);
      return;
    }
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      std::cout << line << fmt::format(" size={} vlen={}\n", t->size, vlen);
      const auto* m = btf_members(t);
      for (uint16_t i = 0; i < vlen; i++) {
        std::cout << fmt::format("\t{} type_id={} bits_offset={}", name_of(btf, m[i].name_off), m[i].type,
                                 btf_member_bit_offset(t, i));
        if (uint32_t sz = btf_member_bitfield_size(t, i)) std::cout << fmt::format(" bitfield_size={}", sz);
        std::cout << "\n";
      }
      return;
    }
    case BTF_KIND_ENUM: {
      std::cout << line << fmt::format(" encoding={} size={} vlen={}\n", btf_kflag(t) ? "SIGNED" : "UNSIGNED", t->size, vlen);
      const auto* e = btf_enum(t);
      for (uint16_t i = 0; i < vlen; i++)
        std::cout << fmt::format("\t{} val={}\n", name_of(btf, e[i].name_off),
                                 btf_kflag(t) ? static_cast<int64_t>(e[i].val) : static_cast<int64_t>(static_cast<uint32_t>(e[i].val)));
      return;
    }
    case BTF_KIND_ENUM64: {
      std::cout << line << fmt::format(" encoding={} size={} vlen={}\n", btf_kflag(t) ? "SIGNED" : "UNSIGNED", t->size, vlen);
      const auto* e = btf_enum64(t);
      for (uint16_t i = 0; i < vlen; i++)
        std::cout << fmt::format("\t{} val={}\n", name_of(btf, e[i].name_off), btf_enum64_value(&e[i]));
      return;
    }
    case BTF_KIND_FWD:
      std::cout << line << fmt::format(" fwd_kind={}\n", btf_kflag(t) ? "union" : "struct");
      return;
    case BTF_KIND_FUNC:
      std::cout << line << fmt::format(" type_id={} linkage={}\n", t->type, linkage_name(btf_vlen(t)));
      return;
    case BTF_KIND_FUNC_PROTO: {
      std::cout << line << fmt::format(" ret_type_id={} vlen={}\n", t->type, vlen);
      const auto* p = btf_params(t);
      for (uint16_t i = 0; i < vlen; i++) std::cout << fmt::format("\t{} type_id={}\n", name_of(btf, p[i].name_off), p[i].type);
      return;
    }
    case BTF_KIND_VAR: {
      const auto* v = btf_var(t);
      std::cout << line << fmt::format(" type_id={}, linkage={}\n", t->type,
                                       v->linkage == BTF_VAR_STATIC ? "static" : v->linkage == BTF_VAR_GLOBAL_ALLOCATED ? "global" : "extern");
      return;
    }
    case BTF_KIND_DATASEC: {
      std::cout << line << fmt::format(" size={} vlen={}\n", t->size, vlen);
      const auto* v = btf_var_secinfos(t);
      for (uint16_t i = 0; i < vlen; i++) {
        const struct btf_type* vt = btf__type_by_id(btf, v[i].type);
        std::cout << fmt::format("\ttype_id={} offset={} size={} ({} {})\n", v[i].type, v[i].offset, v[i].size,
                                 vt ? btf::kind_name(btf_kind(vt)) : "UNKNOWN", vt ? name_of(btf, vt->name_off) : "'?'");
      }
      return;
    }
    case BTF_KIND_FLOAT:
      std::cout << line << fmt::format(" size={}\n", t->size);
      return;
    case BTF_KIND_DECL_TAG:
      std::cout << line << fmt::format(" type_id={} component_idx={}\n", t->type, btf_decl_tag(t)->component_idx);
      return;
    default:
      std::cout << line << "\n";
  }
}

// Lists types [first, end) of `btf` (a split BTF's own types keep their ids).
void dump_raw(const struct btf* btf, uint32_t first) {
  for (uint32_t id = first; id < btf__type_cnt(btf); id++) dump_raw_type(btf, id, btf__type_by_id(btf, id));
}

}  // namespace

int btf_dump_host(const std::string& format) {
  Runtime rt;
  if (format == "c") {
    auto h = rt.host_btf_header();
    if (!h) {
      std::cerr << "hostbpf: " << h.error().message() << "\n";
      return 1;
    }
    std::cout << *h << std::flush;
    return 0;
  }
  auto raw = rt.host_btf_raw();
  auto btf = raw ? btf::Btf::from_blob(*raw) : Result<std::shared_ptr<btf::Btf>>(raw.error());
  if (!btf) {
    std::cerr << "hostbpf: host BTF: " << btf.error().message() << "\n";
    return 1;
  }
  dump_raw((*btf)->raw(), 1);
  std::fflush(stdout);
  return 0;
}

int btf_dump_module(const std::string& so, const std::string& format) {
  Runtime rt;
  if (!load_modules(rt, {so})) return 1;
  const std::string name = rt.modules().names().back();
  if (format == "c") {
    auto h = rt.module_btf_header(name);
    if (!h) {
      std::cerr << "hostbpf: " << h.error().message() << "\n";
      return 1;
    }
    std::cout << *h << std::flush;
    return 0;
  }
  auto host_raw = rt.host_btf_raw();
  auto mod_raw = rt.modules().btf_raw(name);
  if (!host_raw || !mod_raw) {
    std::cerr << "hostbpf: " << (host_raw ? mod_raw.error() : host_raw.error()).message() << "\n";
    return 1;
  }
  auto base = btf::Btf::from_blob(*host_raw);
  auto btf = base ? btf::Btf::from_blob(*mod_raw, *base) : base;
  if (!btf) {
    std::cerr << fmt::format("hostbpf: module {}: cannot parse its BTF: {}\n", so, btf.error().message());
    return 1;
  }
  dump_raw((*btf)->raw(), (*btf)->start_id());
  std::fflush(stdout);
  return 0;
}

int btf_dump_file(const std::string& path, const std::string& format) {
  hostbpf::object::LibbpfCapture libbpf_says;
  auto btf = btf::Btf::from_file(path);
  if (!btf) {
    std::cerr << fmt::format("hostbpf: {}{}\n", btf.error().message(),
                             libbpf_says.last().empty() ? "" : " (" + libbpf_says.last() + ")");
    return 1;
  }
  if (format == "raw") {
    dump_raw((*btf)->raw(), 1);
    std::fflush(stdout);
    return 0;
  }
  auto header = (*btf)->dump_c("__HOSTBPF_BTF_H__");
  if (!header) {
    std::cerr << fmt::format("hostbpf: {}: {}\n", path, header.error().message());
    return 1;
  }
  std::cout << *header << std::flush;
  return 0;
}

}  // namespace hostbpf::cli
