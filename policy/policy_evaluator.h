// Judges events against one compiled policy, counting what every rule did.
// One evaluator per thread: it holds the mutable state (rate-limit buckets,
// counters, the per-event field cache); the CompiledPolicy is shared.
//
// For an event, the candidate rules are those indexed under its type, in
// file order. For each one:
//   1. `when` does not hold: nothing (not counted).
//   2. it holds: matched++. Then, in this order:
//   3. an `except` condition holds: suppressed++, the rule does nothing;
//   4. mode shadow: shadow++, nothing else (no token is taken);
//   5. the rate limit has no token: held_back++, nothing else;
//   6. the rule acts, acted++: an alert rule adds its AlertRule (every
//      acting alert rule fires, so an event can carry several alerts); the
//      first keep/drop rule to act decides keep or drop.
// Once a keep/drop rule decided, later enforcing keep/drop rules are skipped
// (not even matched: their counters only count events that reached them
// undecided); alert and shadow rules are still evaluated, so a shadow rule
// counts what it would do wherever it sits.
// An event with an alert is always kept: a noise filter never hides an
// alert. No deciding rule: the policy's default.
//
//   PolicyEvaluator evaluator(policy);
//   auto d = evaluator.evaluate(EventFields(event, host), now_monotonic_ns());
//   if (!d.keep) return;                          // dropped, counted
//   event.verdict.alerts = std::move(d.alerts);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "common/event.h"
#include "policy/compiled_policy.h"
#include "policy/fields.h"
#include "policy/match_program.h"
#include "policy/rate_limiter.h"

namespace yagura::policy {

struct RuleCounters {
  uint64_t matched = 0;     // `when` held
  uint64_t acted = 0;       // kept, dropped or alerted
  uint64_t suppressed = 0;  // an `except` held
  uint64_t shadow = 0;      // a shadow rule matched and would have acted
  uint64_t held_back = 0;   // the rate limit had no token
};

struct EvaluatorTotals {
  uint64_t events = 0;  // = kept + dropped_by_rule + dropped_by_default
  uint64_t kept = 0;
  uint64_t dropped_by_rule = 0;
  uint64_t dropped_by_default = 0;
  uint64_t drops_overridden = 0;  // a drop rule decided, an alert kept the event
  uint64_t alerts = 0;            // AlertRules added to decisions
  uint64_t rate_buckets_evicted = 0;
  uint64_t regex_set_fallbacks = 0;  // field_matcher.h
};

class PolicyEvaluator {
 public:
  explicit PolicyEvaluator(std::shared_ptr<const CompiledPolicy> policy);

  struct Decision {
    bool keep = true;
    std::vector<std::shared_ptr<const AlertRule>> alerts;
  };

  // now_ns: a monotonic clock, for rate limits.
  Decision evaluate(const FieldSource& event, uint64_t now_ns);

  const CompiledPolicy& policy() const { return *policy_; }
  // By rule index, in the order of policy().rules().
  std::span<const RuleCounters> counters() const { return counters_; }
  EvaluatorTotals totals() const;

 private:
  bool take_token(uint32_t rule, uint64_t now_ns);

  std::shared_ptr<const CompiledPolicy> policy_;
  MatchState state_;
  std::vector<RuleCounters> counters_;
  std::vector<std::optional<RateLimiter>> limiters_;  // by rule index
  EvaluatorTotals totals_;
};

}  // namespace yagura::policy
