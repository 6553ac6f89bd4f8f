#include "policy/condition_compiler.h"

#include <algorithm>

#include "policy/fields.h"
#include "policy/ip_network.h"
#include "policy/number_values.h"
#include "policy/pattern_syntax.h"
#include "policy/policy_error.h"
#include "policy/policy_names.h"

namespace yagura::policy {
namespace {

bool op_allowed(Op op, FieldType type) {
  if (op == Op::kEq || op == Op::kIn || op == Op::kExists) return true;
  switch (type) {
    case FieldType::kString:
      return op == Op::kPrefix || op == Op::kSuffix || op == Op::kContains || op == Op::kGlob ||
             op == Op::kRegex;
    case FieldType::kNumber:
      return op == Op::kRange || op == Op::kGt || op == Op::kGe || op == Op::kLt || op == Op::kLe;
    case FieldType::kIp:
      return op == Op::kCidr;
    case FieldType::kBool:
      return false;
  }
  return false;
}

std::string type_name(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string field";
    case FieldType::kNumber:
      return "a number field";
    case FieldType::kBool:
      return "a bool field";
    case FieldType::kIp:
      return "an IP field";
  }
  return "";
}

std::string type_ops(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "eq, in, prefix, suffix, contains, glob, regex, exists";
    case FieldType::kNumber:
      return "eq, in, range, gt, ge, lt, le, exists";
    case FieldType::kBool:
      return "eq, in, exists";
    case FieldType::kIp:
      return "eq, in, cidr, exists";
  }
  return "";
}

std::string suggestion(const std::string& name, const std::vector<std::string_view>& candidates) {
  std::string near = closest_name(name, candidates);
  return near.empty() ? "" : " (did you mean '" + near + "'?)";
}

[[noreturn]] void unknown_field(const ConditionAst& c) {
  std::vector<std::string_view> names;
  for (const FieldSpec& f : all_fields()) {
    if (f.keyed) {
      if (c.name == f.name) fail(c.pos, "'" + c.name + "' needs a key: " + c.name + ".<key>");
      continue;
    }
    names.push_back(f.name);
    if (!f.sigma.empty()) names.push_back(f.sigma);
  }
  fail(c.pos, "unknown field '" + c.name + "'" + suggestion(c.name, names));
}

Number number(const ValueAst& v) {
  std::optional<Number> n = parse_number(v.text);
  if (!n) fail(v.pos, "bad number '" + v.text + "'");
  return *n;
}

void add_pattern(FieldMatcher& m, uint32_t op, const ValueAst& v, const std::string& pattern,
                 std::string_view what) {
  if (Status s = m.add_pattern(op, pattern); !s)
    fail(v.pos, "bad " + std::string(what) + " '" + v.text + "': " + s.error().message);
}

void add_operand(FieldMatcher& m, uint32_t op, Op kind, FieldType type, const ValueAst& v,
                 bool nocase) {
  switch (kind) {
    case Op::kEq:
    case Op::kIn:
      if (type == FieldType::kString) {
        m.add_exact(op, v.text, nocase);
      } else if (type == FieldType::kNumber) {
        Number n = number(v);
        m.add_interval(op, {n, n});
      } else if (type == FieldType::kBool) {
        std::string b = v.text;
        std::transform(b.begin(), b.end(), b.begin(), [](char c) { return c | 0x20; });
        if (b != "true" && b != "false")
          fail(v.pos, "expected true or false, not '" + v.text + "'");
        m.add_exact(op, b, false);
      } else {
        std::optional<IpNetwork> host;
        if (v.text.find('/') == std::string::npos) host = parse_cidr(v.text);
        if (!host) fail(v.pos, "bad IP address '" + v.text + "' (use cidr: for networks)");
        m.add_network(op, *host);
      }
      return;
    case Op::kPrefix:
      return add_pattern(m, op, v, "^" + literal_pattern(v.text, nocase), "prefix");
    case Op::kSuffix:
      return add_pattern(m, op, v, literal_pattern(v.text, nocase) + "$", "suffix");
    case Op::kContains:
      return add_pattern(m, op, v, literal_pattern(v.text, nocase), "contains");
    case Op::kGlob: {
      Result<std::string> glob = glob_pattern(v.text, nocase);
      if (!glob) fail(v.pos, glob.error().message);
      return add_pattern(m, op, v, *glob, "glob");
    }
    case Op::kRegex:
      return add_pattern(m, op, v, regex_pattern(v.text, nocase), "regex");
    case Op::kCidr: {
      std::optional<IpNetwork> net = parse_cidr(v.text);
      if (!net)
        fail(v.pos, "bad CIDR '" + v.text + "' (expected e.g. 10.0.0.0/8, fd00::/8 or an address)");
      m.add_network(op, *net);
      return;
    }
    case Op::kRange: {
      std::optional<Interval> r = parse_range(v.text);
      if (!r) fail(v.pos, "bad range '" + v.text + "' (expected N or N-M with N <= M)");
      m.add_interval(op, *r);
      return;
    }
    case Op::kGt:
      m.add_interval(op, {number(v) + 1, kNumberMax});
      return;
    case Op::kGe:
      m.add_interval(op, {number(v), kNumberMax});
      return;
    case Op::kLt:
      m.add_interval(op, {kNumberMin, number(v) - 1});
      return;
    case Op::kLe:
      m.add_interval(op, {kNumberMin, number(v)});
      return;
    case Op::kExists:
      return;  // a property of the predicate, not an operator
  }
}

