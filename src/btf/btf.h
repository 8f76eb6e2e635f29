// BTF objects: the host's (the kernel's vmlinux BTF counterpart) and split BTF
// over it (a module's). libbpf owns the encoding; this class owns a libbpf
// `struct btf`, keeps the base of a split BTF alive, and answers the queries
// the loader, the kfunc registry and the verifier ask.
//
// A Btf is mutable only through BtfBuilder (builder.h) before it is published;
// once shared (std::shared_ptr<const Btf>) it is read-only and may be queried
// from any thread, as libbpf's read accessors do not modify the object.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hostbpf/error.h"

namespace hostbpf::btf {

class Btf {
 public:
  /// Parses a raw BTF blob (the .BTF section, /sys/kernel/btf/vmlinux, or
  /// `pahole --btf_encode_detached` output). With `base`, the blob is split
  /// BTF whose ids continue after the base's. The only way from bytes to a
  /// Btf: libbpf's parser accepts BTF that crashes its own walks, so the blob
  /// must also pass validate() (the kernel's checks, validate.h).
  static Result<std::shared_ptr<Btf>> from_blob(std::span<const uint8_t> bytes,
                                                std::shared_ptr<const Btf> base = nullptr);
  /// Reads a raw BTF file or the .BTF section of an ELF file, through from_blob.
  static Result<std::shared_ptr<Btf>> from_file(const std::string& path, std::shared_ptr<const Btf> base = nullptr);
  /// An empty BTF (or an empty split BTF over `base`) for BtfBuilder.
  static std::shared_ptr<Btf> empty(std::shared_ptr<const Btf> base = nullptr);

  /// The checks from_blob makes, over this BTF's own types, for BTF built in
  /// place (BtfBuilder::finish, the runtime when it seals host or module BTF).
  Error validate() const;

  ~Btf();
  Btf(const Btf&) = delete;
  Btf& operator=(const Btf&) = delete;

  const struct btf* raw() const { return btf_; }
  struct btf* raw_mutable() { return btf_; }
  const std::shared_ptr<const Btf>& base() const { return base_; }

  /// Ids [start_id(), end_id()) are this BTF's own; below start_id() they are
  /// the base's (split BTF). Id 0 is void.
  uint32_t start_id() const;
  uint32_t end_id() const { return btf__type_cnt(btf_); }

  /// The type with `id` (own or base), or nullptr when out of range.
  const struct btf_type* type(uint32_t id) const;
  /// The type's name ("" for anonymous types and void).
  std::string_view name(uint32_t id) const;
  /// A type by name and BTF_KIND_*, searching this BTF then its base; -ENOENT.
  Result<uint32_t> find(std::string_view name, uint32_t kind) const;
  /// Only this BTF's own types (not the base's); -ENOENT.
  Result<uint32_t> find_own(std::string_view name, uint32_t kind) const;
  /// Follows typedefs and const/volatile/restrict/type tags
  /// (btf::skip_mods_and_typedefs, query.h); the id reached, or `id` itself
  /// when the chain is malformed.
  uint32_t skip_modifiers_and_typedefs(uint32_t id) const;

  /// Drops this BTF's own types from `end_id` on (libbpf cannot remove
  /// types, so the kept ones are copied into a fresh libbpf object, keeping
  /// their ids). For a registration that failed after describing part of
  /// itself; only while the BTF is unshared, like BtfBuilder.
  Error truncate(uint32_t end_id);

  /// The encoded BTF (own types and strings only for split BTF).
  std::vector<uint8_t> raw_data() const;

  /// Every type (a split BTF's together with its base's) as a self-contained C header, the way
  /// `bpftool btf dump file ... format c` writes vmlinux.h: include guard,
  /// preserve_access_index for CO-RE, every type in dependency order. Then,
  /// for each FUNC id in `ksym_funcs`, its prototype as bpftool writes a
  /// kfunc's (`extern ... __weak __ksym;`, skipped under
  /// BPF_NO_KFUNC_PROTOTYPES), so a program calls it without declaring it.
  Result<std::string> dump_c(const std::string& guard, std::span<const uint32_t> ksym_funcs = {}) const;
  /// This BTF's own types (a split BTF's from start_id(), keeping their ids)
  /// as `bpftool btf dump ... format raw` lists them, one type per line and
  /// one tab-indented line per member. Ours because libbpf has no printer for it.
  std::string dump_raw() const;

 private:
  Btf(struct btf* b, std::shared_ptr<const Btf> base) : btf_(b), base_(std::move(base)) {}
  struct btf* btf_;
  std::shared_ptr<const Btf> base_;
};

/// Name of a BTF_KIND_* value ("STRUCT", "FUNC_PROTO"), as bpftool prints it.
const char* kind_name(uint32_t kind);

}  // namespace hostbpf::btf
