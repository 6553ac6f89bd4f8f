// The RE2 patterns behind prefix, suffix, contains, glob and regex.
//
// Values are raw bytes, possibly invalid UTF-8, so every pattern is compiled
// with Latin-1 encoding: one byte is one character, nothing is rejected, and
// UTF-8 text in a policy still matches byte for byte. nocase folds ASCII
// letters only in literals and globs ([aA]), so that a UTF-8 byte never
// folds into another; a regex with nocase gets RE2's (?i).
//
//   literal_pattern("/tmp/", false)           // "/tmp/" with RE2 escapes
//   glob_pattern("*.s[oO]", true)             // "^(?s:.*)\.[sS][oO]$"
//   RE2 re(regex_pattern("curl|wget", false), pattern_options());
#pragma once

#include <re2/re2.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::policy {

// Latin-1, case-sensitive, no logging; max_mem for a single pattern.
RE2::Options pattern_options();

// Matches `text` anywhere.
std::string literal_pattern(std::string_view text, bool nocase);

// The whole value: `*` any run of bytes ('/' and newlines too), `?` one
// byte, `[...]` a class (`[!...]` or `[^...]` negated, `]` first is
// literal, `a-z` ranges); everything else is literal, backslash included.
Result<std::string> glob_pattern(std::string_view glob, bool nocase);

std::string regex_pattern(std::string_view regex, bool nocase);

}  // namespace yagura::policy
