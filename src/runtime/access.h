// The runtime's way inside the public handles (Program, Map, Object,
// Runtime), which keep their state private: constructors from internal state
// and the state itself. Internal: hosts see only the handles' public API.
#pragma once

#include <memory>

#include "hostbpf/hostbpf.h"

namespace hostbpf::detail {

struct Access {
  static Program program(std::shared_ptr<ProgramState> p) { return Program(std::move(p)); }
  static const std::shared_ptr<ProgramState>& state(const Program& p) { return p.p_; }
  static Map map(std::shared_ptr<maps::Map> m) { return Map(std::move(m)); }
  static const std::shared_ptr<maps::Map>& impl(const Map& m) { return m.m_; }
  static Object object(std::shared_ptr<ObjectState> o) { return Object(std::move(o)); }
  static const std::shared_ptr<RuntimeState>& state(const Runtime& rt) { return rt.s_; }
};

}  // namespace hostbpf::detail
