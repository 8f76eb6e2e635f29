// Btf::dump_raw: bpftool's `btf dump ... format raw` listing, written here
// because libbpf has no printer for it (libbpf writes the C format, dump_c).
#include <bpf/btf.h>
#include <fmt/format.h>

#include "btf/btf.h"

namespace hostbpf::btf {
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

void dump_raw_type(std::string& out, const struct btf* btf, uint32_t id, const struct btf_type* t) {
  const uint16_t kind = btf_kind(t);
  std::string line = fmt::format("[{}] {} {}", id, kind_name(kind), name_of(btf, t->name_off));
  const uint16_t vlen = btf_vlen(t);
  switch (kind) {
    case BTF_KIND_INT: {
      uint32_t info = *reinterpret_cast<const uint32_t*>(t + 1);
      uint32_t enc = BTF_INT_ENCODING(info);
      const char* e = enc & BTF_INT_SIGNED ? "SIGNED" : enc & BTF_INT_CHAR ? "CHAR" : enc & BTF_INT_BOOL ? "BOOL" : "(none)";
      out += line + fmt::format(" size={} bits_offset={} nr_bits={} encoding={}\n", t->size,
                                       BTF_INT_OFFSET(info), BTF_INT_BITS(info), e);
      return;
    }
    case BTF_KIND_PTR: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE: case BTF_KIND_CONST:
    case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
      out += line + fmt::format(" type_id={}\n", t->type);
      return;
    case BTF_KIND_ARRAY: {
      const auto* a = btf_array(t);
      out += line + fmt::format(" type_id={} index_type_id={} nr_elems={}\n", a->type, a->index_type, a->nelems);
      return;
    }
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: {
      out += line + fmt::format(" size={} vlen={}\n", t->size, vlen);
      const auto* m = btf_members(t);
      for (uint16_t i = 0; i < vlen; i++) {
        out += fmt::format("\t{} type_id={} bits_offset={}", name_of(btf, m[i].name_off), m[i].type,
                                 btf_member_bit_offset(t, i));
        if (uint32_t sz = btf_member_bitfield_size(t, i)) out += fmt::format(" bitfield_size={}", sz);
        out += "\n";
      }
      return;
    }
    case BTF_KIND_ENUM: {
      out += line + fmt::format(" encoding={} size={} vlen={}\n", btf_kflag(t) ? "SIGNED" : "UNSIGNED", t->size, vlen);
      const auto* e = btf_enum(t);
      for (uint16_t i = 0; i < vlen; i++)
        out += fmt::format("\t{} val={}\n", name_of(btf, e[i].name_off),
                                 btf_kflag(t) ? static_cast<int64_t>(e[i].val) : static_cast<int64_t>(static_cast<uint32_t>(e[i].val)));
      return;
    }
    case BTF_KIND_ENUM64: {
      out += line + fmt::format(" encoding={} size={} vlen={}\n", btf_kflag(t) ? "SIGNED" : "UNSIGNED", t->size, vlen);
      const auto* e = btf_enum64(t);
      for (uint16_t i = 0; i < vlen; i++)
        out += fmt::format("\t{} val={}\n", name_of(btf, e[i].name_off), btf_enum64_value(&e[i]));
      return;
    }
    case BTF_KIND_FWD:
      out += line + fmt::format(" fwd_kind={}\n", btf_kflag(t) ? "union" : "struct");
      return;
    case BTF_KIND_FUNC:
      out += line + fmt::format(" type_id={} linkage={}\n", t->type, linkage_name(btf_vlen(t)));
      return;
    case BTF_KIND_FUNC_PROTO: {
      out += line + fmt::format(" ret_type_id={} vlen={}\n", t->type, vlen);
      const auto* p = btf_params(t);
      for (uint16_t i = 0; i < vlen; i++) out += fmt::format("\t{} type_id={}\n", name_of(btf, p[i].name_off), p[i].type);
      return;
    }
    case BTF_KIND_VAR: {
      const auto* v = btf_var(t);
      out += line + fmt::format(" type_id={}, linkage={}\n", t->type,
                                       v->linkage == BTF_VAR_STATIC ? "static" : v->linkage == BTF_VAR_GLOBAL_ALLOCATED ? "global" : "extern");
      return;
    }
    case BTF_KIND_DATASEC: {
      out += line + fmt::format(" size={} vlen={}\n", t->size, vlen);
      const auto* v = btf_var_secinfos(t);
      for (uint16_t i = 0; i < vlen; i++) {
        const struct btf_type* vt = btf__type_by_id(btf, v[i].type);
        out += fmt::format("\ttype_id={} offset={} size={} ({} {})\n", v[i].type, v[i].offset, v[i].size,
                                 vt ? kind_name(btf_kind(vt)) : "UNKNOWN", vt ? name_of(btf, vt->name_off) : "'?'");
      }
      return;
    }
    case BTF_KIND_FLOAT:
      out += line + fmt::format(" size={}\n", t->size);
      return;
    case BTF_KIND_DECL_TAG:
      out += line + fmt::format(" type_id={} component_idx={}\n", t->type, btf_decl_tag(t)->component_idx);
      return;
    default:
      out += line + "\n";
  }
}

}  // namespace

std::string Btf::dump_raw() const {
  std::string out;
  for (uint32_t id = start_id(); id < end_id(); id++) dump_raw_type(out, btf_, id, btf__type_by_id(btf_, id));
  return out;
}

}  // namespace hostbpf::btf
