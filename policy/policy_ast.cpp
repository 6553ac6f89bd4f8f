#include "policy/policy_ast.h"

namespace yagura::policy {

std::string_view op_name(Op op) {
  static constexpr std::string_view kNames[] = {
      "eq",   "in",    "prefix", "suffix", "contains", "glob", "regex",
      "cidr", "range", "gt",     "ge",     "lt",       "le",   "exists",
  };
  return kNames[static_cast<size_t>(op)];
}

const NamedListAst* PolicyAst::find_list(std::string_view list_name) const {
  for (const NamedListAst& l : lists)
    if (l.name == list_name) return &l;
  return nullptr;
}

const MacroAst* PolicyAst::find_macro(std::string_view macro_name) const {
  for (const MacroAst& m : macros)
    if (m.name == macro_name) return &m;
  return nullptr;
}

const char* action_name(Action action) {
  switch (action) {
    case Action::kKeep:
      return "keep";
    case Action::kDrop:
      return "drop";
    case Action::kAlert:
      return "alert";
  }
  return "?";
}

const char* mode_name(Mode mode) { return mode == Mode::kShadow ? "shadow" : "enforce"; }

}  // namespace yagura::policy
