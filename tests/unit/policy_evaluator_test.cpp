// Decisions and counters: first keep/drop wins, alerts override drops,
// suppressions, shadow rules, rate limits on a fake clock, field reads.
#include "policy/policy_evaluator.h"

#include <catch2/catch.hpp>
#include <string>

#include "policy/policy_compiler.h"
#include "policy/rate_limiter.h"
#include "tests/unit/fake_fields.h"

using namespace yagura::policy;

namespace {

constexpr uint64_t kSecond = 1'000'000'000ull;

std::shared_ptr<const CompiledPolicy> compile(const std::string& rules,
                                              const std::string& default_action = "keep") {
  auto p = compile_policy(
      "policy: {name: t, version: 3, default: " + default_action + "}\nrules:\n" + rules, "e.yaml");
  INFO(rules);
  if (!p) FAIL(p.error().message);
  return *p;
}

FakeFields exec(const std::string& exe, const std::string& user = "root") {
  return FakeFields("exec", {{"process.exe", {exe}}, {"process.user", {user}}});
}

std::vector<std::string> alert_ids(const PolicyEvaluator::Decision& d) {
  std::vector<std::string> ids;
  for (const auto& a : d.alerts) ids.push_back(a->id);
  return ids;
}

}  // namespace

TEST_CASE("evaluator: the first keep/drop rule that acts decides", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - {id: drop-sh, action: drop, when: {process.exe: /bin/sh}}
  - {id: keep-sh, action: keep, when: {process.exe: /bin/sh}}
  - {id: keep-root, action: keep, when: {process.user: root}}
)",
                             "drop"));
  CHECK_FALSE(ev.evaluate(exec("/bin/sh"), 0).keep);
  CHECK(ev.evaluate(exec("/bin/ls"), 0).keep);               // keep-root
  CHECK_FALSE(ev.evaluate(exec("/bin/ls", "bob"), 0).keep);  // default drop
  auto c = ev.counters();
  CHECK(c[0].matched == 1);
  CHECK(c[0].acted == 1);
  // A decided event goes no further through enforcing keep/drop rules.
  CHECK(c[1].matched == 0);
  CHECK(c[2].matched == 1);
  CHECK(c[2].acted == 1);
  EvaluatorTotals t = ev.totals();
  CHECK(t.events == 3);
  CHECK(t.kept == 1);
  CHECK(t.dropped_by_rule == 1);
  CHECK(t.dropped_by_default == 1);
}

TEST_CASE("evaluator: default keep and default drop", "[policy]") {
  PolicyEvaluator keep(compile("  - {id: d, action: drop, when: {process.exe: /x}}\n", "keep"));
  CHECK(keep.evaluate(exec("/bin/ls"), 0).keep);
  CHECK_FALSE(keep.evaluate(exec("/x"), 0).keep);
  PolicyEvaluator drop(compile("  - {id: k, action: keep, when: {process.exe: /x}}\n", "drop"));
  CHECK_FALSE(drop.evaluate(exec("/bin/ls"), 0).keep);
  CHECK(drop.evaluate(exec("/x"), 0).keep);
  CHECK(drop.totals().dropped_by_default == 1);
}

TEST_CASE("evaluator: alerts fire together and override drops", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - {id: noise, action: drop, when: {process.exe: {prefix: /usr/bin/}}}
  - {id: a1, action: alert, title: One, severity: low, when: {process.exe: {suffix: /curl}}}
  - {id: a2, action: alert, title: Two, severity: high, attack: [T1105],
     when: {process.exe: {contains: bin/cu}}}
  - {id: a3, action: alert, title: Three, severity: low, when: {process.exe: /nope}}
)"));
  auto d = ev.evaluate(exec("/usr/bin/curl"), 0);
  CHECK(d.keep);  // a noise filter never hides an alert
  CHECK(alert_ids(d) == std::vector<std::string>{"a1", "a2"});
  CHECK(d.alerts[1]->severity == "high");
  CHECK(d.alerts[1]->attack == std::vector<std::string>{"T1105"});
  CHECK_FALSE(ev.evaluate(exec("/usr/bin/ls"), 0).keep);
  EvaluatorTotals t = ev.totals();
  CHECK(t.alerts == 2);
  CHECK(t.drops_overridden == 1);
  CHECK(t.dropped_by_rule == 1);
  CHECK(ev.counters()[3].matched == 0);  // never fired: stays 0
  CHECK(ev.counters()[3].acted == 0);
}

