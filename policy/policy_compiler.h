// A policy's YAML text to a CompiledPolicy: parse (policy_parser.h), resolve
// and check every name and operand, compile each field's predicates
// (field_matcher.h), index rules by event type.
//
// Every error is "file:line:col: message" at the offending node; the first
// error stops the compilation.
//
//   auto policy = compile_policy(text, "fleet.yaml");
//   if (!policy) { log(policy.error().message); return; }
//   PolicyEvaluator evaluator(*policy);
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/compiled_policy.h"

namespace yagura::policy {

Result<std::shared_ptr<const CompiledPolicy>> compile_policy(std::string_view yaml_text,
                                                             const std::string& file_name);

}  // namespace yagura::policy
