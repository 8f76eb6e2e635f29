// hostbpf — errors and results.
//
// No exceptions cross the public API: every fallible call returns an Error or a
// Result<T>. An Error carries a negative errno-style code (the value the kernel's
// bpf() would return, e.g. -EINVAL), a one-line message that names what was wrong
// and where (object, section, symbol, instruction), and, for verifier rejections,
// the verifier log.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace hostbpf {

class Error {
 public:
  /// The empty Error means success.
  Error() = default;
  Error(int code, std::string message, std::string log = {})
      : code_(code), message_(std::move(message)), log_(std::move(log)) {}

  /// True when this is an error, so that `if (auto err = obj.load())` reads naturally.
  explicit operator bool() const { return code_ != 0; }
  bool ok() const { return code_ == 0; }

  /// Negative errno (e.g. -EINVAL); 0 on success.
  int code() const { return code_; }
  const std::string& message() const { return message_; }
  /// The verifier (or loader) log where one was produced; empty otherwise.
  const std::string& log() const { return log_; }

  /// Prefixes the message with where it happened ("prog 'xdp_pass': ...").
  Error& context(const std::string& where) {
    message_ = where + ": " + message_;
    return *this;
  }

 private:
  int code_ = 0;
  std::string message_;
  std::string log_;
};

/// A value or an Error. Access the value only after checking ok().
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace hostbpf
