#include "btf/validate.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "btf/btf.h"

namespace hostbpf::btf {
namespace {

constexpr int kMaxResolveDepth = 32;  // the kernel's MAX_RESOLVE_DEPTH
// Not the kernel's: how long a chain of references that are not pointers to a
// struct or union (check_no_cycle_without_pointer) may be. By-value chains
// are within kMaxResolveDepth already; this bounds the rest (prototypes and
// pointers to them), far above what real BTF holds, so that libbpf's dumper,
// which recurses along them, stays within a thread's stack.
constexpr uint32_t kMaxValueRefChain = 256;

class Validator {
 public:
  Validator(const struct btf* b, uint32_t first_id) : b_(b), first_(first_id), end_(btf__type_cnt(b)) {}

  Error run() const {
    for (uint32_t id = first_; id < end_; id++) {
      const struct btf_type* t = btf__type_by_id(b_, id);
      if (!t) return fail(id, nullptr, "is missing");
      if (Error e = check_type(id, t)) return e;
    }
    for (uint32_t id = first_; id < end_; id++)
      if (Error e = check_chain_loop(id)) return e;
    uint32_t too_long = 0;
    if (Error e = check_no_cycle_without_pointer(&too_long)) return e;
    if (Error e = check_resolve_depth()) return e;
    if (too_long)
      return fail(too_long, btf__type_by_id(b_, too_long),
                  fmt::format("starts a chain of more than {} types that no pointer to a struct or union breaks",
                              kMaxValueRefChain));
    // Chains end now, and within the kernel's depth, so types can be resolved
    // through them.
    for (uint32_t id = first_; id < end_; id++)
      if (Error e = check_sized_uses(id, btf__type_by_id(b_, id))) return e;
    return {};
  }

 private:
  std::string describe(uint32_t id, const struct btf_type* t) const {
    if (!t) return fmt::format("type [{}]", id);
    const char* n = btf__name_by_offset(b_, t->name_off);
    return fmt::format("type [{}] ({} '{}')", id, kind_name(btf_kind(t)), n ? n : "?");
  }

  Error fail(uint32_t id, const struct btf_type* t, const std::string& what) const {
    return Error(-EINVAL, fmt::format("BTF is malformed: {} {}", describe(id, t), what));
  }

  Error check_name(uint32_t id, const struct btf_type* t, uint32_t off, const char* what) const {
    if (!btf__name_by_offset(b_, off))
      return fail(id, nullptr, fmt::format("has {} name offset {} outside the string section", what, off));
    (void)t;
    return {};
  }

  // `ref` must name an existing type; void (0) only where `void_ok`.
  Error check_ref(uint32_t id, const struct btf_type* t, uint32_t ref, const std::string& what, bool void_ok) const {
    if (ref == 0 && !void_ok) return fail(id, t, fmt::format("{} is void", what));
    if (ref >= end_) return fail(id, t, fmt::format("{} refers to type {}, past the last type {}", what, ref, end_ - 1));
    return {};
  }

