// A policy ready to evaluate: immutable, shared by every thread that
// evaluates events (each with its own PolicyEvaluator), built by
// compile_policy() (policy_compiler.h).
//
//   auto p = compile_policy(text, "/etc/yagura/policy.yaml");
//   if (!p) return p.error();
//   log((*p)->name(), (*p)->version(), (*p)->sha256());
//   for (const RuleInfo& r : (*p)->rules()) log(r.id, r.location);
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/event.h"
#include "policy/match_program.h"
#include "policy/policy_ast.h"

namespace yagura::policy {

// What the policy asks the kernel filter to decide (policy_ast.h KernelAst),
// as plain values: the sensor merges them into its own configuration.
struct KernelRequests {
  std::vector<std::string> ignore_executables;
  std::vector<std::string> ignore_users;  // names or numeric uids
  std::vector<std::string> ignore_cgroups;
  std::vector<std::string> watch_writes;
  std::vector<std::string> watch_exclude;
  std::vector<std::string> watch_reads;
};

struct RuleInfo {
  std::string id;
  Action action = Action::kKeep;
  Mode mode = Mode::kEnforce;
  uint32_t types = 0;          // EventTypeBit mask as written (all when absent)
  uint32_t indexed_types = 0;  // types ∩ the types `when` can hold on (condition_types.h)
  std::string location;        // "file:line:col" of the rule
  std::shared_ptr<const AlertRule> alert;  // alert rules only
  std::optional<RateLimit> rate_limit;
  // Nodes of program(): when absent the rule holds for every event it sees.
  std::optional<uint32_t> when;
  std::vector<uint32_t> except;
};

class CompiledPolicy {
 public:
  static constexpr size_t kTypeCount = 8;  // the bits of kAllTypes

  struct Parts {
    PolicyAst ast;
    std::string sha256;
    KernelRequests kernel;
    std::vector<RuleInfo> rules;
    MatchProgram program;
    std::array<std::vector<uint32_t>, kTypeCount> by_type;  // rule indexes per type bit
    std::optional<uint32_t> exe_slot;                       // set when a rate limit is by exe
  };

  explicit CompiledPolicy(Parts parts) : p_(std::move(parts)) {}

  const std::string& name() const { return p_.ast.name; }
  uint64_t version() const { return p_.ast.version; }
  // Lower-case hex SHA-256 of the exact text compiled.
  const std::string& sha256() const { return p_.sha256; }
  const std::string& file_name() const { return p_.ast.file_name; }
  Action default_action() const { return p_.ast.default_action; }
  const KernelRequests& kernel() const { return p_.kernel; }
  std::span<const RuleInfo> rules() const { return p_.rules; }

  // For PolicyEvaluator and lint.
  // The rules that can apply to an event of one type bit, in file order.
  std::span<const uint32_t> rules_for_type(uint32_t type_bit) const;
  const MatchProgram& program() const { return p_.program; }
  std::optional<uint32_t> exe_slot() const { return p_.exe_slot; }
  const PolicyAst& ast() const { return p_.ast; }

 private:
  Parts p_;
};

}  // namespace yagura::policy
