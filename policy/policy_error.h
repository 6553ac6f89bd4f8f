// Internal to the policy library. The parser and the compiler walk nested
// YAML and condition trees and stop at the first error: they throw a
// PolicyError, which parse_policy() and compile_policy() catch and return as
// an Error "file:line:col: message". It never leaves the library.
//
//   if (!ok) fail(value.pos, "bad CIDR '" + value.text + "'");
#pragma once

#include <string>
#include <utility>

#include "common/result.h"
#include "policy/policy_ast.h"

namespace yagura::policy {

struct PolicyError {
  Pos pos;
  std::string message;
};

[[noreturn]] inline void fail(Pos pos, std::string message) {
  throw PolicyError{pos, std::move(message)};
}

inline Error to_error(const std::string& file, const PolicyError& e) {
  return Error{location(file, e.pos) + ": " + e.message};
}

}  // namespace yagura::policy
