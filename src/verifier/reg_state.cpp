// Log names and text of register states (kernel/bpf/log.c: reg_type_str,
// print_reg_state).
#include "verifier/reg_state.h"

#include <cstdio>

#include "btf/btf.h"

namespace hostbpf::verifier {

namespace {

const char* base_name(RegType t) {
  switch (t) {
    case RegType::NotInit: return "?";
    case RegType::Scalar: return "scalar";
    case RegType::Ctx: return "ctx";
    case RegType::ConstMapPtr: return "map_ptr";
    case RegType::MapValue: return "map_value";
    case RegType::MapKey: return "map_key";
    case RegType::Stack: return "fp";
    case RegType::Packet: return "pkt";
    case RegType::PacketMeta: return "pkt_meta";
    case RegType::PacketEnd: return "pkt_end";
    case RegType::Mem: return "mem";
    case RegType::Func: return "func";
    case RegType::BtfId: return "ptr_";
    case RegType::Buf: return "buf";
  }
  return "?";
}

bool is_map_ptr_type(RegType t) {
  return t == RegType::ConstMapPtr || t == RegType::MapKey || t == RegType::MapValue;
}

// verbose_a: items inside "(...)" separated by commas.
void add_item(std::string& out, bool& first, const std::string& item) {
  if (!first) out += ',';
  out += item;
  first = false;
}

}  // namespace

std::string reg_type_str(RegType t, uint8_t flags) {
  std::string s;
  if (flags & kMemRdonly) s += "rdonly_";
  if (flags & kMemRingbuf) s += "ringbuf_";
  if (flags & kMemRcu) s += "rcu_";
  if (flags & kPtrUntrusted) s += "untrusted_";
  if (flags & kPtrTrusted) s += "trusted_";
  s += base_name(t);
  if (flags & kPtrMaybeNull) s += t == RegType::BtfId ? "or_null_" : "_or_null";
  return s;
}

std::string reg_state_str(const RegState& r, const std::string& map_name, uint32_t key_size, uint32_t value_size) {
  if (r.type == RegType::Scalar) return scalar_str(r.var, r.id);
  std::string out = reg_type_str(r);
  if (r.type == RegType::BtfId && r.btf) out += r.btf->name(r.btf_id);
  const bool const_off = tnum_is_const(r.var.var_off);
  if (r.type == RegType::Stack && const_off) {
    return out + log_snum(static_cast<int64_t>(r.var.var_off.value) + r.off);
  }
  out += '(';
  bool first = true;
  if (r.id) add_item(out, first, "id=" + std::to_string(r.id));
  if (r.ref_obj_id) add_item(out, first, "ref_obj_id=" + std::to_string(r.ref_obj_id));
  if (is_map_ptr_type(r.type) && r.map >= 0) {
    if (!map_name.empty()) add_item(out, first, "map=" + map_name);
    add_item(out, first, "ks=" + std::to_string(key_size) + ",vs=" + std::to_string(value_size));
  }
  if (r.off) add_item(out, first, "off=" + std::to_string(r.off));
  if (r.is_pkt()) add_item(out, first, "r=" + std::to_string(r.range));
  if (r.type == RegType::Mem) add_item(out, first, "sz=" + std::to_string(r.mem_size));
  if (const_off) {
    if (r.var.var_off.value) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "imm=%llx", static_cast<unsigned long long>(r.var.var_off.value));
      add_item(out, first, buf);
    }
  } else {
    add_item(out, first, scalar_ranges_str(r.var));
  }
  return out + ')';
}

}  // namespace hostbpf::verifier
