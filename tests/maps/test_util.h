// Shared helpers of the map tests.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "maps/map.h"
#include "maps/rcu_tsan.h"

namespace hostbpf::maps::testing {

/// One "program run": an RCU read-side section, annotated for ThreadSanitizer.
using ReadSection = rcu_tsan::ReadSection;

inline MapSpec spec(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max_entries,
                    uint32_t flags = 0, std::string name = "m") {
  MapSpec s;
  s.name = std::move(name);
  s.type = type;
  s.key_size = key_size;
  s.value_size = value_size;
  s.max_entries = max_entries;
  s.map_flags = flags;
  return s;
}

/// Creates a map that must be valid.
inline std::shared_ptr<Map> make(const MapSpec& s) {
  auto r = create_map(s);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message());
  return r.ok() ? r.value() : nullptr;
}

/// The errno a creation fails with (0 on success).
inline int create_error(const MapSpec& s) {
  auto r = create_map(s);
  return r.ok() ? 0 : r.error().code();
}

}  // namespace hostbpf::maps::testing