// A field condition's identity: slot, nocase and every operator with its
// operands in order, each length-prefixed so that no two differ only in
// where one text ends.
std::string predicate_key(uint32_t slot, const MatcherAst& matcher) {
  std::string k;
  auto put_u32 = [&k](uint32_t v) { k.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put_u32(slot);
  k.push_back(matcher.nocase ? 'i' : 'c');
  for (const OperatorAst& o : matcher.ops) {
    k.push_back(static_cast<char>(o.op));
    put_u32(static_cast<uint32_t>(o.operands.size()));
    for (const ValueAst& v : o.operands) {
      k.push_back(v.list_ref ? '$' : '=');
      put_u32(static_cast<uint32_t>(v.text.size()));
      k += v.text;
    }
  }
  return k;
}

}  // namespace

ConditionCompiler::ConditionCompiler(const PolicyAst& ast, MatchProgram& program)
    : ast_(ast), program_(program) {}

void ConditionCompiler::compile_macros() {
  for (const MacroAst& m : ast_.macros) compile_macro(m.name, m.pos);
}

uint32_t ConditionCompiler::compile(const ConditionAst& c) {
  using Kind = ConditionAst::Kind;
  switch (c.kind) {
    case Kind::kField:
      return compile_field(c);
    case Kind::kMacro:
      return compile_macro(c.name, c.pos);
    case Kind::kNot:
      return program_.add_not(compile(c.children[0]));
    case Kind::kAll:
    case Kind::kAny: {
      std::vector<uint32_t> children;
      for (const ConditionAst& child : c.children) children.push_back(compile(child));
      return program_.add_group(
          c.kind == Kind::kAll ? ConditionNode::Kind::kAll : ConditionNode::Kind::kAny, children);
    }
  }
  fail(c.pos, "unknown condition");
}

uint32_t ConditionCompiler::compile_macro(const std::string& name, Pos used_at) {
  if (auto it = macros_.find(name); it != macros_.end()) {
    if (it->second.state == MacroState::kDone) return it->second.node;
    std::string cycle;
    auto from = std::find(macro_stack_.begin(), macro_stack_.end(), name);
    for (auto i = from; i != macro_stack_.end(); ++i) cycle += *i + " -> ";
    fail(used_at, "macro cycle: " + cycle + name);
  }
  const MacroAst* macro = ast_.find_macro(name);
  if (!macro) {
    std::vector<std::string_view> names;
    for (const MacroAst& m : ast_.macros) names.push_back(m.name);
    fail(used_at, "unknown macro '" + name + "'" + suggestion(name, names));
  }
  macros_[name] = {MacroState::kCompiling, 0};
  macro_stack_.push_back(name);
  uint32_t node = compile(macro->condition);
  macro_stack_.pop_back();
  macros_[name] = {MacroState::kDone, node};
  return node;
}

std::vector<ValueAst> ConditionCompiler::expand(const std::vector<ValueAst>& operands) const {
  std::vector<ValueAst> out;
  for (const ValueAst& v : operands) {
    if (!v.list_ref) {
      out.push_back(v);
      continue;
    }
    const NamedListAst* list = ast_.find_list(v.text);
    if (!list) {
      std::vector<std::string_view> names;
      for (const NamedListAst& l : ast_.lists) names.push_back(l.name);
      fail(v.pos, "unknown list '$" + v.text + "'" + suggestion(v.text, names));
    }
    out.insert(out.end(), list->items.begin(), list->items.end());
  }
  return out;
}

uint32_t ConditionCompiler::slot_for(const FieldRef& field, Pos used_at) {
  uint32_t slot = program_.slot_for(field);
  if (slot >= slot_pos_.size()) slot_pos_.push_back(used_at);
  return slot;
}

uint32_t ConditionCompiler::compile_field(const ConditionAst& c) {
  std::string key;
  const FieldSpec* spec = find_field(c.name, &key);
  if (!spec) unknown_field(c);
  const MatcherAst& matcher = c.matcher;
  if (matcher.nocase && spec->type != FieldType::kString)
    fail(matcher.nocase_pos,
         "nocase applies to string fields only; '" + c.name + "' is " + type_name(spec->type));
  uint32_t slot = slot_for(FieldRef{spec->id, key}, c.pos);
  // The same condition on the same field is one predicate, whatever the
  // number of rules naming it: per-event work scales with distinct ones. The
  // key is the condition as written ("$list" references by name); when it is
  // known, its first occurrence compiled without error, so this one would too.
  std::string shape = predicate_key(slot, matcher);
  if (auto it = predicates_.find(shape); it != predicates_.end())
    return program_.add_leaf(it->second);
  FieldMatcher& m = program_.matcher(slot);
  std::vector<uint32_t> ops;
  std::optional<bool> exists;
  for (const OperatorAst& o : matcher.ops) {
    if (!op_allowed(o.op, spec->type))
      fail(o.pos, "operator '" + std::string(op_name(o.op)) + "' does not apply to '" + c.name +
                      "', " + type_name(spec->type) + " (it takes " + type_ops(spec->type) + ")");
    if (o.op == Op::kExists) {
      exists = o.operands[0].text == "true";
      continue;
    }
    uint32_t op = m.add_op();
    for (const ValueAst& v : expand(o.operands))
      add_operand(m, op, o.op, spec->type, v, matcher.nocase);
    ops.push_back(op);
  }
  uint32_t predicate = program_.add_predicate(slot);
  m.add_predicate(predicate, std::move(ops), exists);
  predicates_.emplace(std::move(shape), predicate);
  return program_.add_leaf(predicate);
}

void ConditionCompiler::finish() {
  for (uint32_t slot = 0; slot < program_.slot_count(); ++slot)
    if (Status s = program_.matcher(slot).finish(); !s) {
      const FieldRef& ref = program_.field(slot);
      std::string name(all_fields()[ref.id].name);
      if (!ref.key.empty()) name += "." + ref.key;
      fail(slot_pos_[slot], "'" + name + "': " + s.error().message);
    }
}

}  // namespace yagura::policy
