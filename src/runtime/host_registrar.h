// The host's Registrar (Runtime::kfuncs()): describes into the host BTF and
// registers each kfunc at once, one set per hook, as vmlinux may register any
// number of sets per hook. Open until the host BTF is sealed.
#pragma once

#include "kfunc/kfunc_set.h"
#include "runtime/btf_describer.h"

namespace hostbpf::detail {

struct RuntimeState;

/// kfunc::Filter from a public KfuncFilter.
kfunc::Filter to_internal_filter(KfuncFilter f);

class HostRegistrar final : public Registrar {
 public:
  HostRegistrar(RuntimeState& rt, std::shared_ptr<btf::Btf> btf) : rt_(rt), d_("vmlinux", std::move(btf)) {}

  BtfDescriber& describer() { return d_; }

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

 private:
  // The runtime's own error (an unreadable host BTF), then -EBUSY once sealed.
  Error check(std::string_view what) const;

  RuntimeState& rt_;
  BtfDescriber d_;
};

}  // namespace hostbpf::detail
