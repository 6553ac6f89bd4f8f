// policy_throughput: events per second through the sensor's processing path
// (decode, process table, enrichment without the hasher, policy), for a
// baseline without a policy, the built-in default policy and any policy
// files given; each policy also as a ratio to the baseline of the same
// repetition.
//
//   policy_throughput [--events N] [--reps R] [--policy FILE]... [--json OUT]
//
// The workload (event_mix.h) is built once, in memory, before anything is
// timed. A timed run feeds every record to a fresh EventProcessor whose sink
// does what EventGate does (copy the event, judge it) without a queue or an
// output stage, and ends with flush(). Each repetition runs every
// configuration once, starting one further along each time, so that drift
// (frequency, a noisy neighbour) spreads over all of them; one untimed warm-up
// run per configuration comes first (it also builds RE2's DFA caches, as a
// long-running sensor has). Reported: median and min/max over repetitions.
//
// A benchmark, not a test: it asserts nothing about time. It fails only when
// the workload does not decode or a policy does not compile.
#include <sys/utsname.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "bench/event_mix.h"
#include "policy/default_policy.h"
#include "policy/policy_compiler.h"
#include "sensor/judge/policy_judge.h"
#include "sensor/pipeline/event_judge.h"
#include "sensor/pipeline/event_processor.h"

namespace yagura::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  size_t events = 100'000;
  size_t reps = 7;
  std::vector<std::string> policies;
  std::string json_path;
  uint32_t seed = 1;
};

constexpr char kUsage[] =
    "usage: policy_throughput [--events N] [--reps R] [--policy FILE]... [--json OUT] [--seed S]\n";

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "policy_throughput: " << error << "\n" << kUsage;
  std::exit(2);
}

size_t positive(const char* text, const std::string& flag) {
  auto v = positive_number(text);
  if (!v) usage(flag + " needs a positive integer, not '" + text + "'");
  return *v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (i + 1 >= argc) usage(flag + " needs a value");
    const char* value = argv[++i];
    if (flag == "--events") {
      o.events = positive(value, "--events");
    } else if (flag == "--reps") {
      o.reps = positive(value, "--reps");
    } else if (flag == "--policy") {
      o.policies.emplace_back(value);
    } else if (flag == "--json") {
      o.json_path = value;
    } else if (flag == "--seed") {
      o.seed = static_cast<uint32_t>(positive(value, "--seed"));
    } else {
      usage("unknown option " + flag);
    }
  }
  return o;
}

// ---- What runs ----

struct Config {
  std::string name;
  std::shared_ptr<const policy::CompiledPolicy> policy;  // null: the baseline
  std::string origin;
  double compile_ms = 0;
};

std::optional<Config> compile(std::string name, std::string_view text, std::string origin) {
  const auto start = Clock::now();
  auto compiled = policy::compile_policy(text, origin);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (!compiled) {
    std::cerr << "policy_throughput: " << compiled.error().message << "\n";
    return std::nullopt;
  }
  return Config{std::move(name), std::move(*compiled), std::move(origin), ms};
}

struct Verdicts {
  uint64_t events = 0;
  uint64_t kept = 0;
  uint64_t dropped = 0;
  uint64_t alerted = 0;  // kept events with at least one alert
};

// What EventGate does with an event the processor releases, minus the queue:
// one copy, judged.
class JudgingSink final : public EventSink {
 public:
  explicit JudgingSink(EventJudge& judge) : judge_(judge) {}
  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }
  void write(const Event& event) override {
    Event judged = event;
    ++verdicts.events;
    if (!judge_.judge(judged, now_ns_)) {
      ++verdicts.dropped;
      return;
    }
    ++verdicts.kept;
    if (!judged.verdict.alerts.empty()) ++verdicts.alerted;
  }
  Verdicts verdicts;

 private:
  EventJudge& judge_;
  uint64_t now_ns_ = 0;
};

struct Run {
  double seconds = 0;
  Verdicts verdicts;
  std::string health;  // the judge's health members, as JSON
};

