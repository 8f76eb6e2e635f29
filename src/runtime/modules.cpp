// Loading and unloading provider modules: dlopen, init with a registration
// context (COMING -> LIVE, or GOING with everything removed when init fails),
// and unload (GOING, exit, registry entries removed, then after an RCU grace
// period dlclose), the kernel's load_module/delete_module for BPF's purposes.
#include <dlfcn.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "base/rcu.h"
#include "runtime/module_context.h"
#include "runtime/state.h"

namespace hostbpf {
namespace detail {
namespace {

// "dir/libfoo.so" -> "libfoo", as a kernel module is named by its file.
std::string module_name(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  const std::string so = ".so";
  if (name.size() > so.size() && name.compare(name.size() - so.size(), so.size(), so) == 0)
    name.resize(name.size() - so.size());
  return name;
}

std::string dl_error() {
  const char* e = dlerror();
  return e ? e : "unknown dynamic loader error";
}

// Removes what a module registered and who can find it; its state is GOING.
void unpublish(RuntimeState& rt, const std::shared_ptr<module::Module>& m) {
  rt.kfuncs.remove_owner(m->owner());  // its sets, destructors and addresses
  rt.struct_ops.remove_owner(m->owner());
  rt.modules.unpublish(m);
}

// After a grace period no reader that found the module before it was
// unpublished is still running; only then may its code go.
void unmap(void* handle) {
  rcu::synchronize();
  dlclose(handle);
}

struct Opened {
  void* handle;
  ModuleInitFn init;
  ModuleExitFn exit;
};

// What a module's init or exit threw, for the error: its what(), or "unknown
// exception" for what is no std::exception. Called only inside a catch.
std::string thrown_message() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

// A module is foreign code: an exception from its init must not unwind
// through the runtime (and take the host down), so it fails the load instead.
int run_init(ModuleInitFn init, ModuleContextImpl* ctx, std::string* thrown) {
  try {
    return init(ctx);
  } catch (...) {
    *thrown = thrown_message();
    return -ECANCELED;
  }
}

// Its exit cannot fail: what it throws is reported, and the unload goes on.
Error run_exit(ModuleExitFn exit, const std::string& name) {
  if (!exit) return {};
  try {
    exit();
  } catch (...) {
    return Error(-ECANCELED, fmt::format("module {}: exit threw an exception: {}", name, thrown_message()));
  }
  return {};
}

Result<Opened> open_module(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return Error(-errno, fmt::format("module {}: cannot open: {}", path, std::strerror(errno)));
  // A path without '/' would make dlopen search the library path instead.
  const std::string p = path.find('/') == std::string::npos ? "./" + path : path;
  void* h = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) return Error(-ENOEXEC, fmt::format("module {}: cannot load: {}", path, dl_error()));
  auto init = reinterpret_cast<ModuleInitFn>(dlsym(h, "hostbpf_module_init"));
  const auto* abi = static_cast<const int*>(dlsym(h, "hostbpf_module_abi"));
  if (!init || !abi) {
    dlclose(h);
    return Error(-ENOEXEC, fmt::format("module {}: not a hostbpf module: no hostbpf_module_init entry point "
                                       "(define it with HOSTBPF_MODULE from hostbpf/module.h)",
                                       path));
  }
  if (*abi != kModuleAbiVersion) {
    const int v = *abi;
    dlclose(h);
    return Error(-ENOEXEC, fmt::format("module {}: built for module ABI {}, this runtime has {}", path, v,
                                       kModuleAbiVersion));
  }
  return Opened{h, init, reinterpret_cast<ModuleExitFn>(dlsym(h, "hostbpf_module_exit"))};
}

// Runs the module's init; on success it is LIVE. On failure everything it
// registered is gone and its code unmapped.
Result<ModuleRegistry::Loaded> load_module(RuntimeState& rt, const std::string& name, const std::string& path) {
  auto opened = open_module(path);
  if (!opened.ok()) return opened.error();
  auto mod = std::make_shared<module::Module>(name, nullptr);
  // The context may hold the module's own objects (filters), so it goes
  // before the module's code can.
  auto ctx = std::make_unique<ModuleContextImpl>(rt, mod, rt.host_registrar->describer());
  std::string thrown;
  int rc = run_init(opened->init, ctx.get(), &thrown);
  Error published;
  if (rc == 0) {
    published = ctx->publish();  // a module that registered nothing explicitly
    rc = published.code();
  }
  const bool was_published = ctx->published();
  std::string why = published ? published.message() : ctx->failure();
  ctx.reset();
  if (rc != 0) {
    // COMING -> GOING: nobody could take a reference, so this cannot fail.
    (void)mod->begin_unload();
    if (was_published) unpublish(rt, mod);
    // Registered during init even when never published; the descriptors
    // hold the module's callbacks, so they go before its code does.
    else rt.struct_ops.remove_owner(mod->owner());
    // The exception is gone (its message copied) before its code is.
    unmap(opened->handle);
    if (!thrown.empty())
      return Error(rc, fmt::format("module {}: init threw an exception: {}", name, thrown));
    if (why.empty()) why = std::strerror(rc < 0 ? -rc : EINVAL);
    return Error(rc < 0 ? rc : -EINVAL, fmt::format("module {}: init failed ({}): {}", name, rc, why));
  }
  mod->set_live();
  return ModuleRegistry::Loaded{mod, opened->handle, opened->exit, path};
}

// A module that went GOING: its exit, then nothing can find it, then (after a
// grace period) its code goes, whether or not exit threw.
Error tear_down(RuntimeState& rt, const ModuleRegistry::Loaded& lm) {
  Error exited = run_exit(lm.exit, lm.mod->name());
  unpublish(rt, lm.mod);
  unmap(lm.handle);
  return exited;
}

}  // namespace

RuntimeState::~RuntimeState() {
  for (const ModuleRegistry::Loaded& lm : modules.take_all()) {
    // A module still referenced (a handle outlived its Runtime) keeps its
    // code mapped: unmapping it could pull code from under a running program.
    if (lm.mod->begin_unload()) continue;
    (void)tear_down(*this, lm);  // a destructor has no one to tell that exit threw
  }
}

}  // namespace detail

Result<std::string> Modules::load(const std::string& path) {
  detail::RuntimeState& rt = *s_;
  const std::string name = detail::module_name(path);
  if (Error e = rt.seal_host(fmt::format("module '{}' was loaded", name))) return e;
  if (Error e = rt.modules.reserve(name, path)) return e;
  auto loaded = detail::load_module(rt, name, path);
  if (!loaded.ok()) {
    rt.modules.end_reservation(name, std::nullopt);
    return loaded.error();
  }
  rt.modules.end_reservation(name, std::move(*loaded));
  return name;
}

Error Modules::unload(const std::string& name) {
  detail::RuntimeState& rt = *s_;
  auto lm = rt.modules.take_for_unload(name);
  if (!lm.ok()) return lm.error();
  return detail::tear_down(rt, *lm);
}

std::vector<std::string> Modules::names() const { return s_->modules.names(); }

Result<std::vector<uint8_t>> Modules::btf_raw(const std::string& name) const {
  if (auto mod = s_->modules.find_loaded(name)) return mod->btf()->raw_data();
  return Error(-ENOENT, fmt::format("module '{}' is not loaded", name));
}

}  // namespace hostbpf
