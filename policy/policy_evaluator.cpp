#include "policy/policy_evaluator.h"

namespace yagura::policy {

PolicyEvaluator::PolicyEvaluator(std::shared_ptr<const CompiledPolicy> policy)
    : policy_(std::move(policy)),
      state_(policy_->program()),
      counters_(policy_->rules().size()),
      limiters_(policy_->rules().size()) {
  for (size_t i = 0; i < limiters_.size(); ++i)
    if (const auto& limit = policy_->rules()[i].rate_limit) limiters_[i].emplace(*limit);
}

bool PolicyEvaluator::take_token(uint32_t rule, uint64_t now_ns) {
  static const std::string kNoKey;
  const std::string* key = &kNoKey;
  if (policy_->rules()[rule].rate_limit->by_exe) {
    // The compiler gives process.exe a slot whenever a limit is by exe.
    const std::vector<std::string>& exe = state_.values(*policy_->exe_slot());
    if (!exe.empty()) key = &exe.front();
  }
  return limiters_[rule]->take(*key, now_ns);
}

PolicyEvaluator::Decision PolicyEvaluator::evaluate(const FieldSource& event, uint64_t now_ns) {
  Decision decision;
  std::optional<Action> decided;
  state_.begin(event);
  std::span<const RuleInfo> rules = policy_->rules();
  for (uint32_t index : policy_->rules_for_type(event.type_bit())) {
    const RuleInfo& rule = rules[index];
    bool deciding = rule.action != Action::kAlert && rule.mode == Mode::kEnforce;
    if (deciding && decided) continue;
    if (rule.when && !state_.holds(*rule.when)) continue;
    RuleCounters& c = counters_[index];
    ++c.matched;
    bool suppressed = false;
    for (uint32_t e : rule.except) suppressed = suppressed || state_.holds(e);
    if (suppressed) {
      ++c.suppressed;
    } else if (rule.mode == Mode::kShadow) {
      ++c.shadow;
    } else if (rule.rate_limit && !take_token(index, now_ns)) {
      ++c.held_back;
    } else {
      ++c.acted;
      if (rule.action == Action::kAlert)
        decision.alerts.push_back(rule.alert);
      else
        decided = rule.action;
    }
  }

  ++totals_.events;
  totals_.alerts += decision.alerts.size();
  if (!decision.alerts.empty()) {
    decision.keep = true;
    if (decided == Action::kDrop) ++totals_.drops_overridden;
  } else if (decided) {
    decision.keep = *decided == Action::kKeep;
    if (!decision.keep) ++totals_.dropped_by_rule;
  } else {
    decision.keep = policy_->default_action() == Action::kKeep;
    if (!decision.keep) ++totals_.dropped_by_default;
  }
  if (decision.keep) ++totals_.kept;
  return decision;
}

EvaluatorTotals PolicyEvaluator::totals() const {
  EvaluatorTotals t = totals_;
  for (const auto& limiter : limiters_)
    if (limiter) t.rate_buckets_evicted += limiter->evictions();
  t.regex_set_fallbacks = state_.set_fallbacks();
  return t;
}

}  // namespace yagura::policy
