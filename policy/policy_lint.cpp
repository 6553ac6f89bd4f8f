#include "policy/policy_lint.h"

#include <algorithm>
#include <functional>
#include <set>
#include <utility>

#include "policy/condition_types.h"
#include "policy/fields.h"

namespace yagura::policy {
namespace {

constexpr uint32_t kKernelDecidableTypes = kNetworkBit | kDnsBit | kFileBit | kTamperBit;

std::string types_text(uint32_t mask) {
  static constexpr const char* kNames[] = {"exec",    "fork", "exit", "cred",
                                           "network", "dns",  "file", "tamper"};
  std::string out;
  for (int i = 0; i < 8; ++i)
    if (mask & (1u << i)) out += (out.empty() ? "" : ", ") + std::string(kNames[i]);
  return out;
}

class Linter {
 public:
  explicit Linter(const CompiledPolicy& policy) : policy_(policy), ast_(policy.ast()) {}

  std::vector<std::string> run() {
    unreachable_rules();
    for (size_t i = 0; i < ast_.rules.size(); ++i) {
      absent_fields(i);
      required_fields(i);
      kernel_decidable(i);
    }
    unused_names();
    std::stable_sort(warnings_.begin(), warnings_.end(), [](const auto& a, const auto& b) {
      return std::pair(a.first.line, a.first.column) < std::pair(b.first.line, b.first.column);
    });
    std::vector<std::string> out;
    for (const auto& [pos, text] : warnings_)
      out.push_back(location(ast_.file_name, pos) + ": warning: " + text);
    return out;
  }

 private:
  void warn(Pos pos, std::string text) { warnings_.emplace_back(pos, std::move(text)); }

  // Calls f on every field condition of c, through macros.
  void each_field(const ConditionAst& c, const std::function<void(const ConditionAst&)>& f) {
    if (c.kind == ConditionAst::Kind::kField) f(c);
    for (const ConditionAst& child : c.children) each_field(child, f);
    if (c.kind == ConditionAst::Kind::kMacro) each_field(ast_.find_macro(c.name)->condition, f);
  }

  void unreachable_rules() {
    uint32_t covered = 0;
    std::vector<const RuleAst*> deciders;
    for (size_t i = 0; i < ast_.rules.size(); ++i) {
      const RuleAst& r = ast_.rules[i];
      if (r.action == Action::kAlert) continue;
      uint32_t types = policy_.rules()[i].indexed_types;
      if (types && !(types & ~covered)) {
        auto first = std::find_if(deciders.begin(), deciders.end(),
                                  [&](const RuleAst* d) { return d->types & types; });
        warn(r.pos, "rule '" + r.id + "' can never act: rule '" + (*first)->id + "' (line " +
                        std::to_string((*first)->pos.line) +
                        ") already decides every event of its types");
      }
      if (r.mode == Mode::kEnforce && !r.when && r.except.empty() && !r.rate_limit) {
        covered |= r.types;
        deciders.push_back(&r);
      }
    }
  }

  void absent_fields(size_t i) {
    const RuleAst& r = ast_.rules[i];
    std::set<std::pair<int, int>> seen;  // a macro's field once per rule
    auto check = [&](const ConditionAst& c) {
      const FieldSpec* spec = find_field(c.name);
      if (spec->types & r.types || !seen.insert({c.pos.line, c.pos.column}).second) return;
      warn(c.pos, "rule '" + r.id + "': '" + c.name + "' is never set on " + types_text(r.types) +
                      " events: this condition tests an absent field");
    };
    if (r.when) each_field(*r.when, check);
    for (const ConditionAst& e : r.except) each_field(e, check);
  }

  void required_fields(size_t i) {
    const RuleAst& r = ast_.rules[i];
    uint32_t indexed = policy_.rules()[i].indexed_types;
    if (indexed == r.types) return;
    if (!indexed)
      warn(r.pos, "rule '" + r.id + "' can never match: its condition requires fields that no " +
                      types_text(r.types) + " event carries");
    else
      warn(r.pos, "rule '" + r.id + "' can only match " + types_text(indexed) +
                      " events (its condition requires fields the others never carry): say so "
                      "with types: [" +
                      types_text(indexed) + "]");
  }

  // Only eq/in on the process's executable or user, possibly several of them under any.
  bool kernel_expressible(const ConditionAst& c) {
    switch (c.kind) {
      case ConditionAst::Kind::kField: {
        const FieldSpec* spec = find_field(c.name);
        if (spec->name != "process.exe" && spec->name != "process.user" &&
            spec->name != "process.uid")
          return false;
        if (c.matcher.nocase) return false;
        for (const OperatorAst& o : c.matcher.ops)
          if (o.op != Op::kEq && o.op != Op::kIn) return false;
        return true;
      }
      case ConditionAst::Kind::kAny:
        return std::all_of(c.children.begin(), c.children.end(),
                           [&](const ConditionAst& child) { return kernel_expressible(child); });
      case ConditionAst::Kind::kAll:
        return c.children.size() == 1 && kernel_expressible(c.children[0]);
      case ConditionAst::Kind::kMacro:
        return kernel_expressible(ast_.find_macro(c.name)->condition);
      case ConditionAst::Kind::kNot:
        return false;
    }
    return false;
  }

  void kernel_decidable(size_t i) {
    const RuleAst& r = ast_.rules[i];
    if (r.action != Action::kDrop || r.mode != Mode::kEnforce || !r.when || !r.except.empty() ||
        r.rate_limit || (r.types & ~kKernelDecidableTypes))
      return;
    if (kernel_expressible(*r.when))
      warn(r.pos, "rule '" + r.id +
                      "' could be decided in the kernel: move it to "
                      "kernel.ignore_executables/ignore_users");
  }

  void unused_names() {
    std::set<std::string> lists, macros;
    std::function<void(const ConditionAst&)> note = [&](const ConditionAst& c) {
      if (c.kind == ConditionAst::Kind::kMacro) macros.insert(c.name);
      for (const OperatorAst& o : c.matcher.ops)
        for (const ValueAst& v : o.operands)
          if (v.list_ref) lists.insert(v.text);
      for (const ConditionAst& child : c.children) note(child);
    };
    for (const MacroAst& m : ast_.macros) note(m.condition);
    for (const RuleAst& r : ast_.rules) {
      if (r.when) note(*r.when);
      for (const ConditionAst& e : r.except) note(e);
    }
    for (const NamedListAst& l : ast_.lists)
      if (!lists.count(l.name)) warn(l.pos, "list '" + l.name + "' is never used");
    for (const MacroAst& m : ast_.macros)
      if (!macros.count(m.name)) warn(m.pos, "macro '" + m.name + "' is never used");
  }

  const CompiledPolicy& policy_;
  const PolicyAst& ast_;
  std::vector<std::pair<Pos, std::string>> warnings_;
};

}  // namespace

std::vector<std::string> lint_policy(const CompiledPolicy& policy) { return Linter(policy).run(); }

}  // namespace yagura::policy
