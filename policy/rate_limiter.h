// Rate limits of policy rules: token buckets on a caller-given monotonic
// clock (tests pass fake times).
//
// A bucket holds at most `events` tokens and refills evenly, `events` per
// `per`; it starts full. Tokens are counted in 1/per_ns fractions, so refill
// is exact integer arithmetic: the parser bounds events (100000) and per
// (24h) so that events * per_ns fits 64 bits.
//
// `by: exe` keeps one bucket per process.exe value, at most max_keys of
// them: a fleet can run any number of distinct executables, so the least
// recently used bucket is forgotten (counted in evictions()) and starts full
// again if that executable comes back.
//
//   RateLimiter limiter(rule.rate_limit.value());
//   if (limiter.take(exe, now_ns)) act(); else ++held_back;
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/lru_map.h"
#include "policy/policy_ast.h"

namespace yagura::policy {

class TokenBucket {
 public:
  TokenBucket(uint32_t events, uint64_t per_ns, uint64_t now_ns);
  bool take(uint64_t now_ns);

 private:
  uint64_t events_;
  uint64_t per_ns_;  // one token, in units
  uint64_t units_;   // tokens * per_ns
  uint64_t last_ns_;
};

class RateLimiter {
 public:
  static constexpr size_t kMaxKeys = 4096;

  explicit RateLimiter(const RateLimit& limit, size_t max_keys = kMaxKeys);

  // A token from the rule's bucket, or (by: exe) from the bucket of `key`.
  bool take(const std::string& key, uint64_t now_ns);
  uint64_t evictions() const { return evictions_; }

 private:
  RateLimit limit_;
  size_t max_keys_;
  std::optional<TokenBucket> rule_bucket_;
  LruMap<std::string, TokenBucket> buckets_;
  uint64_t evictions_ = 0;
};

}  // namespace yagura::policy
