#include "module/module.h"

#include <fmt/format.h>

namespace hostbpf::module {

const char* state_name(State s) {
  switch (s) {
    case State::Coming:
      return "COMING";
    case State::Live:
      return "LIVE";
    case State::Going:
      return "GOING";
  }
  return "?";
}

Module::Module(std::string name, std::shared_ptr<const btf::Btf> btf)
    : owner_{std::move(name), std::move(btf), true}, word_(pack(State::Coming, 0)) {}

State Module::state() const { return static_cast<State>(word_.load(std::memory_order_acquire) >> kStateShift); }

uint32_t Module::refs() const { return word_.load(std::memory_order_acquire) & kRefMask; }

void Module::set_live() {
  uint32_t w = word_.load(std::memory_order_relaxed);
  // Release: everything init registered is visible to whoever then sees LIVE.
  while (static_cast<State>(w >> kStateShift) == State::Coming &&
         !word_.compare_exchange_weak(w, pack(State::Live, w & kRefMask), std::memory_order_release,
                                      std::memory_order_relaxed)) {
  }
}

bool Module::try_get() {
  uint32_t w = word_.load(std::memory_order_acquire);
  do {
    if (static_cast<State>(w >> kStateShift) != State::Live || (w & kRefMask) == kRefMask) return false;
  } while (!word_.compare_exchange_weak(w, w + 1, std::memory_order_acquire, std::memory_order_acquire));
  return true;
}

void Module::put() { word_.fetch_sub(1, std::memory_order_release); }

Error Module::begin_unload() {
  uint32_t w = word_.load(std::memory_order_acquire);
  for (;;) {
    const State s = static_cast<State>(w >> kStateShift);
    if (s == State::Going) return Error(-EBUSY, fmt::format("module '{}' is already going away", name()));
    if (w & kRefMask)
      return Error(-EBUSY, fmt::format("module '{}' is in use ({} references)", name(), w & kRefMask));
    if (word_.compare_exchange_weak(w, pack(State::Going, 0), std::memory_order_acq_rel, std::memory_order_acquire))
      return {};
  }
}

Result<ModuleRef> ModuleRef::get(const std::shared_ptr<Module>& m) {
  if (!m->try_get())
    return Error(-ENXIO, fmt::format("module '{}' is not live ({})", m->name(), state_name(m->state())));
  return ModuleRef(m);
}

ModuleRef& ModuleRef::operator=(ModuleRef&& o) noexcept {
  if (this != &o) {
    if (m_) m_->put();
    m_ = std::move(o.m_);
  }
  return *this;
}

ModuleRef::~ModuleRef() {
  if (m_) m_->put();
}

}  // namespace hostbpf::module
