// The event types on which a condition can hold, from the catalog's
// FieldSpec.types: a field condition needs its field (an absent field
// satisfies no operator), so `file.path: {prefix: /etc/}` can hold on file
// events only. all intersects, any unites; not, and `exists: false` alone,
// can hold anywhere. The compiler indexes a rule under its types and these
// (a rule never runs on events its `when` cannot match); lint reports the
// difference.
//
//   uint32_t t = possible_types(*rule.when, ast);  // kFileBit
#pragma once

#include <cstdint>

#include "policy/policy_ast.h"

namespace yagura::policy {

// The condition's names must resolve (a compiled policy's AST).
uint32_t possible_types(const ConditionAst& condition, const PolicyAst& ast);

// A matcher that an absent field satisfies: `exists: false` alone.
bool holds_when_absent(const MatcherAst& matcher);

}  // namespace yagura::policy