Run run_once(const EventMix& mix, const Config& config, const HostIdentity& host) {
  std::unique_ptr<EventJudge> judge;
  if (config.policy)
    judge =
        std::make_unique<PolicyJudge>(host, policy::LoadedPolicy{config.policy, config.origin, ""});
  else
    judge = std::make_unique<KeepAllJudge>();
  RecordDecoder decoder;
  ProcessTable table;
  UserNames names;
  JudgingSink sink(*judge);
  EventProcessor proc(decoder, table, names, nullptr, sink);

  const auto start = Clock::now();
  for (size_t i = 0; i < mix.size(); ++i) {
    const uint64_t now = mix.ktime_ns[i];
    sink.set_now(now);
    proc.on_record(mix.record(i), now);
    // The daemon ticks when idle; a busy one about this often.
    if ((i & 1023) == 1023) proc.tick(now);
  }
  proc.flush();
  Run run;
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();

  if (proc.stats().decode_errors != 0) {
    std::cerr << "policy_throughput: the workload does not decode: " << proc.last_decode_error()
              << "\n";
    std::exit(1);
  }
  run.verdicts = sink.verdicts;
  {
    json::ObjectWriter health(run.health);
    judge->write_health(health);
  }
  return run;
}

// ---- Statistics and reports ----

struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  const double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  return {median, v.front(), v.back()};
}

nlohmann::ordered_json to_json(const Spread& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}};
}

// Every rule that acted, most active first, from the judge's health members.
nlohmann::ordered_json rules_acted(const std::string& health) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  auto parsed = nlohmann::json::parse(health, nullptr, false);
  if (parsed.is_discarded() || !parsed.contains("policy")) return out;
  std::vector<nlohmann::json> rules;
  for (const auto& r : parsed["policy"]["rules"])
    if (r["acted"] != 0) rules.push_back(r);
  std::stable_sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) {
    return a["acted"].template get<uint64_t>() > b["acted"].template get<uint64_t>();
  });
  for (const auto& r : rules)
    out.push_back({{"id", r["id"]},
                   {"action", r["action"]},
                   {"acted", r["acted"]},
                   {"suppressed", r["suppressed"]}});
  return out;
}

void print_table(const nlohmann::ordered_json& result) {
  const auto& m = result["machine"];
  std::cout << "Machine: " << m["cpu"].get<std::string>() << ", " << m["nproc"] << " CPUs, "
            << m["kernel"].get<std::string>() << ", " << m["compiler"].get<std::string>() << " ("
            << m["build_type"].get<std::string>() << ")\n";
  const auto& mix = result["event_mix"];
  std::cout << "Workload: " << thousands(mix["records"].get<double>()) << " records (";
  bool first = true;
  for (const auto& [type, n] : mix["by_type"].items()) {
    std::cout << (first ? "" : ", ") << type << " "
              << percent(n.get<uint64_t>(), mix["records"].get<uint64_t>());
    first = false;
  }
  std::cout << "), " << result["repetitions"] << " repetitions, medians with min-max.\n\n";
  std::cout << "| Configuration | Rules | Events/s | ns/event | Throughput vs baseline "
               "| Policy ns/event | Kept | Dropped | Alerted |\n"
            << "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& c : result["configs"]) {
    const auto& eps = c["events_per_s"];
    const auto& ns = c["ns_per_event"];
    std::cout << "| " << c["name"].get<std::string>() << " | "
              << (c["rules"].is_null() ? "-" : std::to_string(c["rules"].get<int>())) << " | "
              << thousands(eps["median"]) << " (" << thousands(eps["min"]) << "-"
              << thousands(eps["max"]) << ") | " << fixed(ns["median"], 0) << " | ";
    if (c.contains("throughput_vs_baseline")) {
      const auto& r = c["throughput_vs_baseline"];
      const auto& cost = c["policy_ns_per_event"];
      std::cout << fixed(r["median"], 2) << " (" << fixed(r["min"], 2) << "-" << fixed(r["max"], 2)
                << ") | " << fixed(cost["median"], 0) << " (" << fixed(cost["min"], 0) << "-"
                << fixed(cost["max"], 0) << ") | ";
    } else {
      std::cout << "1 | 0 | ";
    }
    const uint64_t events = c["events"];
    std::cout << percent(c["kept"], events) << " | " << percent(c["dropped"], events) << " | "
              << percent(c["alerted"], events) << " |\n";
  }
}

