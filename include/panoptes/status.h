#pragma once
// Errors as values. A Status is either ok (cheap: no allocation) or carries a code and a message
// meant for an operator: it names the file, key, plugin or resource involved and the reason.
// Result<T> holds either a T or a non-ok Status. Both are [[nodiscard]]. Thread-compatible.

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace panoptes {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // bad input: config value, plugin file, message, filter expression
  kNotFound,         // a file, plugin, key or resource that should exist does not
  kIOError,          // the OS refused: open, read, fork, socket
  kUnavailable,      // a peer (Redis, Sentinel) cannot be reached right now; retrying may help
  kTimeout,          // a bounded wait ran out
  kRedisError,       // Redis answered with an error reply
  kPythonError,      // Python raised; the message carries the traceback
  kInternal,         // a broken invariant of ours
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string msg) { return {StatusCode::kInvalidArgument, std::move(msg)}; }
  static Status NotFound(std::string msg) { return {StatusCode::kNotFound, std::move(msg)}; }
  static Status IOError(std::string msg) { return {StatusCode::kIOError, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {StatusCode::kUnavailable, std::move(msg)}; }
  static Status Timeout(std::string msg) { return {StatusCode::kTimeout, std::move(msg)}; }
  static Status RedisError(std::string msg) { return {StatusCode::kRedisError, std::move(msg)}; }
  static Status PythonError(std::string msg) { return {StatusCode::kPythonError, std::move(msg)}; }
  static Status Internal(std::string msg) { return {StatusCode::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "<context>: <message>"; ok stays ok.
  Status WithContext(const std::string& context) const;

 private:
  Status(StatusCode code, std::string msg) : code_(code), message_(std::move(msg)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok() && "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // REQUIRES: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  // Ok Status when a value is held.
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace panoptes

// Propagates a non-ok Status from an expression returning Status.
#define PANOPTES_RETURN_IF_ERROR(expr)           \
  do {                                           \
    ::panoptes::Status _panoptes_st = (expr);    \
    if (!_panoptes_st.ok()) return _panoptes_st; \
  } while (0)
