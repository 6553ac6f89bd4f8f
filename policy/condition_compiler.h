// Internal to the policy library: conditions (policy_ast.h) into nodes and
// field predicates of a MatchProgram. Resolves field names (with a "did you
// mean" for typos), "$list" references and macros (each compiled once;
// cycles refused), checks every operator against its field's type and every
// operand's syntax (number, range, CIDR, glob, RE2 regex). Errors throw
// PolicyError at the offending node.
//
//   ConditionCompiler cc(ast, program);
//   cc.compile_macros();
//   uint32_t when = cc.compile(*rule.when);
//   cc.finish();  // builds each field's RE2::Set
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "policy/match_program.h"
#include "policy/policy_ast.h"

namespace yagura::policy {

class ConditionCompiler {
 public:
  ConditionCompiler(const PolicyAst& ast, MatchProgram& program);

  // Every macro, used or not, so that an unused one is still checked.
  void compile_macros();
  uint32_t compile(const ConditionAst& condition);
  // The slot of a field the evaluator reads itself (a rate limit's key).
  uint32_t slot_for(const FieldRef& field, Pos used_at);
  void finish();

 private:
  enum class MacroState : uint8_t { kCompiling, kDone };
  struct Macro {
    MacroState state;
    uint32_t node;
  };

  uint32_t compile_macro(const std::string& name, Pos used_at);
  uint32_t compile_field(const ConditionAst& c);
  std::vector<ValueAst> expand(const std::vector<ValueAst>& operands) const;

  const PolicyAst& ast_;
  MatchProgram& program_;
  std::unordered_map<std::string, Macro> macros_;
  std::vector<std::string> macro_stack_;  // names being compiled, for the cycle message
  std::vector<Pos> slot_pos_;             // first use of each slot, for finish()'s errors
  std::unordered_map<std::string, uint32_t> predicates_;  // predicate_key() -> predicate id
};

}  // namespace yagura::policy
