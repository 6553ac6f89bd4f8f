#include "policy/condition_parser.h"

#include <optional>

#include "policy/policy_error.h"
#include "policy/policy_names.h"

namespace yagura::policy {
namespace {

std::optional<Op> op_by_name(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Op::kExists); ++i)
    if (op_name(static_cast<Op>(i)) == name) return static_cast<Op>(i);
  return std::nullopt;
}

// "$name" refers to a named list; "$$text" is the literal "$text".
ValueAst operand(const YamlValue& v, std::string_view what) {
  std::string text = read_scalar(v, what);
  if (text.starts_with("$$")) return {text.substr(1), v.pos, false};
  if (!text.starts_with("$")) return {std::move(text), v.pos, false};
  std::string name = text.substr(1);
  if (!valid_name(name))
    fail(v.pos, "bad list reference '" + text + "' (write $$ for a literal '$')");
  return {std::move(name), v.pos, true};
}

OperatorAst read_operator(Op op, Pos key_pos, const YamlValue& v, const std::string& what) {
  OperatorAst o{op, key_pos, {}};
  switch (op) {
    case Op::kExists:
      o.operands.push_back({read_bool(v, what) ? "true" : "false", v.pos});
      return o;
    case Op::kEq:
    case Op::kGt:
    case Op::kGe:
    case Op::kLt:
    case Op::kLe: {
      ValueAst one = operand(v, what);
      if (one.list_ref)
        fail(v.pos, what + " takes one value, not a list" +
                        (op == Op::kEq ? std::string(": use in: for a list") : std::string()));
      o.operands.push_back(std::move(one));
      return o;
    }
    case Op::kIn:
      o.operands = parse_operands(v, what);
      if (!v.node.IsSequence() && !o.operands[0].list_ref)
        fail(v.pos, what + " takes a list or a $list: use eq: for one value");
      return o;
    default:
      o.operands = parse_operands(v, what);
      return o;
  }
}

ConditionAst field_condition(const YamlEntry& e) {
  ConditionAst c;
  c.kind = ConditionAst::Kind::kField;
  c.pos = e.key_pos;
  c.name = e.key;
  c.matcher = parse_matcher(e.value, e.key);
  return c;
}

ConditionAst group(ConditionAst::Kind kind, const YamlValue& v, std::string_view what) {
  ConditionAst c;
  c.kind = kind;
  c.pos = v.pos;
  for (const YamlValue& item : read_sequence(v, what))
    c.children.push_back(parse_condition(item, ListMeaning::kRefuse, what));
  if (c.children.empty()) fail(v.pos, std::string(what) + " is empty: it needs a condition");
  return c;
}

ConditionAst from_entry(const YamlEntry& e) {
  ConditionAst c;
  c.pos = e.key_pos;
  if (e.key == "all" || e.key == "any") {
    c = group(e.key == "all" ? ConditionAst::Kind::kAll : ConditionAst::Kind::kAny, e.value, e.key);
    c.pos = e.key_pos;
  } else if (e.key == "not") {
    c.kind = ConditionAst::Kind::kNot;
    c.children.push_back(parse_condition(e.value, ListMeaning::kRefuse, "not"));
  } else if (e.key == "macro") {
    c.kind = ConditionAst::Kind::kMacro;
    c.name = read_scalar(e.value, "macro");
    c.pos = e.value.pos;
  } else {
    c = field_condition(e);
  }
  return c;
}

}  // namespace

std::vector<ValueAst> parse_operands(const YamlValue& v, std::string_view what) {
  if (!v.node.IsSequence()) return {operand(v, what)};
  std::vector<ValueAst> out;
  for (const YamlValue& item : read_sequence(v, what)) out.push_back(operand(item, what));
  if (out.empty()) fail(v.pos, std::string(what) + " has an empty list");
  return out;
}

ConditionAst parse_condition(const YamlValue& v, ListMeaning list_meaning, std::string_view what) {
  if (v.node.IsSequence()) {
    if (list_meaning == ListMeaning::kRefuse)
      fail(v.pos, std::string(what) + " takes one condition (a mapping), not a list" +
                      (what == "not" ? ": write not: {any: [...]} for none of several" : ""));
    return group(
        list_meaning == ListMeaning::kAll ? ConditionAst::Kind::kAll : ConditionAst::Kind::kAny, v,
        what);
  }
  if (!v.node.IsMap()) fail(v.pos, std::string(what) + " must be a condition (a mapping)");
  std::vector<YamlEntry> entries = read_mapping(v, what, {});
  if (entries.empty()) fail(v.pos, std::string(what) + " is an empty condition");
  if (entries.size() == 1) return from_entry(entries[0]);
  ConditionAst all;
  all.kind = ConditionAst::Kind::kAll;
  all.pos = v.pos;
  for (const YamlEntry& e : entries) all.children.push_back(from_entry(e));
  return all;
}

MatcherAst parse_matcher(const YamlValue& v, std::string_view field) {
  const std::string what(field);
  MatcherAst m;
  m.pos = v.pos;
  if (v.node.IsNull())
    fail(v.pos, "'" + what + "' needs a value (use {exists: false} for an absent field)");
  if (!v.node.IsMap()) {
    // The shorthands: a value is eq, a $list or a list is in.
    std::vector<ValueAst> values = parse_operands(v, what);
    bool in = v.node.IsSequence() || values[0].list_ref;
    m.ops.push_back({in ? Op::kIn : Op::kEq, v.pos, std::move(values)});
    return m;
  }
  for (const YamlEntry& e : read_mapping(v, "the operators of '" + what + "'", {})) {
    if (e.key == "nocase") {
      m.nocase = read_bool(e.value, "nocase");
      m.nocase_pos = e.key_pos;
      continue;
    }
    std::optional<Op> op = op_by_name(e.key);
    if (!op)
      fail(e.key_pos, "unknown operator '" + e.key +
                          "' (expected eq, in, prefix, suffix, contains, glob, regex, cidr, "
                          "range, gt, ge, lt, le, exists, nocase)");
    m.ops.push_back(read_operator(*op, e.key_pos, e.value, what + "." + e.key));
  }
  if (m.ops.empty()) fail(v.pos, "'" + what + "' has no operator");
  return m;
}

}  // namespace yagura::policy
