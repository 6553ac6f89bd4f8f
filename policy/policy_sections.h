// Internal to the policy language: the parts of a policy file that other
// files written in the same language reuse (the collector's detections,
// collector/detect/detection_parser.h): named lists, macros, event types,
// ATT&CK ids, names and choices. Each throws a PolicyError at the offending
// node, like the rest of the parser.
//
//   if (const YamlEntry* e = find_entry(entries, "lists")) read_lists(e->value, ast);
//   uint32_t types = read_types(value);
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/policy_ast.h"
#include "policy/policy_error.h"
#include "policy/yaml_reader.h"

namespace yagura::policy {

// `name` when it is [A-Za-z0-9._-]+, else an error naming `what`.
const std::string& check_name(const std::string& name, Pos pos, std::string_view what);
// `lists:` and `macros:` into ast.lists and ast.macros.
void read_lists(const YamlValue& v, PolicyAst& ast);
void read_macros(const YamlValue& v, PolicyAst& ast);
// `types:` as an EventTypeBit mask, never empty.
uint32_t read_types(const YamlValue& v);
// `attack:` ids, each T1234 or T1234.001.
std::vector<std::string> read_attack_ids(const YamlValue& v);

// One of `choices`, by the scalar's text.
template <typename T>
T read_choice(const YamlValue& v, std::string_view what,
              std::initializer_list<std::pair<std::string_view, T>> choices) {
  std::string s = read_scalar(v, what);
  std::string expected;
  for (const auto& [name, value] : choices) {
    if (name == s) return value;
    expected += (expected.empty() ? "" : ", ") + std::string(name);
  }
  fail(v.pos, "bad " + std::string(what) + " '" + s + "' (expected " + expected + ")");
}

}  // namespace yagura::policy