  Error check_type(uint32_t id, const struct btf_type* t) const {
    if (Error e = check_name(id, t, t->name_off, "a")) return e;
    switch (btf_kind(t)) {
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
        return check_ref(id, t, t->type, "its target", true);
      case BTF_KIND_VAR:
      case BTF_KIND_DECL_TAG:
        return check_ref(id, t, t->type, "its type", false);
      case BTF_KIND_FUNC: {
        if (Error e = check_ref(id, t, t->type, "its prototype", false)) return e;
        const struct btf_type* proto = btf__type_by_id(b_, t->type);
        if (!proto || !btf_is_func_proto(proto)) return fail(id, t, "does not point at a FUNC_PROTO");
        return {};
      }
      case BTF_KIND_ARRAY: {
        const struct btf_array* a = btf_array(t);
        if (Error e = check_ref(id, t, a->type, "its element", false)) return e;
        return check_ref(id, t, a->index_type, "its index type", false);
      }
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION: {
        const struct btf_member* m = btf_members(t);
        for (uint16_t i = 0; i < btf_vlen(t); i++) {
          if (Error e = check_name(id, t, m[i].name_off, "a member")) return e;
          if (Error e = check_ref(id, t, m[i].type, fmt::format("member {}", i), false)) return e;
          // btf_struct_check_meta: a member starts inside its struct.
          const uint64_t bit_off = btf_member_bit_offset(t, i);
          if (bit_off / 8 > t->size)
            return fail(id, t, fmt::format("member {} starts at bit {}, past the struct's {} bytes", i, bit_off,
                                           t->size));
        }
        return {};
      }
      case BTF_KIND_INT:
        return check_int(id, t);
      case BTF_KIND_FLOAT:
        if (t->size != 2 && t->size != 4 && t->size != 8 && t->size != 12 && t->size != 16)
          return fail(id, t, fmt::format("has size {}, not 2, 4, 8, 12 or 16", t->size));
        return {};
      case BTF_KIND_FUNC_PROTO: {
        if (Error e = check_ref(id, t, t->type, "its return type", true)) return e;
        const struct btf_param* p = btf_params(t);
        const uint16_t n = btf_vlen(t);
        for (uint16_t i = 0; i < n; i++) {
          if (Error e = check_name(id, t, p[i].name_off, "a parameter")) return e;
          // void as the last parameter means "...".
          if (Error e = check_ref(id, t, p[i].type, fmt::format("parameter {}", i), i + 1 == n)) return e;
        }
        return {};
      }
      case BTF_KIND_DATASEC: {
        const struct btf_var_secinfo* v = btf_var_secinfos(t);
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          if (Error e = check_ref(id, t, v[i].type, fmt::format("variable {}", i), false)) return e;
        return {};
      }
      case BTF_KIND_ENUM: {
        if (Error err = check_enum_size(id, t)) return err;
        const struct btf_enum* e = btf_enum(t);
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          if (Error err = check_name(id, t, e[i].name_off, "an enumerator")) return err;
        return {};
      }
      case BTF_KIND_ENUM64: {
        if (Error err = check_enum_size(id, t)) return err;
        const struct btf_enum64* e = btf_enum64(t);
        for (uint16_t i = 0; i < btf_vlen(t); i++)
          if (Error err = check_name(id, t, e[i].name_off, "an enumerator")) return err;
        return {};
      }
      default:  // FWD: no references
        return {};
    }
  }

  // btf_int_check_meta: a power-of-two size up to 16 bytes, and the bits the
  // encoding uses fit in it.
  Error check_int(uint32_t id, const struct btf_type* t) const {
    if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8 && t->size != 16)
      return fail(id, t, fmt::format("has size {}, not 1, 2, 4, 8 or 16", t->size));
    const uint32_t bits = btf_int_bits(t), offset = btf_int_offset(t);
    if (bits > 128 || offset + bits > t->size * 8)
      return fail(id, t, fmt::format("uses bits {}..{} of a {}-byte integer", offset, offset + bits, t->size));
    return {};
  }

  // btf_enum_check_meta: 1, 2, 4 or 8 bytes.
  Error check_enum_size(uint32_t id, const struct btf_type* t) const {
    if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
      return fail(id, t, fmt::format("has size {}, not 1, 2, 4 or 8", t->size));
    return {};
  }

  // The next type in a reference chain, or 0 where the chain ends (a type
  // with a name of its own and no single referent: struct, int, enum, ...).
  uint32_t next_in_chain(const struct btf_type* t) const {
    switch (btf_kind(t)) {
      case BTF_KIND_PTR:
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
      case BTF_KIND_DECL_TAG:
        return t->type;
      case BTF_KIND_ARRAY:
        return btf_array(t)->type;
      default:
        return 0;
    }
  }

  // btf_type_id_size: what a member, an array element or a variable may be:
  // a type with a size (not void, a function, a prototype, a forward
  // declaration, a variable or a section), seen through modifiers and typedefs.
  bool is_sized(uint32_t ref) const {
    for (int depth = 0; depth <= kMaxResolveDepth; depth++) {
      const struct btf_type* t = btf__type_by_id(b_, ref);
      if (!t || ref == 0) return false;
      switch (btf_kind(t)) {
        case BTF_KIND_TYPEDEF:
        case BTF_KIND_VOLATILE:
        case BTF_KIND_CONST:
        case BTF_KIND_RESTRICT:
        case BTF_KIND_TYPE_TAG:
          ref = t->type;
          continue;
        case BTF_KIND_INT:
        case BTF_KIND_ENUM:
        case BTF_KIND_ENUM64:
        case BTF_KIND_FLOAT:
        case BTF_KIND_PTR:
        case BTF_KIND_STRUCT:
        case BTF_KIND_UNION:
          return true;
        case BTF_KIND_ARRAY:
          ref = btf_array(t)->type;
          continue;
        default:
          return false;
      }
    }
    return false;
  }