// The baseline, the built-in default policy, then the files given.
std::optional<std::vector<Config>> configurations(const Options& o) {
  std::vector<Config> configs{{"baseline (no policy)", nullptr, "", 0}};
  auto builtin = compile("built-in default policy", policy::default_policy_text(),
                         std::string(policy::kDefaultPolicyOrigin));
  if (!builtin) return std::nullopt;
  configs.push_back(std::move(*builtin));
  for (const std::string& path : o.policies) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      std::cerr << "policy_throughput: cannot read " << path << "\n";
      return std::nullopt;
    }
    auto c = compile(path.substr(path.rfind('/') + 1), text.str(), path);
    if (!c) return std::nullopt;
    configs.push_back(std::move(*c));
  }
  return configs;
}

// One configuration's results; seconds[0] are the baseline's, repetition by
// repetition.
nlohmann::ordered_json config_result(const Config& c, const Run& warmup,
                                     const std::vector<double>& secs,
                                     const std::vector<double>& baseline, size_t events) {
  std::vector<double> eps, ns, ratio, cost;
  for (size_t rep = 0; rep < secs.size(); ++rep) {
    eps.push_back(events / secs[rep]);
    ns.push_back(secs[rep] * 1e9 / events);
    ratio.push_back(baseline[rep] / secs[rep]);
    cost.push_back((secs[rep] - baseline[rep]) * 1e9 / events);
  }
  nlohmann::ordered_json j;
  j["name"] = c.name;
  j["rules"] =
      c.policy ? nlohmann::ordered_json(c.policy->rules().size()) : nlohmann::ordered_json();
  if (c.policy) j["compile_ms"] = c.compile_ms;
  j["events_per_s"] = to_json(spread(eps));
  j["ns_per_event"] = to_json(spread(ns));
  if (c.policy) {
    j["throughput_vs_baseline"] = to_json(spread(ratio));
    j["policy_ns_per_event"] = to_json(spread(cost));
  }
  // Every run judges alike; the warm-up's verdicts stand for all.
  j["events"] = warmup.verdicts.events;
  j["kept"] = warmup.verdicts.kept;
  j["dropped"] = warmup.verdicts.dropped;
  j["alerted"] = warmup.verdicts.alerted;
  if (c.policy) j["rules_acted"] = rules_acted(warmup.health);
  j["seconds"] = secs;
  return j;
}

int run(const Options& o, int argc, char** argv) {
  const auto configs = configurations(o);
  if (!configs) return 1;
  const EventMix mix = make_event_mix(o.events, o.seed);
  const HostIdentity host{"web-07.par1.corp.example",
                          "5f1c3a52-6c1e-4d0e-9d3b-7f2a1b9c0d11",
                          "6.1.0-18-amd64",
                          {{"team", "payments"}, {"env", "prod"}, {"site", "par1"}}};

  std::vector<Run> warmup;
  for (const Config& c : *configs) warmup.push_back(run_once(mix, c, host));
  std::vector<std::vector<double>> seconds(configs->size());
  for (size_t rep = 0; rep < o.reps; ++rep) {
    for (size_t k = 0; k < configs->size(); ++k) {
      const size_t i = (rep + k) % configs->size();
      seconds[i].push_back(run_once(mix, (*configs)[i], host).seconds);
    }
  }

  nlohmann::ordered_json result;
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  result["command"] = command;
  result["machine"] = machine();
  result["repetitions"] = o.reps;
  result["event_mix"]["records"] = mix.size();
  static constexpr const char* kTypeNames[YG_EV_TYPE_MAX] = {
      "?", "exec", "fork", "exit", "cred", "network", "dns", "file", "tamper"};
  for (int t = 1; t < YG_EV_TYPE_MAX; ++t)
    if (mix.by_type[t]) result["event_mix"]["by_type"][kTypeNames[t]] = mix.by_type[t];
  for (size_t i = 0; i < configs->size(); ++i)
    result["configs"].push_back(
        config_result((*configs)[i], warmup[i], seconds[i], seconds[0], mix.size()));

  print_table(result);
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << result.dump(2) << "\n";
    if (!out) {
      std::cerr << "policy_throughput: cannot write " << o.json_path << "\n";
      return 1;
    }
  }
  return 0;
}

}  // namespace
}  // namespace yagura::bench

int main(int argc, char** argv) {
  return yagura::bench::run(yagura::bench::parse_args(argc, argv), argc, argv);
}
