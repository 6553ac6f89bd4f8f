// Internal to the policy library: reading yaml-cpp nodes with their
// positions, refusing unknown and duplicate keys. Every failure throws a
// PolicyError (policy_error.h) at the offending node.
//
//   for (const YamlEntry& e : read_mapping(v, "rate_limit", {"events", "per", "by"}))
//     if (e.key == "by") by = read_scalar(e.value, "rate_limit.by");
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_ast.h"

namespace yagura::policy {

struct YamlValue {
  YAML::Node node;
  Pos pos;  // an empty value ("key:") has no position of its own: its key's
};

struct YamlEntry {
  std::string key;
  Pos key_pos;
  YamlValue value;
};

YamlValue yaml_document(const YAML::Node& root);

// The entries of a mapping in file order. An empty `allowed` accepts any key
// (named lists, macros, field names); else a key outside it is an error.
// A key given twice is an error: yaml-cpp would keep both silently.
std::vector<YamlEntry> read_mapping(const YamlValue& v, std::string_view what,
                                    std::initializer_list<std::string_view> allowed);

const YamlEntry* find_entry(const std::vector<YamlEntry>& entries, std::string_view key);

// The entry `key`, or an error at `where` naming it missing from `what`.
const YamlEntry& require_entry(const std::vector<YamlEntry>& entries, std::string_view key,
                               Pos where, std::string_view what);

std::vector<YamlValue> read_sequence(const YamlValue& v, std::string_view what);

// A scalar's text; an empty value, a list or a mapping is an error.
std::string read_scalar(const YamlValue& v, std::string_view what);

// YAML's true/false (any case).
bool read_bool(const YamlValue& v, std::string_view what);

// A scalar, or a sequence of scalars, as ValueAst (list references are not
// recognised here: see condition_parser.h).
std::vector<ValueAst> read_scalars(const YamlValue& v, std::string_view what);

}  // namespace yagura::policy
