// The host's Registrar (Runtime::kfuncs()): describes into the host BTF and
// registers each kfunc at once, one set per hook, as vmlinux may register any
// number of sets per hook. Open until the host BTF is sealed.
#pragma once

#include <mutex>

#include "kfunc/kfunc_set.h"
#include "module/module.h"
#include "runtime/btf_describer.h"

namespace hostbpf::detail {

/// kfunc::Filter from a public KfuncFilter.
kfunc::Filter to_internal_filter(KfuncFilter f);

/// Owns the host BTF while it is open: every registration and the sealing
/// are serialized by its lock. `btf` is the host BTF (mutable until sealed),
/// `host` its owner in `kfuncs`.
class HostRegistrar final : public Registrar {
 public:
  /// `build_error`: what went wrong building the host BTF from RuntimeOptions
  /// (empty when nothing did); every registration then reports it.
  HostRegistrar(kfunc::KfuncRegistry& kfuncs, struct_ops::StructOpsTable& struct_ops, const module::BtfOwner& host,
                std::shared_ptr<btf::Btf> btf, Error build_error)
      : kfuncs_(kfuncs),
        struct_ops_(struct_ops),
        host_(host),
        d_("vmlinux", std::move(btf)),
        build_error_(std::move(build_error)) {}

  /// The host's describer, for modules to find host types in: read only once
  /// sealed (a module load seals first).
  const BtfDescriber& describer() const { return d_; }

  /// Records a failure of the runtime's own registrations (the built-in
  /// kfuncs) as the build error, unless there is one. Constructor-time only.
  void record_build_error(Error e);
  /// Fixed once the runtime is constructed (Runtime::error()).
  const Error& build_error() const { return build_error_; }
  /// Seals the host BTF on its first call (`why` names it in later -EBUSY
  /// errors). Returns the build error, or what sealing found wrong.
  Error seal(const std::string& why);

  Error register_set(ProgType prog_type, const std::vector<KfuncSetEntry>& set, KfuncFilter filter) override;
  Result<uint32_t> find(std::string_view name, uint32_t kind) const override;
  Result<uint32_t> define_record(const char* cxx_name, std::string_view name, size_t size, bool is_union,
                                 const std::vector<FieldDesc>& fields) override;
  Error bind_record(const char* cxx_name, std::string_view btf_name) override;
  Result<uint32_t> define_func(std::string_view name, const void* addr, const TypeDesc& ret,
                               const std::vector<TypeDesc>& params,
                               const std::vector<std::string>& param_names) override;
  Error register_kfunc(uint32_t id, uint32_t flags, const std::vector<ProgType>& types) override;
  Error register_dtor(const char* cxx_name, std::string_view dtor) override;
  Result<uint32_t> register_struct_ops(const StructOpsRegistration& desc) override;

 private:
  // The runtime's own error (an unreadable host BTF), then -EBUSY once sealed.
  Error check(std::string_view what) const;

  kfunc::KfuncRegistry& kfuncs_;
  struct_ops::StructOpsTable& struct_ops_;
  const module::BtfOwner& host_;
  mutable std::mutex mu_;
  BtfDescriber d_;
  Error build_error_;
  Error seal_error_;
};

}  // namespace hostbpf::detail
