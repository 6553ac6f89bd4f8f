#include "collector/api/query_params.h"

#include <algorithm>
#include <limits>

namespace yagura::collector {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] != '%') {
      out += s[i];
    } else {
      int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
      if (lo < 0) return Error{"bad percent-encoding in \"" + std::string(s) + "\"", 0};
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// `n` digits at `pos`, or -1.
int64_t digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size() || !all_digits(s.substr(pos, n))) return -1;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = v * 10 + (s[pos + i] - '0');
  return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

Result<QueryParams> QueryParams::parse(std::string_view query) {
  QueryParams params;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq));
    if (!name) return name.error();
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) return value.error();
    params.pairs_.emplace_back(std::move(*name), std::move(*value));
  }
  return params;
}

Status QueryParams::check(std::initializer_list<std::string_view> allowed,
                          std::initializer_list<std::string_view> repeatable) const {
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const std::string& name = pairs_[i].first;
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return Error{"unknown query parameter \"" + name + "\"", 0};
    }
    bool again = std::any_of(pairs_.begin(), pairs_.begin() + i,
                             [&](const auto& p) { return p.first == name; });
    if (again && std::find(repeatable.begin(), repeatable.end(), name) == repeatable.end()) {
      return Error{"query parameter \"" + name + "\" given twice", 0};
    }
  }
  return ok_status();
}

std::optional<std::string> QueryParams::get(std::string_view name) const {
  for (const auto& [n, v] : pairs_) {
    if (n == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> QueryParams::all(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : pairs_) {
    if (n == name) out.push_back(v);
  }
  return out;
}

Result<size_t> QueryParams::limit(size_t default_limit, size_t max_limit) const {
  auto text = get("limit");
  if (!text) return default_limit;
  auto n = parse_uint(*text);
  if (!n) return Error{"limit: " + n.error().message, 0};
  if (*n == 0 || *n > max_limit) {
    return Error{"limit must be between 1 and " + std::to_string(max_limit), 0};
  }
  return static_cast<size_t>(*n);
}

Result<RequestTarget> RequestTarget::parse(std::string_view target) {
  size_t q = target.find('?');
  RequestTarget out;
  out.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) {
    auto params = QueryParams::parse(target.substr(q + 1));
    if (!params) return params.error();
    out.params = std::move(*params);
  }
  return out;
}

Result<uint64_t> parse_uint(std::string_view text) {
  if (!all_digits(text) || text.size() > 20) {
    return Error{"\"" + std::string(text) + "\" is not an integer", 0};
  }
  uint64_t v = 0;
  for (char c : text) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) {
      return Error{"\"" + std::string(text) + "\" is too large", 0};
    }
    v = v * 10 + d;
  }
  return v;
}

Result<uint64_t> parse_time(std::string_view s) {
  if (all_digits(s)) return parse_uint(s);
  const Error bad{"\"" + std::string(s) +
                      "\" is neither nanoseconds nor an RFC 3339 time (2026-11-22T06:01:02Z)",
                  0};
  // YYYY-MM-DDTHH:MM:SS
  int64_t year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
  int64_t hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':' || year < 1970 || month < 1 || month > 12 || day < 1 ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return bad;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (day > kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0)) return bad;

  size_t pos = 19;
  int64_t fraction_ns = 0;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    size_t n = pos - start;
    if (n == 0 || n > 9) return bad;
    fraction_ns = digits(s, start, n);
    for (size_t i = n; i < 9; ++i) fraction_ns *= 10;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int64_t oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59 || pos + 3 >= s.size() || s[pos + 3] != ':') {
      return bad;
    }
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return bad;
  }
  if (pos != s.size()) return bad;

  // A leap second (:60) reads as the next second's start.
  int64_t seconds =
      days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  if (seconds < 0) return Error{"\"" + std::string(s) + "\" is before 1970", 0};
  if (seconds > std::numeric_limits<int64_t>::max() / 1000000000 - 1) return bad;
  return static_cast<uint64_t>(seconds) * 1000000000u + static_cast<uint64_t>(fraction_ns);
}

Result<uint64_t> parse_duration(std::string_view text) {
  const Error bad{"\"" + std::string(text) + "\" is not a duration (90s, 30m, 24h, 7d, 2w)", 0};
  if (text.size() < 2) return bad;
  uint64_t unit_s = 0;
  switch (text.back()) {
    case 's': unit_s = 1; break;
    case 'm': unit_s = 60; break;
    case 'h': unit_s = 3600; break;
    case 'd': unit_s = 86400; break;
    case 'w': unit_s = 7 * 86400; break;
    default: return bad;
  }
  auto n = parse_uint(text.substr(0, text.size() - 1));
  // Bounded well below 2^64 ns, so the product and any later now + d fit.
  if (!n || *n == 0 || *n > 100ull * 365 * 86400 / unit_s) return bad;
  return *n * unit_s * 1000000000u;
}

}  // namespace yagura::collector
