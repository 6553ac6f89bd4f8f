// Internal to the policy library: the spelling of names a policy defines
// (rule ids, lists, macros) and "did you mean" suggestions.
//
//   if (!valid_name(id)) fail(pos, "bad rule id");
//   std::string hint = closest_name("proces.exe", candidates);  // "process.exe"
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace yagura::policy {

// [A-Za-z0-9._-]+
bool valid_name(std::string_view name);

// The candidate nearest to `name` by edit distance, "" when none is near
// enough to be a likely typo.
std::string closest_name(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace yagura::policy
