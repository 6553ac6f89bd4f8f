// Internal to the policy library: conditions and matchers from YAML.
//
// A condition is a mapping whose keys are field names and/or the special
// keys all, any, not, macro; several keys are ANDed. Where a list is given
// instead of a mapping, ListMeaning says what it means: `when` and macros
// read it as all, `except` as any, elsewhere it is an error. Field names are
// kept as written: the compiler resolves them.
//
//   ConditionAst c = parse_condition(value, ListMeaning::kAll, "when");
#pragma once

#include <string_view>

#include "policy/policy_ast.h"
#include "policy/yaml_reader.h"

namespace yagura::policy {

enum class ListMeaning { kAll, kAny, kRefuse };

ConditionAst parse_condition(const YamlValue& v, ListMeaning list_meaning, std::string_view what);

// A field's matcher: a scalar (eq, or in for "$list"), a list (in), or a
// mapping of operators.
MatcherAst parse_matcher(const YamlValue& v, std::string_view field);

// A scalar or a non-empty list of scalars; "$name" items are list
// references, "$$text" the literal "$text".
std::vector<ValueAst> parse_operands(const YamlValue& v, std::string_view what);

}  // namespace yagura::policy
