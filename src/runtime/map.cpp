// Map: the host (syscall) side of a map, checking sizes before the ops table
// sees the bytes.
#include <fmt/format.h>

#include <cstring>

#include "base/rcu.h"
#include "maps/map.h"
#include "maps/prog_array.h"
#include "hostbpf/hostbpf.h"

namespace hostbpf {
namespace {

Error check_size(const maps::Map& m, const char* what, size_t got, size_t want) {
  if (got == want) return {};
  return Error(-EINVAL, fmt::format("map '{}': {} is {} bytes, expected {}", m.spec().name, what, got, want));
}

Error from_rc(const maps::Map& m, const char* op, long rc) {
  if (rc == 0) return {};
  return Error(static_cast<int>(rc), fmt::format("map '{}': {}: {}", m.spec().name, op, std::strerror(static_cast<int>(-rc))));
}

}  // namespace

const std::string& Map::name() const { return m_->spec().name; }
uint32_t Map::type() const { return m_->spec().type; }
uint32_t Map::key_size() const { return m_->spec().key_size; }
uint32_t Map::value_size() const { return m_->spec().value_size; }
uint32_t Map::max_entries() const { return m_->spec().max_entries; }
uint32_t Map::flags() const { return m_->spec().map_flags; }
size_t Map::sys_value_size() const { return m_->sys_value_size(); }

Error Map::lookup(std::span<const uint8_t> key, std::span<uint8_t> value) const {
  if (Error e = check_size(*m_, "key", key.size(), key_size())) return e;
  if (Error e = check_size(*m_, "value buffer", value.size(), sys_value_size())) return e;
  rcu::ReadLock rcu_section;
  return from_rc(*m_, "lookup", m_->sys_lookup(key.data(), value.data()));
}

Error Map::update(std::span<const uint8_t> key, std::span<const uint8_t> value, uint64_t flags) {
  if (Error e = check_size(*m_, "key", key.size(), key_size())) return e;
  if (Error e = check_size(*m_, "value", value.size(), sys_value_size())) return e;
  if (m_->frozen()) return Error(-EPERM, fmt::format("map '{}' is frozen (read-only for the host)", name()));
  rcu::ReadLock rcu_section;
  // A prog array says which slot and which programs disagree (bpf_prog_map_compatible).
  if (auto* pa = dynamic_cast<maps::ProgArray*>(m_.get())) return pa->update_by_id(key.data(), value.data(), flags);
  return from_rc(*m_, "update", m_->sys_update(key.data(), value.data(), flags));
}

Error Map::remove(std::span<const uint8_t> key) {
  if (Error e = check_size(*m_, "key", key.size(), key_size())) return e;
  if (m_->frozen()) return Error(-EPERM, fmt::format("map '{}' is frozen (read-only for the host)", name()));
  rcu::ReadLock rcu_section;
  return from_rc(*m_, "delete", m_->sys_delete(key.data()));
}

Error Map::next_key(std::span<const uint8_t> key, std::span<uint8_t> next) const {
  if (!key.empty())
    if (Error e = check_size(*m_, "key", key.size(), key_size())) return e;
  if (Error e = check_size(*m_, "next key buffer", next.size(), key_size())) return e;
  rcu::ReadLock rcu_section;
  long rc = m_->get_next_key(key.empty() ? nullptr : key.data(), next.data());
  if (rc == -ENOENT) return Error(-ENOENT, fmt::format("map '{}': no more keys", m_->spec().name));
  return from_rc(*m_, "get_next_key", rc);
}

}  // namespace hostbpf
