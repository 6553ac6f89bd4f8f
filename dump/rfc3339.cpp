#include "dump/rfc3339.h"

#include <cstdint>

namespace yagura::dump {
namespace {

// The number at text[pos, pos+n), all digits, or -1.
int64_t digits(std::string_view text, size_t pos, size_t n) {
  if (pos + n > text.size()) return -1;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t days_in_month(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d, proleptic Gregorian (H. Hinnant's
// days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = y / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

}  // namespace

std::optional<uint64_t> parse_rfc3339(std::string_view t) {
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
    return std::nullopt;
  }
  const int64_t year = digits(t, 0, 4), month = digits(t, 5, 2), day = digits(t, 8, 2);
  const int64_t hour = digits(t, 11, 2), minute = digits(t, 14, 2), second = digits(t, 17, 2);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }
  size_t pos = 19;
  int64_t nanos = 0;
  if (t[pos] == '.') {
    size_t n = 0;
    while (pos + 1 + n < t.size() && t[pos + 1 + n] >= '0' && t[pos + 1 + n] <= '9') ++n;
    if (n < 1 || n > 9) return std::nullopt;
    nanos = digits(t, pos + 1, n);
    for (size_t i = n; i < 9; ++i) nanos *= 10;
    pos += 1 + n;
  }
  int64_t offset_s = 0;
  std::string_view zone = t.substr(pos);
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
      return std::nullopt;
    }
    const int64_t oh = digits(zone, 1, 2), om = digits(zone, 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return std::nullopt;
    offset_s = (oh * 60 + om) * 60 * (zone[0] == '+' ? 1 : -1);
  }
  const int64_t seconds =
      days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  // Nanoseconds in 64 bits end in 2554.
  if (seconds < 0 || static_cast<uint64_t>(seconds) > UINT64_MAX / 1'000'000'000ull - 1) {
    return std::nullopt;
  }
  return static_cast<uint64_t>(seconds) * 1'000'000'000ull + static_cast<uint64_t>(nanos);
}

}  // namespace yagura::dump