  Error check_sized_uses(uint32_t id, const struct btf_type* t) const {
    if (btf_is_composite(t)) {
      const struct btf_member* m = btf_members(t);
      for (uint16_t i = 0; i < btf_vlen(t); i++)
        if (!is_sized(m[i].type)) return fail(id, t, fmt::format("member {} has a type without a size", i));
    } else if (btf_is_array(t)) {
      if (!is_sized(btf_array(t)->type)) return fail(id, t, "has elements of a type without a size");
    } else if (btf_is_var(t)) {
      if (!is_sized(t->type)) return fail(id, t, "has a type without a size");
    }
    return {};
  }

  // Every type `t` refers to, except through a pointer: the edges along which
  // sizes and layouts are computed. A cycle of them (a struct holding itself
  // by value, a prototype whose parameter is that prototype...) has no C
  // meaning, and walks over them (libbpf's dumper, struct access checks)
  // recurse forever; the kernel's btf_resolve reports "Loop detected".
  template <class F>
  void for_each_value_ref(const struct btf_type* t, F&& f) const {
    switch (btf_kind(t)) {
      case BTF_KIND_PTR:
        // Only a pointer to a struct or union (or its forward declaration)
        // may close a loop; a prototype taking a pointer to itself may not.
        if (!points_to_record(t->type)) f(t->type);
        return;
      case BTF_KIND_TYPEDEF:
      case BTF_KIND_VOLATILE:
      case BTF_KIND_CONST:
      case BTF_KIND_RESTRICT:
      case BTF_KIND_TYPE_TAG:
      case BTF_KIND_VAR:
      case BTF_KIND_DECL_TAG:
      case BTF_KIND_FUNC:
        return f(t->type);
      case BTF_KIND_ARRAY:
        f(btf_array(t)->type);
        return f(btf_array(t)->index_type);
      case BTF_KIND_STRUCT:
      case BTF_KIND_UNION:
        for (uint16_t i = 0; i < btf_vlen(t); i++) f(btf_members(t)[i].type);
        return;
      case BTF_KIND_FUNC_PROTO:
        f(t->type);
        for (uint16_t i = 0; i < btf_vlen(t); i++) f(btf_params(t)[i].type);
        return;
      case BTF_KIND_DATASEC:
        for (uint16_t i = 0; i < btf_vlen(t); i++) f(btf_var_secinfos(t)[i].type);
        return;
      default:
        return;
    }
  }

  bool points_to_record(uint32_t id) const {
    for (int depth = 0; depth <= kMaxResolveDepth; depth++) {
      const struct btf_type* t = btf__type_by_id(b_, id);
      if (!t || id == 0) return false;
      if (btf_is_composite(t) || btf_is_fwd(t)) return true;
      if (!btf_is_mod(t) && !btf_is_typedef(t) && !btf_is_type_tag(t)) return false;
      id = t->type;
    }
    return false;
  }

