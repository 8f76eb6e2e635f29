// A module's registration context: what its init describes goes into split BTF
// over the host's, which publish() makes visible (the module joins the kfunc
// registry and RuntimeState::modules, still COMING) together with the kfunc
// sets add() collected, one per hook. Describing after publish() is -EBUSY.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "hostbpf/module.h"
#include "kfunc/kfunc_set.h"
#include "module/module.h"
#include "runtime/btf_describer.h"

namespace hostbpf::detail {

struct RuntimeState;

class ModuleContextImpl final : public ModuleContext {
 public:
  ModuleContextImpl(RuntimeState& rt, std::shared_ptr<module::Module> m, const BtfDescriber& host);

  const std::string& name() const override { return mod_->name(); }
  Error publish() override;
  int fail(int code, std::string_view message) override;

  Error register_set(ProgType prog_type, const std::vector<KfuncSetEntry>& set, KfuncFilter filter) override;
  Result<uint32_t> find(std::string_view name, uint32_t kind) const override { return d_.find(name, kind); }
  Result<uint32_t> define_record(const char* cxx_name, std::string_view name, size_t size, bool is_union,
                                 const std::vector<FieldDesc>& fields) override {
    return d_.define_record(cxx_name, name, size, is_union, fields);
  }
  Error bind_record(const char* cxx_name, std::string_view btf_name) override {
    return d_.bind_record(cxx_name, btf_name);
  }
  Result<uint32_t> define_func(std::string_view name, const void* addr, const TypeDesc& ret,
                               const std::vector<TypeDesc>& params,
                               const std::vector<std::string>& param_names) override {
    return d_.define_func(name, addr, ret, params, param_names);
  }
  Error register_kfunc(uint32_t id, uint32_t flags, const std::vector<ProgType>& types) override;
  Error register_dtor(const char* cxx_name, std::string_view dtor) override;
  /// Into the module's split BTF and its struct_ops table, during init; the
  /// types go when the module does.
  Result<uint32_t> register_struct_ops(const StructOpsRegistration& desc) override;

  bool published() const { return published_; }
  /// The message given to fail() (empty when none).
  const std::string& failure() const { return failure_; }

 private:
  struct PendingKfunc {
    uint32_t id;
    uint32_t flags;
    std::vector<ProgType> types;
  };
  Error register_pending();

  RuntimeState& rt_;
  std::shared_ptr<module::Module> mod_;
  BtfDescriber d_;
  std::vector<PendingKfunc> pending_;
  std::array<kfunc::Filter, kfunc::kNumKfuncHooks> pending_filters_;
  std::array<ProgType, kfunc::kNumKfuncHooks> pending_filter_types_{};
  std::vector<std::pair<uint32_t, uint32_t>> pending_dtors_;  // (struct id, dtor FUNC id)
  bool published_ = false;
  std::string failure_;
};

}  // namespace hostbpf::detail
