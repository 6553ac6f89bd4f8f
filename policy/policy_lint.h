// Warnings about a policy that compiles but probably does not do what its
// author meant. Each is "file:line:col: warning: ...", in file order:
//   - a keep/drop rule that can never act: earlier enforcing keep/drop rules
//     without when, except or rate_limit already decide all of its types;
//   - a condition on a field that none of the rule's types carries (it tests
//     an absent field);
//   - a rule whose condition requires fields that some (or all) of its types
//     never carry: it only runs on the others (compiled_policy.h
//     indexed_types), say so with `types:`;
//   - a list or macro nothing refers to;
//   - a drop rule on network/dns/file/tamper events that only tests
//     process.exe, process.user or process.uid equality: the kernel could drop
//     those events before they cost anything.
//
//   for (const std::string& w : lint_policy(**compile_policy(text, "p.yaml"))) print(w);
#pragma once

#include <string>
#include <vector>

#include "policy/compiled_policy.h"

namespace yagura::policy {

std::vector<std::string> lint_policy(const CompiledPolicy& policy);

}  // namespace yagura::policy
