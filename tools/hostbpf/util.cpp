#include <fmt/format.h>

#include <cctype>
#include <iostream>

#include "cli.h"

namespace hostbpf::cli {

bool parse_hex(const std::string& text, std::vector<uint8_t>* out, std::string* error) {
  std::string digits;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      *error = fmt::format("'{}' is not a hex digit", c);
      return false;
    }
    digits += c;
  }
  if (digits.size() % 2) {
    *error = fmt::format("odd number of hex digits ({})", digits.size());
    return false;
  }
  out->clear();
  for (size_t i = 0; i < digits.size(); i += 2) out->push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return true;
}

std::string to_hex(const uint8_t* p, size_t n) {
  std::string s;
  for (size_t i = 0; i < n; i++) s += fmt::format("{}{:02x}", i ? " " : "", p[i]);
  return s;
}

bool TestRunInput::parse(const std::string& ctx_hex, const std::string& ctx_file, const std::string& data_hex) {
  std::string err;
  if (!ctx_hex.empty() && !parse_hex(ctx_hex, &ctx, &err)) {
    std::cerr << "hostbpf: --ctx-hex: " << err << "\n";
    return false;
  }
  if (!ctx_file.empty()) {
    auto bytes = read_file(ctx_file);
    if (!bytes.ok()) {
      std::cerr << "hostbpf: --ctx-file: " << bytes.error().message() << "\n";
      return false;
    }
    ctx = std::move(*bytes);
  }
  if (!data_hex.empty() && !parse_hex(data_hex, &data, &err)) {
    std::cerr << "hostbpf: --data-hex: " << err << "\n";
    return false;
  }
  return true;
}

TestRunOptions TestRunInput::options(uint32_t repeat) {
  ctx_out.assign(ctx.size(), 0);
  data_out.assign(data.size(), 0);
  TestRunOptions o;
  o.ctx_in = ctx.empty() ? nullptr : ctx.data();
  o.ctx_size_in = ctx.size();
  o.ctx_out = ctx_out.empty() ? nullptr : ctx_out.data();
  o.ctx_size_out = ctx_out.size();
  o.data_in = data.empty() ? nullptr : data.data();
  o.data_size_in = data.size();
  o.data_out = data_out.empty() ? nullptr : data_out.data();
  o.data_size_out = data_out.size();
  o.repeat = repeat;
  return o;
}

bool g_unsafe_skip_verification = false;

bool open_and_load(Runtime& rt, const std::string& path, Object* out, const LoadOptions& opts) {
  auto obj = rt.open(path);
  if (!obj) {
    std::cerr << "hostbpf: " << obj.error().message() << "\n";
    return false;
  }
  LoadOptions o = opts;
  if (g_unsafe_skip_verification) {
    o.unsafe_skip_verification = true;
    std::cerr << "hostbpf: warning: --unsafe-skip-verification: loading without the verifier\n";
  }
  if (Error err = obj->load(o)) {
    std::cerr << "hostbpf: " << err.message() << "\n";
    if (!err.log().empty()) std::cerr << err.log();
    return false;
  }
  *out = *obj;
  return true;
}

bool load_modules(Runtime& rt, const std::vector<std::string>& paths) {
  for (const std::string& path : paths) {
    auto name = rt.modules().load(path);
    if (!name) {
      std::cerr << "hostbpf: " << name.error().message() << "\n";
      return false;
    }
  }
  return true;
}

bool pick_program(const Object& obj, const std::string& name, Program* out) {
  if (!name.empty()) {
    auto p = obj.program(name);
    if (!p) {
      std::cerr << "hostbpf: " << p.error().message() << "\n";
      return false;
    }
    *out = *p;
    return true;
  }
  auto progs = obj.programs();
  if (progs.size() == 1) {
    *out = progs[0];
    return true;
  }
  std::string names;
  for (auto& p : progs) names += (names.empty() ? "" : ", ") + p.name();
  std::cerr << fmt::format("hostbpf: object '{}' has {} programs ({}); choose one with --prog\n", obj.name(),
                           progs.size(), names);
  return false;
}

}  // namespace hostbpf::cli