  // Iterative depth-first search (BTF may be deep) over this BTF's own types;
  // base types were checked when the base was. On the way it measures the
  // longest chain of these references from each type: libbpf's dumper
  // recurses along them (a pointer to a prototype returning a pointer to a
  // prototype... is no resolve chain for the kernel, which never walks it),
  // so `*too_long` is set to the lowest id whose chain is longer than
  // kMaxValueRefChain, 0 when none.
  Error check_no_cycle_without_pointer(uint32_t* too_long) const {
    enum : uint8_t { kNew, kOnPath, kDone };
    constexpr uint32_t kTooLong = kMaxValueRefChain + 1;
    std::vector<uint8_t> color(end_ - first_, kNew);
    std::vector<uint32_t> longest(end_ - first_, 0);  // types on the longest chain, saturating
    struct Frame {
      uint32_t id;
      std::vector<uint32_t> pending;
      uint32_t deepest;
    };
    std::vector<Frame> stack;
    auto refs_of = [&](uint32_t id) {
      std::vector<uint32_t> out;
      for_each_value_ref(btf__type_by_id(b_, id), [&](uint32_t r) {
        if (r >= first_ && r < end_) out.push_back(r);
      });
      return out;
    };
    auto longer = [&](uint32_t chain) { return std::min(chain + 1, kTooLong); };
    *too_long = 0;
    for (uint32_t root = first_; root < end_; root++) {
      if (color[root - first_] != kNew) continue;
      color[root - first_] = kOnPath;
      stack.push_back({root, refs_of(root), 1});
      while (!stack.empty()) {
        Frame& f = stack.back();
        if (f.pending.empty()) {
          const uint32_t id = f.id, chain = f.deepest;
          color[id - first_] = kDone;
          longest[id - first_] = chain;
          if (chain == kTooLong && (*too_long == 0 || id < *too_long)) *too_long = id;
          stack.pop_back();
          if (!stack.empty()) stack.back().deepest = std::max(stack.back().deepest, longer(chain));
          continue;
        }
        const uint32_t next = f.pending.back();
        f.pending.pop_back();
        if (color[next - first_] == kOnPath)
          return fail(next, btf__type_by_id(b_, next), "is part of a loop of types that no pointer breaks");
        if (color[next - first_] == kDone) {
          f.deepest = std::max(f.deepest, longer(longest[next - first_]));
        } else {
          color[next - first_] = kOnPath;
          stack.push_back({next, refs_of(next), 1});  // `f` is not used after this
        }
      }
    }
    return {};
  }

  // A chain of single references (modifiers, pointers, arrays, variables,
  // tags) that comes back to a type it passed, found within the kernel's
  // depth (Floyd's tortoise and hare, so a few steps per type); longer loops
  // are check_no_cycle_without_pointer's, chains too deep without one
  // check_resolve_depth's.
  Error check_chain_loop(uint32_t id) const {
    auto step = [&](uint32_t cur) {
      const struct btf_type* t = cur ? btf__type_by_id(b_, cur) : nullptr;
      return t ? next_in_chain(t) : 0;  // 0: void, the end, or dangling (check_type's)
    };
    uint32_t slow = id, fast = id;
    for (int n = 0; n < kMaxResolveDepth + 2; n++) {
      slow = step(slow);
      fast = step(step(fast));
      if (fast == 0) return {};
      if (fast == slow) return fail(id, btf__type_by_id(b_, id), "starts a chain of references that loops");
    }
    return {};
  }

  // ---- the kernel's resolve depth (btf_resolve, MAX_RESOLVE_DEPTH) ----
  //
  // The kernel resolves each type with a stack of at most 32 types, and what
  // it pushes depends on what the chain started from: from a pointer it
  // follows pointers, modifiers and typedefs (a struct ends the chain); from
  // a struct, union or array it follows what is held by value (members,
  // elements, index types, through modifiers, typedefs and arrays; a pointer
  // ends the chain); from a modifier, typedef, variable, section or tag it
  // follows whatever needs resolving until a pointer or a struct decides.
  // A 33rd type is "Exceeded max resolving depth:32".
  //
  // The kernel stops at types it has already resolved, so its verdict depends
  // on the order of the types (innermost first passes at any depth). Here
  // every chain counts whatever the order, so that no input makes a walk over
  // types by value (libbpf's dumper, ours) deeper than 32; for types listed
  // outermost first, as compilers emit them, the verdict is the kernel's.
  // Base types were checked with the base and end a chain, as in the kernel.

  enum Mode : uint8_t { kUndecided, kPointer, kByValue, kNumModes };

  static bool is_modifier(const struct btf_type* t) {
    return btf_is_mod(t) || btf_is_typedef(t) || btf_is_type_tag(t);
  }

  // btf_type_needs_resolve
  static bool needs_resolve(const struct btf_type* t) {
    return is_modifier(t) || btf_is_ptr(t) || btf_is_composite(t) || btf_is_array(t) || btf_is_var(t) ||
           btf_is_func(t) || btf_is_decl_tag(t) || btf_is_datasec(t);
  }

  // Not env_type_is_resolve_sink: the kernel pushes `t` onto a chain in `mode`.
  static bool is_pushed(Mode mode, const struct btf_type* t) {
    switch (mode) {
      case kPointer:
        return is_modifier(t) || btf_is_ptr(t);
      case kByValue:
        return is_modifier(t) || btf_is_array(t) || btf_is_composite(t);
      default:
        return needs_resolve(t);
    }
  }

