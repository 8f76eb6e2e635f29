// BtfBuilder: describes host types in C++ and produces real BTF through
// libbpf's btf__add_* writer, so what the host registers is what `bpftool`,
// libbpf and the verifier read.
//
//   BtfBuilder b;                                     // or BtfBuilder(host) for split BTF
//   uint32_t u32 = b.int_type("unsigned int", 4, false);
//   uint32_t point = b.struct_type("point", 8, {{"x", u32, 0}, {"y", u32, 32}});
//   std::shared_ptr<const Btf> btf = b.finish();
//
// Every add returns the new type's id. Errors (an empty name where one is
// required, an unknown referenced id, a field past the end of its struct)
// are collected: the first one is returned by finish(), so a long description
// reads as straight-line code. Adding a named type that already exists with the
// same kind and name returns the existing id instead of a duplicate, which makes
// the standard host types idempotent.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "btf/btf.h"

namespace hostbpf::btf {

struct Field {
  std::string name;
  uint32_t type;
  uint32_t bit_offset;
  uint32_t bitfield_size = 0;  // 0: not a bitfield
};

struct Param {
  std::string name;  // "" for an unnamed parameter
  uint32_t type;
};

struct EnumValue {
  std::string name;
  int64_t value;
};

class BtfBuilder {
 public:
  /// A new base BTF, or split BTF over `base` (a module's).
  explicit BtfBuilder(std::shared_ptr<const Btf> base = nullptr);
  /// Adds to an existing BTF (e.g. one loaded from a pahole blob), which must
  /// not be shared yet.
  explicit BtfBuilder(std::shared_ptr<Btf> existing);

  /// INT with libbpf's encoding: signed, char or bool (size 1).
  uint32_t int_type(std::string_view name, uint32_t size, bool is_signed, bool is_char = false, bool is_bool = false);
  uint32_t float_type(std::string_view name, uint32_t size);
  uint32_t pointer(uint32_t target);
  uint32_t const_of(uint32_t target);
  uint32_t volatile_of(uint32_t target);
  uint32_t typedef_type(std::string_view name, uint32_t target);
  uint32_t array(uint32_t elem, uint32_t nelems);
  uint32_t struct_type(std::string_view name, uint32_t size, std::initializer_list<Field> fields);
  uint32_t struct_type(std::string_view name, uint32_t size, const std::vector<Field>& fields);
  uint32_t union_type(std::string_view name, uint32_t size, const std::vector<Field>& fields);
  /// Forward declaration of a struct (or union) whose body is not described.
  uint32_t fwd(std::string_view name, bool is_union = false);
  /// ENUM (values fit in 32 bits) or ENUM64 otherwise.
  uint32_t enum_type(std::string_view name, uint32_t size, const std::vector<EnumValue>& values, bool is_signed = false);
  uint32_t func_proto(uint32_t ret, const std::vector<Param>& params);
  /// A FUNC, of linkage BTF_FUNC_GLOBAL by default (kfuncs are global in
  /// vmlinux; struct_ops stubs are static).
  uint32_t func(std::string_view name, uint32_t proto, int linkage = BTF_FUNC_GLOBAL);

  /// The id that the next add will return (for self-referential types).
  uint32_t next_id() const;

  /// A type by name and kind, here or in the base; 0 when absent.
  uint32_t lookup(std::string_view name, uint32_t kind) const;

  /// Records an error (the first one wins) for finish() to return.
  void fail(int code, std::string message) {
    if (!error_) error_ = Error(code, "BTF " + std::move(message));
  }

  /// The first error so far (empty when none).
  const Error& error() const { return error_; }
  /// The BTF being built, for queries while building.
  const Btf& btf() const { return *btf_; }

  /// Publishes the BTF: no more adds. Returns the first error, if any, or
  /// what Btf::validate() finds in the whole.
  Result<std::shared_ptr<const Btf>> finish();

 private:
  uint32_t check(int id, std::string_view what);
  bool check_ref(uint32_t id, std::string_view what);
  uint32_t existing(std::string_view name, uint32_t kind) const;
  uint32_t composite(bool is_union, std::string_view name, uint32_t size, const Field* begin, const Field* end);

  std::shared_ptr<Btf> btf_;
  Error error_;
};

}  // namespace hostbpf::btf
