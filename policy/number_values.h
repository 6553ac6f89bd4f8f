// The numbers of a policy and of events: decimal integers, compared exactly.
// A 128-bit value holds every int64 and uint64 the JSON prints (tamper.result
// is negative, byte counters are uint64), so no comparison ever wraps.
//
//   auto r = parse_range("1000-2000");  // {1000, 2000}
//   auto n = parse_number("443");       // 443
//   bool in = r && n && r->lo <= *n && *n <= r->hi;
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace yagura::policy {

using Number = __int128;

// An optional sign and 1 to 20 decimal digits, nothing else.
std::optional<Number> parse_number(std::string_view text);

// Digits only, within uint64.
std::optional<uint64_t> parse_unsigned(std::string_view text);

// Beyond every value parse_number() gives: the open ends of gt/ge/lt/le.
constexpr Number kNumberMin = -(Number{1} << 100);
constexpr Number kNumberMax = Number{1} << 100;

// Inclusive bounds.
struct Interval {
  Number lo;
  Number hi;
};

// "N" or "N-M" with N <= M (N and M may be negative: "-5--1").
std::optional<Interval> parse_range(std::string_view text);

// "<n>s", "<n>m" or "<n>h" in nanoseconds; nullopt when malformed or over
// max_ns.
std::optional<uint64_t> parse_duration_ns(std::string_view text, uint64_t max_ns);

}  // namespace yagura::policy