TEST_CASE("evaluator: except suppresses a rule and is counted", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - id: drop-tmp
    action: drop
    when: {process.exe: {prefix: /tmp/}}
    except:
      - process.user: admin
      - process.exe: {suffix: .keep}
  - {id: keep-all, action: keep}
)",
                             "drop"));
  CHECK_FALSE(ev.evaluate(exec("/tmp/x"), 0).keep);
  CHECK(ev.evaluate(exec("/tmp/x", "admin"), 0).keep);
  CHECK(ev.evaluate(exec("/tmp/x.keep"), 0).keep);
  auto c = ev.counters();
  CHECK(c[0].matched == 3);
  CHECK(c[0].suppressed == 2);
  CHECK(c[0].acted == 1);
  CHECK(c[1].acted == 2);  // a suppressed rule does not decide
}

TEST_CASE("evaluator: shadow rules are counted, never act", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - {id: try-drop, action: drop, mode: shadow, when: {process.exe: /bin/sh}}
  - {id: try-alert, action: alert, title: T, severity: low, mode: shadow,
     when: {process.exe: /bin/sh}}
  - {id: drop-sh, action: drop, when: {process.exe: /bin/sh}}
  - {id: later-shadow, action: keep, mode: shadow, when: {process.exe: /bin/sh}}
  - {id: later-shadow-suppressed, action: keep, mode: shadow, when: {process.exe: /bin/sh},
     except: {process.user: root}}
)"));
  auto d = ev.evaluate(exec("/bin/sh"), 0);
  CHECK_FALSE(d.keep);
  CHECK(d.alerts.empty());
  auto c = ev.counters();
  CHECK(c[0].matched == 1);
  CHECK(c[0].shadow == 1);
  CHECK(c[0].acted == 0);
  CHECK(c[1].shadow == 1);
  CHECK(c[2].acted == 1);
  // After the decision, shadow rules are still evaluated.
  CHECK(c[3].shadow == 1);
  CHECK(c[4].suppressed == 1);
  CHECK(c[4].shadow == 0);
}

TEST_CASE("evaluator: a rule-wide rate limit holds back, then refills", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - {id: a, action: alert, title: T, severity: low, when: {process.exe: /bin/sh},
     rate_limit: {events: 2, per: 10s}}
  - {id: d, action: drop, when: {process.exe: /bin/sh}, rate_limit: {events: 1, per: 1m}}
)"));
  auto fire = [&](uint64_t t) { return ev.evaluate(exec("/bin/sh"), t); };
  CHECK(fire(0).alerts.size() == 1);
  CHECK(fire(1).alerts.size() == 1);
  auto third = fire(2);
  CHECK(third.alerts.empty());
  // The drop rule's single token went to the first event (kept by its alert);
  // held back, the drop no longer decides: the default keeps.
  CHECK(third.keep);
  CHECK(fire(4 * kSecond).alerts.empty());      // 0.8 token
  CHECK(fire(5 * kSecond).alerts.size() == 1);  // one token every 5 s
  CHECK(fire(5 * kSecond).alerts.empty());
  CHECK(fire(60 * kSecond).alerts.size() == 1);
  CHECK(fire(60 * kSecond).alerts.size() == 1);  // full again: 2 tokens
  CHECK(fire(60 * kSecond).alerts.empty());
  auto c = ev.counters();
  CHECK(c[0].matched == 9);
  CHECK(c[0].acted == 5);
  CHECK(c[0].held_back == 4);
  CHECK(c[1].acted == 2);  // at 0 and 60 s
  CHECK(c[1].held_back == 7);
}

TEST_CASE("evaluator: rate limits by exe keep one bucket per executable", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - {id: a, action: alert, title: T, severity: low, rate_limit: {events: 1, per: 1h, by: exe}}
)"));
  CHECK(ev.evaluate(exec("/bin/a"), 0).alerts.size() == 1);
  CHECK(ev.evaluate(exec("/bin/a"), 1).alerts.empty());
  CHECK(ev.evaluate(exec("/bin/b"), 2).alerts.size() == 1);
  CHECK(ev.evaluate(exec("/bin/b"), 3).alerts.empty());
  CHECK(ev.evaluate(exec("/bin/a"), 3600 * kSecond).alerts.size() == 1);
  CHECK(ev.counters()[0].held_back == 2);
  CHECK(ev.counters()[0].acted == 3);
  CHECK(ev.totals().rate_buckets_evicted == 0);

  // /bin/a and /bin/b hold 2 buckets: kMaxKeys more executables evict them.
  for (size_t i = 0; i < RateLimiter::kMaxKeys; ++i)
    ev.evaluate(exec("/x/" + std::to_string(i)), 4 * kSecond);
  CHECK(ev.totals().rate_buckets_evicted == 2);
  CHECK(ev.evaluate(exec("/bin/a"), 5 * kSecond).alerts.size() == 1);  // forgotten: full
}

