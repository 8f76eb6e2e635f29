// The provider modules a runtime knows, for BPF's purposes the kernel's module
// list. Two lists, each behind its own lock:
//  - published: the modules whose BTF and kfuncs programs may find, from the
//    moment a module's init publishes until its teardown unpublishes it
//    (searched by BTF owner when a program pins a module, and for CO-RE);
//  - loaded: the shared objects this runtime dlopen()ed, by name, in load
//    order, with the names whose init is still running (COMING) reserved so
//    that no two loads of one name race.
// A module is published while COMING (its init registers), loaded once LIVE,
// and leaves both on unload: loaded first (nobody can unload it twice), then
// published (after its exit ran). modules.cpp drives that lifecycle.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "hostbpf/error.h"
#include "module/module.h"

namespace hostbpf::detail {

class ModuleRegistry {
 public:
  /// A module this runtime loaded from a shared object.
  struct Loaded {
    std::shared_ptr<module::Module> mod;
    void* handle = nullptr;    // dlopen()
    void (*exit)() = nullptr;  // hostbpf_module_exit, if any
    std::string path;
  };

  // ---- published ----

  /// Makes `m` findable (its BTF set first: readers never see it change).
  void publish(std::shared_ptr<module::Module> m);
  void unpublish(const std::shared_ptr<module::Module>& m);
  /// The published module whose BTF `owner` is; nullptr for the host or a
  /// module that is gone.
  std::shared_ptr<module::Module> module_of(const module::BtfOwner* owner) const;
  /// The published module named `name` (the kernel's find_module), or nullptr.
  std::shared_ptr<module::Module> find_published(const std::string& name) const;
  /// Every published module's BTF, held: they stay valid while the caller
  /// uses them even if a module unloads meanwhile.
  std::vector<std::shared_ptr<const btf::Btf>> published_btfs() const;

  // ---- loaded ----

  /// Reserves `name` for a load whose init is about to run (no lock is held
  /// while it runs, so a slow init blocks no other load or unload): -EEXIST
  /// when a module of that name is loaded or being loaded.
  Error reserve(const std::string& name, const std::string& path);
  /// Ends the reservation of `name`; with `loaded`, the module is loaded.
  void end_reservation(const std::string& name, std::optional<Loaded> loaded);
  /// Takes module `name` out of the loaded list once it went GOING
  /// (Module::begin_unload): -ENOENT when not loaded, -EBUSY while COMING or
  /// still referenced (then it stays loaded).
  Result<Loaded> take_for_unload(const std::string& name);
  /// Takes every loaded module, newest first (the runtime is going away).
  std::vector<Loaded> take_all();
  /// Loaded module names, in load order.
  std::vector<std::string> names() const;
  /// The loaded module `name`, or nullptr.
  std::shared_ptr<module::Module> find_loaded(const std::string& name) const;

 private:
  mutable std::mutex published_mu_;
  std::vector<std::shared_ptr<module::Module>> published_;

  mutable std::mutex loaded_mu_;
  std::vector<Loaded> loaded_;
  std::set<std::string> coming_;
};

}  // namespace hostbpf::detail
