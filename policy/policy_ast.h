// The parsed form of a policy file: what the YAML says, each node with its
// position, before any name is resolved. The parser (policy_parser.h) checks
// the shape (keys, types, required members, syntax of ids, severities,
// ATT&CK ids, rate limits); the compiler (policy_compiler.h) checks what
// needs the catalog or the whole file (fields, operators against field
// types, patterns, lists, macros) and keeps the tree for lint.
//
//   Result<PolicyAst> ast = parse_policy(text, "fleet.yaml");
//   for (const RuleAst& r : ast->rules) use(r.id, location(ast->file_name, r.pos));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace yagura::policy {

// 1-based line and column of a node in the file; {0, 0} when unknown.
struct Pos {
  int line = 0;
  int column = 0;
};

// "file:line:col", the prefix of every error and warning.
inline std::string location(const std::string& file, Pos pos) {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

enum class Action : uint8_t { kKeep, kDrop, kAlert };
enum class Mode : uint8_t { kEnforce, kShadow };

// As the policy file spells them: "keep", "drop", "alert"; "enforce", "shadow".
const char* action_name(Action action);
const char* mode_name(Mode mode);

// One scalar operand. A "$name" operand is a reference to the named list
// (list_ref, text = the name); "$$..." is a literal text starting with "$".
struct ValueAst {
  std::string text;
  Pos pos;
  bool list_ref = false;
};

enum class Op : uint8_t {
  kEq,
  kIn,
  kPrefix,
  kSuffix,
  kContains,
  kGlob,
  kRegex,
  kCidr,
  kRange,
  kGt,
  kGe,
  kLt,
  kLe,
  kExists,
};

std::string_view op_name(Op op);

// One operator of a matcher; it holds when any of its operands does.
struct OperatorAst {
  Op op;
  Pos pos;  // of the operator's key (of the value for the scalar/sequence shorthands)
  std::vector<ValueAst> operands;  // kExists: one, "true" or "false"
};

// What a field's value must satisfy: every operator (an AND).
struct MatcherAst {
  Pos pos;
  std::vector<OperatorAst> ops;  // never empty
  bool nocase = false;
  Pos nocase_pos;
};

struct ConditionAst {
  enum class Kind : uint8_t { kAll, kAny, kNot, kMacro, kField };
  Kind kind = Kind::kAll;
  Pos pos;
  std::vector<ConditionAst> children;  // kAll, kAny: at least one; kNot: exactly one
  std::string name;                    // kMacro: the macro; kField: the field as written
  MatcherAst matcher;                  // kField
};

struct NamedListAst {
  std::string name;
  Pos pos;
  std::vector<ValueAst> items;  // literals only: a list cannot name another list
};

struct MacroAst {
  std::string name;
  Pos pos;
  ConditionAst condition;
};

// Requests decided in the kernel; the sensor merges them into its filter.
struct KernelAst {
  std::vector<ValueAst> ignore_executables;  // absolute paths
  std::vector<ValueAst> ignore_users;        // user names or numeric uids
  std::vector<ValueAst> ignore_cgroups;      // absolute cgroup v2 paths
  std::vector<ValueAst> watch_writes;        // absolute path prefixes
  std::vector<ValueAst> watch_exclude;
  std::vector<ValueAst> watch_reads;
};

// A token bucket: `events` at most in a burst, refilled evenly over `per`.
struct RateLimit {
  Pos pos;
  uint32_t events = 0;  // bucket capacity
  uint64_t per_ns = 0;  // time to refill the whole bucket
  bool by_exe = false;  // one bucket per process.exe value, else one per rule
};

struct RuleAst {
  Pos pos;  // of the rule's mapping
  std::string id;
  Pos id_pos;
  std::string title;
  std::string description;
  uint32_t types = 0;  // EventTypeBit mask; all types when `types` is absent
  Action action = Action::kKeep;
  Mode mode = Mode::kEnforce;
  std::string severity;  // alert rules only
  std::vector<std::string> attack;
  std::vector<std::string> tags;
  std::optional<ConditionAst> when;  // absent: every event of the types
  std::vector<ConditionAst> except;  // any of them suppresses the rule
  std::optional<RateLimit> rate_limit;
};

struct PolicyAst {
  std::string file_name;
  std::string name;
  uint64_t version = 0;
  Action default_action = Action::kKeep;  // kKeep or kDrop
  std::vector<NamedListAst> lists;
  std::vector<MacroAst> macros;
  KernelAst kernel;
  std::vector<RuleAst> rules;

  const NamedListAst* find_list(std::string_view list_name) const;
  const MacroAst* find_macro(std::string_view macro_name) const;
};

}  // namespace yagura::policy
