// Reading the RFC 3339 times events carry ("2026-11-22T06:01:02.123456789Z",
// common/host.h writes them) and the ones a CSIRT types, into nanoseconds
// since the epoch, so that windows compare as numbers, not as text.
//
//   auto t = parse_rfc3339("2026-11-22T07:01:02+01:00");  // 06:01:02Z
//   if (!t) return Error{"not a time"};
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace yagura::dump {

// "YYYY-MM-DDTHH:MM:SS", an optional fraction of 1 to 9 digits, then "Z" or
// an offset "+HH:MM"/"-HH:MM". nullopt for anything else, an impossible
// date (February 30th) or a time before 1970.
std::optional<uint64_t> parse_rfc3339(std::string_view text);

}  // namespace yagura::dump
