#include "policy/condition_types.h"

#include "policy/fields.h"

namespace yagura::policy {

bool holds_when_absent(const MatcherAst& matcher) {
  return matcher.ops.size() == 1 && matcher.ops[0].op == Op::kExists &&
         matcher.ops[0].operands[0].text == "false";
}

uint32_t possible_types(const ConditionAst& c, const PolicyAst& ast) {
  switch (c.kind) {
    case ConditionAst::Kind::kField: {
      const FieldSpec* spec = find_field(c.name);
      if (!spec || holds_when_absent(c.matcher)) return kAllTypes;
      return spec->types;
    }
    case ConditionAst::Kind::kAll: {
      uint32_t mask = kAllTypes;
      for (const ConditionAst& child : c.children) mask &= possible_types(child, ast);
      return mask;
    }
    case ConditionAst::Kind::kAny: {
      uint32_t mask = 0;
      for (const ConditionAst& child : c.children) mask |= possible_types(child, ast);
      return mask;
    }
    case ConditionAst::Kind::kNot:
      return kAllTypes;
    case ConditionAst::Kind::kMacro: {
      const MacroAst* m = ast.find_macro(c.name);
      return m ? possible_types(m->condition, ast) : kAllTypes;
    }
  }
  return kAllTypes;
}

}  // namespace yagura::policy
