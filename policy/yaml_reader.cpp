#include "policy/yaml_reader.h"

#include <algorithm>

#include "policy/policy_error.h"

namespace yagura::policy {
namespace {

Pos mark_pos(const YAML::Node& node, Pos fallback) {
  const YAML::Mark m = node.Mark();
  if (node.IsNull() || m.is_null()) return fallback;
  return Pos{m.line + 1, m.column + 1};
}

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

}  // namespace

YamlValue yaml_document(const YAML::Node& root) { return {root, mark_pos(root, Pos{1, 1})}; }

std::vector<YamlEntry> read_mapping(const YamlValue& v, std::string_view what,
                                    std::initializer_list<std::string_view> allowed) {
  if (!v.node.IsMap()) fail(v.pos, std::string(what) + " must be a mapping");
  std::vector<YamlEntry> entries;
  for (const auto& kv : v.node) {
    Pos key_pos = mark_pos(kv.first, v.pos);
    if (!kv.first.IsScalar()) fail(key_pos, "a key in " + std::string(what) + " must be a name");
    std::string key = kv.first.Scalar();
    if (allowed.size() && std::find(allowed.begin(), allowed.end(), key) == allowed.end())
      fail(key_pos, "unknown key '" + key + "' in " + std::string(what) +
                        " (expected one of: " + join(allowed) + ")");
    if (const YamlEntry* first = find_entry(entries, key))
      fail(key_pos, "duplicate key '" + key + "' (first at line " +
                        std::to_string(first->key_pos.line) + ")");
    entries.push_back({std::move(key), key_pos, {kv.second, mark_pos(kv.second, key_pos)}});
  }
  return entries;
}

const YamlEntry* find_entry(const std::vector<YamlEntry>& entries, std::string_view key) {
  for (const YamlEntry& e : entries)
    if (e.key == key) return &e;
  return nullptr;
}

const YamlEntry& require_entry(const std::vector<YamlEntry>& entries, std::string_view key,
                               Pos where, std::string_view what) {
  const YamlEntry* e = find_entry(entries, key);
  if (!e) fail(where, std::string(what) + " needs '" + std::string(key) + "'");
  return *e;
}

std::vector<YamlValue> read_sequence(const YamlValue& v, std::string_view what) {
  if (!v.node.IsSequence()) fail(v.pos, std::string(what) + " must be a list");
  std::vector<YamlValue> items;
  for (const auto& item : v.node) items.push_back({item, mark_pos(item, v.pos)});
  return items;
}

std::string read_scalar(const YamlValue& v, std::string_view what) {
  if (v.node.IsNull()) fail(v.pos, std::string(what) + " needs a value");
  if (!v.node.IsScalar())
    fail(v.pos, std::string(what) + " must be a single value, not a " +
                    (v.node.IsMap() ? "mapping" : "list"));
  return v.node.Scalar();
}

bool read_bool(const YamlValue& v, std::string_view what) {
  std::string s = read_scalar(v, what);
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  fail(v.pos, std::string(what) + " must be true or false, not '" + s + "'");
}

std::vector<ValueAst> read_scalars(const YamlValue& v, std::string_view what) {
  std::vector<ValueAst> out;
  if (v.node.IsSequence()) {
    for (const YamlValue& item : read_sequence(v, what))
      out.push_back({read_scalar(item, what), item.pos});
  } else {
    out.push_back({read_scalar(v, what), v.pos});
  }
  return out;
}

}  // namespace yagura::policy
