#include "sensor/judge/policy_judge.h"

#include "sensor/judge/event_fields.h"

namespace yagura {
namespace {

void write_identity(json::ObjectWriter& out, const policy::LoadedPolicy& loaded) {
  const policy::CompiledPolicy& p = *loaded.policy;
  out.string("name", p.name());
  out.number("version", p.version());
  out.string("sha256", p.sha256());
  out.string("origin", loaded.origin);
  out.string("signer", loaded.signer);
}

void write_totals(json::ObjectWriter& out, const policy::EvaluatorTotals& t) {
  out.number("events", t.events);
  out.number("kept", t.kept);
  out.number("dropped_by_rule", t.dropped_by_rule);
  out.number("dropped_by_default", t.dropped_by_default);
  out.number("drops_overridden_by_alert", t.drops_overridden);
  out.number("alerts", t.alerts);
  out.number("rate_buckets_evicted", t.rate_buckets_evicted);
  out.number("regex_set_fallbacks", t.regex_set_fallbacks);
}

// Every rule, in file order, with what it did; and the ids of those that
// never matched, the list a CSIRT reviews to retire dead rules.
void write_rules(json::ObjectWriter& out, const policy::CompiledPolicy& p,
                 std::span<const policy::RuleCounters> counters) {
  std::string& rules = out.key("rules");
  rules += '[';
  std::vector<std::string> never;
  for (size_t i = 0; i < p.rules().size(); ++i) {
    const policy::RuleInfo& r = p.rules()[i];
    const policy::RuleCounters& c = counters[i];
    if (i) rules += ',';
    json::ObjectWriter rule(rules);
    rule.string("id", r.id);
    rule.string("action", policy::action_name(r.action));
    rule.string("mode", policy::mode_name(r.mode));
    rule.number("matched", c.matched);
    rule.number("acted", c.acted);
    rule.number("suppressed", c.suppressed);
    rule.number("shadow", c.shadow);
    rule.number("held_back", c.held_back);
    if (c.matched == 0) never.push_back(r.id);
  }
  rules += ']';
  out.strings("never_matched", never);
}

}  // namespace

PolicyJudge::PolicyJudge(const HostIdentity& host, policy::LoadedPolicy initial)
    : host_(host),
      loaded_(std::move(initial)),
      evaluator_(std::make_unique<policy::PolicyEvaluator>(loaded_.policy)) {}

bool PolicyJudge::judge(Event& event, uint64_t now_ns) {
  auto decision = evaluator_->evaluate(EventFields(event, host_), now_ns);
  event.verdict.policy_version = loaded_.policy->version();
  event.verdict.dropped = !decision.keep;  // counted by the evaluator's totals
  event.verdict.alerts = std::move(decision.alerts);
  return decision.keep;
}

void PolicyJudge::adopt(policy::LoadedPolicy next) {
  replaced_.push_back(Replaced{std::move(loaded_),
                               {evaluator_->counters().begin(), evaluator_->counters().end()},
                               evaluator_->totals()});
  loaded_ = std::move(next);
  evaluator_ = std::make_unique<policy::PolicyEvaluator>(loaded_.policy);
  ++reloads_;
}

void PolicyJudge::reload_failed(std::string error) {
  ++reload_failures_;
  last_reload_error_ = std::move(error);
}

void PolicyJudge::write_health(json::ObjectWriter& health) const {
  json::ObjectWriter out(health.key("policy"));
  write_identity(out, loaded_);
  out.number("reloads", reloads_);
  out.number("reload_failures", reload_failures_);
  out.string_unless_empty("last_reload_error", last_reload_error_);
  write_totals(out, evaluator_->totals());
  write_rules(out, *loaded_.policy, evaluator_->counters());
  std::string& replaced = out.key("replaced");
  replaced += '[';
  for (size_t i = 0; i < replaced_.size(); ++i) {
    if (i) replaced += ',';
    json::ObjectWriter r(replaced);
    write_identity(r, replaced_[i].loaded);
    write_totals(r, replaced_[i].totals);
    write_rules(r, *replaced_[i].loaded.policy, replaced_[i].counters);
  }
  replaced += ']';
  replaced_.clear();
}

}  // namespace yagura
