#include "ctl/policy_check_commands.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/read_file.h"
#include "policy/json_fields.h"
#include "policy/policy_compiler.h"
#include "policy/policy_evaluator.h"
#include "policy/policy_lint.h"
#include "policy/policy_signature.h"

namespace yagura::ctl {
namespace {

using policy::CompiledPolicy;
using policy::RuleCounters;

int refuse(const std::string& message) {
  std::fprintf(stderr, "yaguractl: %s\n", message.c_str());
  return kExitRefused;
}

Result<std::shared_ptr<const CompiledPolicy>> compile_file(const std::string& path,
                                                           std::string* text_out = nullptr) {
  auto text = read_file(path);
  if (!text) return text.error();
  auto compiled = policy::compile_policy(*text, path);
  if (text_out) *text_out = std::move(*text);
  return compiled;
}

Status check_signature(const std::string& path, const std::string& text,
                       const std::vector<std::string>& key_paths) {
  std::vector<policy::PublicKey> trusted;
  for (const std::string& k : key_paths) {
    auto key = policy::load_public_key(k);
    if (!key) return key.error();
    trusted.push_back(std::move(*key));
  }
  const std::string sig_path = path + ".sig";
  auto sig = read_file(sig_path);
  if (!sig) return sig.error();
  auto signer = policy::verify_policy(text, *sig, trusted);
  if (!signer) return Error{sig_path + ": " + signer.error().message};
  std::printf("signed by %s\n", signer->c_str());
  return {};
}

void print_summary(const CompiledPolicy& p) {
  size_t alerts = 0, keeps = 0, drops = 0, shadow = 0;
  for (const policy::RuleInfo& r : p.rules()) {
    alerts += r.action == policy::Action::kAlert;
    keeps += r.action == policy::Action::kKeep;
    drops += r.action == policy::Action::kDrop;
    shadow += r.mode == policy::Mode::kShadow;
  }
  std::printf("%s: policy %s version %llu, sha256 %s\n", p.file_name().c_str(), p.name().c_str(),
              static_cast<unsigned long long>(p.version()), p.sha256().c_str());
  std::printf("  %zu rules: %zu alert, %zu keep, %zu drop (%zu in shadow mode); default %s\n",
              p.rules().size(), alerts, keeps, drops, shadow,
              policy::action_name(p.default_action()));
  const policy::KernelRequests& k = p.kernel();
  std::printf(
      "  kernel: %zu ignored executables, %zu users, %zu cgroups; %zu write watches, "
      "%zu exclusions, %zu read watches\n",
      k.ignore_executables.size(), k.ignore_users.size(), k.ignore_cgroups.size(),
      k.watch_writes.size(), k.watch_exclude.size(), k.watch_reads.size());
}

// What one rule did for one event, from its counters before and after.
std::string what_happened(const RuleCounters& before, const RuleCounters& after,
                          policy::Action action) {
  if (after.suppressed > before.suppressed) return "suppressed";
  if (after.shadow > before.shadow) return std::string("shadow ") + policy::action_name(action);
  if (after.held_back > before.held_back) return "held back by its rate limit";
  if (after.acted > before.acted) return policy::action_name(action);
  return "matched, not acting (already decided)";
}

std::string describe(const policy::JsonFields& event) {
  static const policy::FieldSpec* kType = policy::find_field("type");
  static const policy::FieldSpec* kExe = policy::find_field("process.exe");
  static const policy::FieldSpec* kCmd = policy::find_field("process.command_line");
  std::vector<std::string> v;
  std::string out;
  for (const policy::FieldSpec* f : {kType, kExe, kCmd}) {
    v.clear();
    event.values({f->id, ""}, v);
    if (!v.empty()) out += (out.empty() ? "" : " ") + v[0];
  }
  return out;
}

}  // namespace

int policy_check(const ParsedArgs& args) {
  const std::string& path = args.positional()[0];
  std::string text;
  auto compiled = compile_file(path, &text);
  if (!compiled) return refuse(compiled.error().message);
  print_summary(**compiled);
  if (args.has("trusted")) {
    if (Status s = check_signature(path, text, args.values("trusted")); !s)
      return refuse(s.error().message);
  }
  const std::vector<std::string> warnings = policy::lint_policy(**compiled);
  for (const std::string& w : warnings) std::printf("%s\n", w.c_str());
  std::printf("%zu warning%s\n", warnings.size(), warnings.size() == 1 ? "" : "s");
  return warnings.empty() || !args.has("strict") ? kExitOk : kExitRefused;
}

int policy_test(const ParsedArgs& args) {
  const std::string& path = args.positional()[0];
  const std::string& events_path = args.positional()[1];
  auto compiled = compile_file(path);
  if (!compiled) return refuse(compiled.error().message);
  std::ifstream in(events_path);
  if (!in) return refuse(Error::from_errno(events_path).message);

  policy::PolicyEvaluator evaluator(*compiled);
  const auto& rules = (*compiled)->rules();
  const bool quiet = args.has("summary");
  std::vector<RuleCounters> before;
  std::string line;
  size_t line_no = 0, events = 0, skipped = 0, kept = 0, alerted = 0;
  uint64_t clock = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto event = policy::JsonFields::parse(line);
    if (!event) {
      // Health lines are part of a recorded output: said, not fatal.
      std::fprintf(stderr, "%s:%zu: skipped: %s\n", events_path.c_str(), line_no,
                   event.error().message.c_str());
      ++skipped;
      continue;
    }
    // The events' own clock, kept strictly increasing for the rate limits.
    const uint64_t ktime = event->ktime_ns().value_or(0);
    clock = ktime > clock ? ktime : clock + 1;
    before.assign(evaluator.counters().begin(), evaluator.counters().end());
    auto decision = evaluator.evaluate(*event, clock);
    ++events;
    kept += decision.keep;
    alerted += !decision.alerts.empty();
    if (quiet) continue;
    std::string hits;
    for (size_t i = 0; i < rules.size(); ++i) {
      const RuleCounters& now = evaluator.counters()[i];
      if (now.matched == before[i].matched) continue;
      hits += "\n    " + rules[i].id + ": " + what_happened(before[i], now, rules[i].action);
    }
    std::printf("%s:%zu: %s -> %s%s%s\n", events_path.c_str(), line_no, describe(*event).c_str(),
                decision.keep ? "keep" : "drop", decision.alerts.empty() ? "" : ", alert",
                hits.c_str());
  }
  std::printf("\n%zu events (%zu lines skipped): %zu kept, %zu dropped, %zu with alerts\n", events,
              skipped, kept, events - kept, alerted);
  std::printf("%-40s %8s %8s %10s %8s %9s\n", "rule", "matched", "acted", "suppressed", "shadow",
              "held_back");
  for (size_t i = 0; i < rules.size(); ++i) {
    const RuleCounters& c = evaluator.counters()[i];
    std::printf(
        "%-40s %8llu %8llu %10llu %8llu %9llu%s\n", rules[i].id.c_str(),
        static_cast<unsigned long long>(c.matched), static_cast<unsigned long long>(c.acted),
        static_cast<unsigned long long>(c.suppressed), static_cast<unsigned long long>(c.shadow),
        static_cast<unsigned long long>(c.held_back), c.matched ? "" : "  (never matched)");
  }
  return kExitOk;
}

}  // namespace yagura::ctl
