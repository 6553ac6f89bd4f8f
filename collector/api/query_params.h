// The request target of the collector's API: a path and a query string of
// percent-encoded name=value pairs ('+' is a space, so a literal '+' is
// %2B), and the time values queries take.
//
// Strict on purpose: a parameter a route does not know, or a single-valued
// one given twice, is an error (400), so a mistyped filter is reported
// instead of silently returning everything.
//
//   auto target = RequestTarget::parse("/v1/admin/events?sensor=web-01&from=...");
//   if (auto s = target->params.check({"sensor", "from", "to"}); !s) return 400;
//   std::optional<std::string> sensor = target->params.get("sensor");
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace yagura::collector {

class QueryParams {
 public:
  static Result<QueryParams> parse(std::string_view query);

  // Errors: a name not in `allowed`, or one given twice that is not in
  // `repeatable`.
  Status check(std::initializer_list<std::string_view> allowed,
               std::initializer_list<std::string_view> repeatable = {}) const;
  std::optional<std::string> get(std::string_view name) const;
  std::vector<std::string> all(std::string_view name) const;
  // The "limit" parameter, 1..max_limit; `default_limit` when absent.
  Result<size_t> limit(size_t default_limit, size_t max_limit) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

struct RequestTarget {
  std::string path;
  QueryParams params;

  static Result<RequestTarget> parse(std::string_view target);
};

// UTC nanoseconds from an integer ("1795327262123456789") or RFC 3339
// ("2026-11-22T06:01:02Z", "2026-11-22T06:01:02.123456789+09:00"): up to 9
// fraction digits, 'Z' or a numeric offset, not before 1970.
Result<uint64_t> parse_time(std::string_view text);

// A decimal integer, nothing else.
Result<uint64_t> parse_uint(std::string_view text);

// A positive length of time in nanoseconds: a number and a unit, "90s",
// "30m", "24h", "7d", "2w".
Result<uint64_t> parse_duration(std::string_view text);

}  // namespace yagura::collector
