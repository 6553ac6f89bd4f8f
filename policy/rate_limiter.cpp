#include "policy/rate_limiter.h"

#include <algorithm>

namespace yagura::policy {

TokenBucket::TokenBucket(uint32_t events, uint64_t per_ns, uint64_t now_ns)
    : events_(events), per_ns_(per_ns), units_(events * per_ns), last_ns_(now_ns) {}

bool TokenBucket::take(uint64_t now_ns) {
  // A clock that goes back refills nothing rather than a huge amount.
  if (now_ns > last_ns_) {
    // After per_ns the bucket is full whatever it held: capping the elapsed
    // time keeps the product within 64 bits.
    uint64_t elapsed = std::min(now_ns - last_ns_, per_ns_);
    units_ = std::min(events_ * per_ns_, units_ + elapsed * events_);
    last_ns_ = now_ns;
  }
  if (units_ < per_ns_) return false;
  units_ -= per_ns_;
  return true;
}

RateLimiter::RateLimiter(const RateLimit& limit, size_t max_keys)
    : limit_(limit), max_keys_(max_keys), buckets_(max_keys) {}

bool RateLimiter::take(const std::string& key, uint64_t now_ns) {
  if (!limit_.by_exe) {
    if (!rule_bucket_) rule_bucket_.emplace(limit_.events, limit_.per_ns, now_ns);
    return rule_bucket_->take(now_ns);
  }
  if (TokenBucket* bucket = buckets_.find(key)) return bucket->take(now_ns);
  if (buckets_.size() >= max_keys_) ++evictions_;
  TokenBucket bucket(limit_.events, limit_.per_ns, now_ns);
  bool taken = bucket.take(now_ns);
  buckets_.put(key, bucket);
  return taken;
}

}  // namespace yagura::policy
