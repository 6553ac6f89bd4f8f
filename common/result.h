// One error model for the whole project: functions that can fail return
// Result<T> (or Status for no value) by value. Exceptions do not cross
// component boundaries; errno values are converted once, where they occur.
//
//   Result<UniqueFd> open_ro(const std::string& path);
//   auto fd = open_ro("/etc/passwd");
//   if (!fd) log(fd.error().message);
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace yagura {

struct Error {
  std::string message;
  int code = 0;  // errno where one applies, else 0

  static Error from_errno(const std::string& what, int err = errno) {
    return Error{what + ": " + std::strerror(err), err};
  }
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

inline Status ok_status() { return Status(); }

}  // namespace yagura