  // The first pointer, struct, union or array pushed decides the mode.
  static Mode mode_after_push(Mode mode, const struct btf_type* t) {
    if (mode != kUndecided) return mode;
    if (btf_is_ptr(t)) return kPointer;
    if (btf_is_composite(t) || btf_is_array(t)) return kByValue;
    return kUndecided;
  }

  // The types resolving `t` looks at, by index.
  static uint32_t resolve_ref_count(const struct btf_type* t) {
    if (btf_is_array(t)) return 2;
    if (btf_is_composite(t) || btf_is_datasec(t)) return btf_vlen(t);
    if (is_modifier(t) || btf_is_ptr(t) || btf_is_var(t) || btf_is_decl_tag(t)) return 1;
    return 0;  // FUNC: its prototype is checked, not pushed
  }
  static uint32_t resolve_ref(const struct btf_type* t, uint32_t i) {
    if (btf_is_array(t)) return i == 0 ? btf_array(t)->type : btf_array(t)->index_type;
    if (btf_is_composite(t)) return btf_members(t)[i].type;
    if (btf_is_datasec(t)) return btf_var_secinfos(t)[i].type;
    return t->type;
  }

  // The longest chain the kernel's resolve could push from every own type,
  // each (type, mode) computed once: linear in the number of references, with
  // an explicit stack because chains may be as long as the BTF.
  Error check_resolve_depth() const {
    constexpr uint8_t kUnknown = 0, kOnStack = 0xff, kTooDeep = kMaxResolveDepth + 1;
    const uint32_t n = end_ - first_;
    std::vector<uint8_t> depth(static_cast<size_t>(n) * kNumModes, kUnknown);
    auto depth_of = [&](uint32_t id, Mode m) -> uint8_t& { return depth[(id - first_) * kNumModes + m]; };
    struct Frame {
      uint32_t id;
      Mode mode;
      uint32_t next_ref;
      uint8_t deepest;  // types on the longest chain from here, this one included
    };
    std::vector<Frame> stack;
    for (uint32_t root = first_; root < end_; root++) {
      const struct btf_type* rt = btf__type_by_id(b_, root);
      if (!needs_resolve(rt)) continue;
      const Mode root_mode = mode_after_push(kUndecided, rt);
      if (depth_of(root, root_mode) == kUnknown) {
        depth_of(root, root_mode) = kOnStack;
        stack.push_back({root, root_mode, 0, 1});
      }
      while (!stack.empty()) {
        Frame& f = stack.back();
        const struct btf_type* t = btf__type_by_id(b_, f.id);
        if (f.next_ref == resolve_ref_count(t)) {
          const uint8_t d = f.deepest;
          depth_of(f.id, f.mode) = d;
          stack.pop_back();
          if (!stack.empty()) stack.back().deepest = std::max<uint8_t>(stack.back().deepest, std::min<int>(d + 1, kTooDeep));
          continue;
        }
        const uint32_t ref = resolve_ref(t, f.next_ref++);
        if (ref < first_ || ref >= end_) continue;  // void, or the base's: resolved already
        const struct btf_type* rt2 = btf__type_by_id(b_, ref);
        if (!is_pushed(f.mode, rt2)) continue;
        const Mode m = mode_after_push(f.mode, rt2);
        const uint8_t known = depth_of(ref, m);
        if (known == kOnStack) {
          // A loop: check_no_cycle_without_pointer reports those first.
          f.deepest = kTooDeep;
        } else if (known != kUnknown) {
          f.deepest = std::max<uint8_t>(f.deepest, std::min<int>(known + 1, kTooDeep));
        } else {
          depth_of(ref, m) = kOnStack;
          stack.push_back({ref, m, 0, 1});  // `f` is not used after this
        }
      }
      if (depth_of(root, root_mode) > kMaxResolveDepth)
        return Error(-EINVAL, fmt::format("BTF is malformed: {}: Exceeded max resolving depth:{}", describe(root, rt),
                                          kMaxResolveDepth));
    }
    return {};
  }

  const struct btf* b_;
  uint32_t first_;
  uint32_t end_;
};

}  // namespace

Error validate_types(const struct btf* b, uint32_t first_id) { return Validator(b, first_id).run(); }

}  // namespace hostbpf::btf