TEST_CASE("rate limiter: least recently used buckets are evicted and counted", "[policy]") {
  RateLimit limit;
  limit.events = 1;
  limit.per_ns = 100 * kSecond;
  limit.by_exe = true;
  RateLimiter r(limit, 2);
  CHECK(r.take("a", 0));
  CHECK(r.take("b", 0));
  CHECK_FALSE(r.take("a", 1));  // a is now the most recent
  CHECK(r.take("c", 1));        // evicts b
  CHECK(r.evictions() == 1);
  CHECK_FALSE(r.take("a", 2));  // still remembered, still empty
  CHECK(r.take("b", 2));        // forgotten: starts full again; evicts c
  CHECK(r.evictions() == 2);

  TokenBucket bucket(3, 3 * kSecond, 0);
  CHECK(bucket.take(0));
  CHECK(bucket.take(0));
  CHECK(bucket.take(0));
  CHECK_FALSE(bucket.take(0));
  CHECK_FALSE(bucket.take(kSecond - 1));
  CHECK(bucket.take(kSecond));
  CHECK_FALSE(bucket.take(kSecond / 2));  // a clock going back refills nothing
  CHECK(bucket.take(1000 * kSecond));
  CHECK(bucket.take(1000 * kSecond));
  CHECK(bucket.take(1000 * kSecond));  // capped at capacity
  CHECK_FALSE(bucket.take(1000 * kSecond));
}

TEST_CASE("evaluator: a held-back keep/drop rule leaves the decision to later rules", "[policy]") {
  PolicyEvaluator ev(compile(R"(
  - {id: keep-once, action: keep, when: {process.exe: /bin/sh}, rate_limit: {events: 1, per: 1h}}
  - {id: drop-sh, action: drop, when: {process.exe: /bin/sh}}
)"));
  CHECK(ev.evaluate(exec("/bin/sh"), 0).keep);
  CHECK_FALSE(ev.evaluate(exec("/bin/sh"), 1).keep);
  CHECK(ev.counters()[0].held_back == 1);
  CHECK(ev.counters()[1].acted == 1);
}

// Five kinds of rules over a few fields; '#' is the rule's number.
const char* const kRuleShapes[] = {
    "{id: r#, action: alert, title: T, severity: low, when: {process.exe: {prefix: /opt/#/}}}",
    "{id: r#, action: drop, when: {all: [{process.exe: /bin/#}, {not: {process.args: '-#'}}]}}",
    "{id: r#, action: keep, mode: shadow,"
    " when: {any: [{parent.exe: {glob: '/x/#*'}}, {process.exe: {regex: 'z#$'}}]}}",
    "{id: r#, action: alert, title: T, severity: low, when: {process.args: {contains: '#x'}},"
    " except: {process.user: u#}, rate_limit: {events: 1, per: 1s, by: exe}}",
    "{id: r#, action: alert, title: T, severity: low, types: [network],"
    " when: {network.destination.port: {range: '#-1000'}}}",
};

TEST_CASE("evaluator: 200 rules compile and read each field at most once", "[policy]") {
  std::string rules;
  for (int i = 0; i < 200; ++i) {
    std::string rule = kRuleShapes[i % 5];
    for (size_t at; (at = rule.find('#')) != std::string::npos;)
      rule.replace(at, 1, std::to_string(i));
    rules += "  - " + rule + "\n";
  }
  auto policy = compile(rules);
  REQUIRE(policy->rules().size() == 200);
  PolicyEvaluator ev(policy);
  FakeFields event("exec", {{"process.exe", {"/opt/5/z7"}},
                            {"process.args", {"-1", "13x", "x"}},
                            {"parent.exe", {"/x/22y"}},
                            {"process.user", {"u13"}}});
  auto d = ev.evaluate(event, 0);
  CHECK(d.keep);
  // r5 (prefix /opt/5/) and r3 (args contain "3x"); r13 is suppressed by its user.
  CHECK(alert_ids(d) == std::vector<std::string>{"r3", "r5"});
  CHECK(ev.counters()[13].suppressed == 1);
  CHECK(ev.counters()[22].shadow == 1);
  CHECK(ev.counters()[7].shadow == 1);
  CHECK(ev.counters()[4].matched == 0);  // network rules never see exec events
  for (const auto& [field, reads] : event.all_reads()) {
    INFO(field);
    CHECK(reads == 1);
  }
  CHECK(event.reads("process.exe") == 1);  // conditions and the rate limit's key share it
  CHECK(event.reads("network.destination.port") == 0);
}
