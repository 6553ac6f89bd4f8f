#include "policy/number_values.h"

namespace yagura::policy {

std::optional<Number> parse_number(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  // 20 digits hold every uint64; more cannot be an event's value.
  if (text.empty() || text.size() > 20) return std::nullopt;
  Number n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return negative ? -n : n;
}

std::optional<uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  std::optional<Number> n = parse_number(text);
  if (!n || *n > static_cast<Number>(UINT64_MAX)) return std::nullopt;
  return static_cast<uint64_t>(*n);
}

std::optional<Interval> parse_range(std::string_view text) {
  // The separator is the first '-' that is not a leading sign.
  size_t dash = text.find('-', 1);
  if (dash == std::string_view::npos) {
    std::optional<Number> n = parse_number(text);
    if (!n) return std::nullopt;
    return Interval{*n, *n};
  }
  std::optional<Number> lo = parse_number(text.substr(0, dash));
  std::optional<Number> hi = parse_number(text.substr(dash + 1));
  if (!lo || !hi || *lo > *hi) return std::nullopt;
  return Interval{*lo, *hi};
}

std::optional<uint64_t> parse_duration_ns(std::string_view text, uint64_t max_ns) {
  if (text.size() < 2) return std::nullopt;
  uint64_t unit_ns = 0;
  switch (text.back()) {
    case 's':
      unit_ns = 1'000'000'000ull;
      break;
    case 'm':
      unit_ns = 60'000'000'000ull;
      break;
    case 'h':
      unit_ns = 3'600'000'000'000ull;
      break;
    default:
      return std::nullopt;
  }
  std::optional<uint64_t> n = parse_unsigned(text.substr(0, text.size() - 1));
  if (!n || *n == 0 || *n > max_ns / unit_ns) return std::nullopt;
  return *n * unit_ns;
}

}  // namespace yagura::policy
