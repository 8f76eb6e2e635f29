// A provider module's identity: its name, its BTF, its state and the
// references held on it (the kernel's struct module as BPF sees it).
//
// States go COMING -> LIVE -> GOING (or COMING -> GOING when init fails). A
// reference can be taken only while LIVE (btf_try_get_module after the fix for
// the module-init race), so a program naming a module whose init has not
// finished fails to load with -ENXIO instead of pinning something that may
// vanish. Unloading succeeds only when no reference remains (-EBUSY otherwise),
// and moves to GOING atomically with that check, so no reference can be taken
// afterwards. Loading the shared object and running its init belong to the
// runtime (DESIGN.md); this is only the identity that others pin.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "btf/btf.h"
#include "hostbpf/error.h"
#include "module/btf_owner.h"

namespace hostbpf::module {

enum class State : uint8_t { Coming, Live, Going };

const char* state_name(State s);

class Module {
 public:
  Module(std::string name, std::shared_ptr<const btf::Btf> btf);
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const { return owner_.name; }
  /// The module's split BTF over the host's (null before init provides it).
  const std::shared_ptr<const btf::Btf>& btf() const { return owner_.btf; }
  void set_btf(std::shared_ptr<const btf::Btf> btf) { owner_.btf = std::move(btf); }
  /// The module as the owner of its BTF (and of what is registered in it).
  const BtfOwner* owner() const { return &owner_; }

  State state() const;
  uint32_t refs() const;

  /// COMING -> LIVE, once init has registered everything.
  void set_live();
  /// try_module_get for BPF: a reference only while LIVE.
  bool try_get();
  void put();
  /// LIVE (or COMING after a failed init) -> GOING when no reference remains;
  /// -EBUSY (naming the holders' count) otherwise.
  Error begin_unload();

 private:
  // State in the top two bits, reference count below, so "LIVE and no
  // references" -> GOING is one compare-and-swap.
  static constexpr uint32_t kStateShift = 30;
  static constexpr uint32_t kRefMask = (1u << kStateShift) - 1;
  static uint32_t pack(State s, uint32_t refs) { return (static_cast<uint32_t>(s) << kStateShift) | refs; }

  BtfOwner owner_;
  std::atomic<uint32_t> word_;
};

/// A reference held on a module (by a program, a map or a link); releases it
/// when destroyed.
class ModuleRef {
 public:
  ModuleRef() = default;
  /// -ENXIO unless the module is LIVE.
  static Result<ModuleRef> get(const std::shared_ptr<Module>& m);
  ModuleRef(ModuleRef&& o) noexcept : m_(std::move(o.m_)) {}
  ModuleRef& operator=(ModuleRef&& o) noexcept;
  ~ModuleRef();
  ModuleRef(const ModuleRef&) = delete;
  ModuleRef& operator=(const ModuleRef&) = delete;

  Module* get() const { return m_.get(); }

 private:
  explicit ModuleRef(std::shared_ptr<Module> m) : m_(std::move(m)) {}
  std::shared_ptr<Module> m_;
};

}  // namespace hostbpf::module
