#include "policy/policy_parser.h"

#include "policy/condition_parser.h"
#include "policy/fields.h"
#include "policy/number_values.h"
#include "policy/policy_error.h"
#include "policy/policy_names.h"
#include "policy/policy_sections.h"
#include "policy/yaml_reader.h"

namespace yagura::policy {

const std::string& check_name(const std::string& name, Pos pos, std::string_view what) {
  if (!valid_name(name))
    fail(pos, "bad " + std::string(what) + " '" + name + "': use letters, digits, '.', '_', '-'");
  return name;
}

void read_lists(const YamlValue& v, PolicyAst& ast) {
  for (const YamlEntry& e : read_mapping(v, "lists", {})) {
    NamedListAst list{check_name(e.key, e.key_pos, "list name"), e.key_pos, {}};
    // An empty list is allowed: a placeholder the fleet fills later.
    if (!(e.value.node.IsSequence() && e.value.node.size() == 0))
      list.items = parse_operands(e.value, "list '" + e.key + "'");
    for (const ValueAst& item : list.items)
      if (item.list_ref) fail(item.pos, "a list cannot name another list");
    ast.lists.push_back(std::move(list));
  }
}

void read_macros(const YamlValue& v, PolicyAst& ast) {
  for (const YamlEntry& e : read_mapping(v, "macros", {})) {
    ast.macros.push_back({check_name(e.key, e.key_pos, "macro name"), e.key_pos,
                          parse_condition(e.value, ListMeaning::kAll, "macro")});
  }
}

uint32_t read_types(const YamlValue& v) {
  uint32_t mask = 0;
  std::vector<ValueAst> names = read_scalars(v, "types");
  for (const ValueAst& n : names) {
    uint32_t bit = event_type_bit(n.text);
    if (!bit)
      fail(n.pos, "unknown event type '" + n.text +
                      "' (expected exec, fork, exit, cred, network, dns, file, tamper)");
    mask |= bit;
  }
  if (!mask) fail(v.pos, "types is empty");
  return mask;
}

namespace {

// T1234 or T1234.567
bool valid_attack_id(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (s.size() == 5) return s[0] == 'T' && digits(1, 4);
  if (s.size() == 9) return s[0] == 'T' && digits(1, 4) && s[5] == '.' && digits(6, 3);
  return false;
}

}  // namespace

std::vector<std::string> read_attack_ids(const YamlValue& v) {
  std::vector<std::string> ids;
  for (const ValueAst& a : read_scalars(v, "attack")) {
    if (!valid_attack_id(a.text))
      fail(a.pos, "bad ATT&CK id '" + a.text + "' (expected T1234 or T1234.001)");
    ids.push_back(a.text);
  }
  return ids;
}

namespace {

// Bounds that keep a token bucket's arithmetic within 64 bits
// (rate_limiter.h) and are far beyond any useful limit.
constexpr uint32_t kMaxRateEvents = 100'000;
constexpr uint64_t kMaxRatePerNs = 24ull * 3'600'000'000'000ull;

void read_header(const YamlValue& v, PolicyAst& ast) {
  auto entries = read_mapping(v, "policy", {"name", "version", "default"});
  const YamlEntry& name = require_entry(entries, "name", v.pos, "policy");
  ast.name = read_scalar(name.value, "policy.name");
  if (ast.name.empty()) fail(name.value.pos, "policy.name is empty");
  const YamlEntry& version = require_entry(entries, "version", v.pos, "policy");
  std::optional<uint64_t> n = parse_unsigned(read_scalar(version.value, "policy.version"));
  if (!n || *n == 0) fail(version.value.pos, "policy.version must be an integer >= 1");
  ast.version = *n;
  if (const YamlEntry* d = find_entry(entries, "default"))
    ast.default_action = read_choice<Action>(d->value, "policy.default",
                                             {{"keep", Action::kKeep}, {"drop", Action::kDrop}});
}

void read_paths(const YamlEntry& e, std::vector<ValueAst>& out, bool users) {
  std::string what = "kernel." + e.key;
  out = read_scalars(e.value, what);
  for (const ValueAst& p : out) {
    if (users) {
      bool ok = !p.text.empty() && p.text.find_first_of(" \t:/") == std::string::npos;
      if (!ok) fail(p.pos, "bad user '" + p.text + "' in " + what + " (a name or a numeric uid)");
    } else if (!p.text.starts_with("/")) {
      fail(p.pos, what + " needs absolute paths, not '" + p.text + "'");
    }
  }
}

void read_kernel(const YamlValue& v, KernelAst& k) {
  for (const YamlEntry& e : read_mapping(v, "kernel",
                                         {"ignore_executables", "ignore_users", "ignore_cgroups",
                                          "watch_writes", "watch_exclude", "watch_reads"})) {
    if (e.key == "ignore_executables") read_paths(e, k.ignore_executables, false);
    if (e.key == "ignore_users") read_paths(e, k.ignore_users, true);
    if (e.key == "ignore_cgroups") read_paths(e, k.ignore_cgroups, false);
    if (e.key == "watch_writes") read_paths(e, k.watch_writes, false);
    if (e.key == "watch_exclude") read_paths(e, k.watch_exclude, false);
    if (e.key == "watch_reads") read_paths(e, k.watch_reads, false);
  }
}

RateLimit read_rate_limit(const YamlValue& v) {
  RateLimit r;
  r.pos = v.pos;
  auto entries = read_mapping(v, "rate_limit", {"events", "per", "by"});
  const YamlEntry& events = require_entry(entries, "events", v.pos, "rate_limit");
  std::optional<uint64_t> n = parse_unsigned(read_scalar(events.value, "rate_limit.events"));
  if (!n || *n == 0 || *n > kMaxRateEvents)
    fail(events.value.pos,
         "bad rate_limit: events must be an integer from 1 to " + std::to_string(kMaxRateEvents));
  r.events = static_cast<uint32_t>(*n);
  const YamlEntry& per = require_entry(entries, "per", v.pos, "rate_limit");
  std::optional<uint64_t> ns =
      parse_duration_ns(read_scalar(per.value, "rate_limit.per"), kMaxRatePerNs);
  if (!ns) fail(per.value.pos, "bad rate_limit: per must be <n>s, <n>m or <n>h, at most 24h");
  r.per_ns = *ns;
  if (const YamlEntry* by = find_entry(entries, "by"))
    r.by_exe = read_choice<bool>(by->value, "rate_limit.by", {{"rule", false}, {"exe", true}});
  return r;
}

RuleAst read_rule(const YamlValue& v) {
  RuleAst r;
  r.pos = v.pos;
  auto entries = read_mapping(v, "rule",
                              {"id", "title", "description", "types", "action", "severity",
                               "attack", "tags", "mode", "when", "except", "rate_limit"});
  const YamlValue& id = require_entry(entries, "id", v.pos, "rule").value;
  r.id = check_name(read_scalar(id, "rule id"), id.pos, "rule id");
  r.id_pos = id.pos;
  const std::string what = "rule '" + r.id + "'";
  r.action = read_choice<Action>(
      require_entry(entries, "action", v.pos, what).value, "action",
      {{"keep", Action::kKeep}, {"drop", Action::kDrop}, {"alert", Action::kAlert}});
  bool alert = r.action == Action::kAlert;
  r.types = kAllTypes;
  for (const YamlEntry& e : entries) {
    if (e.key == "title") r.title = read_scalar(e.value, "title");
    if (e.key == "description") r.description = read_scalar(e.value, "description");
    if (e.key == "types") r.types = read_types(e.value);
    if (e.key == "mode")
      r.mode = read_choice<Mode>(e.value, "mode",
                                 {{"enforce", Mode::kEnforce}, {"shadow", Mode::kShadow}});
    if (e.key == "severity") {
      if (!alert) fail(e.key_pos, "severity is only for alert rules");
      r.severity = read_choice<std::string>(
          e.value, "severity",
          {{"low", "low"}, {"medium", "medium"}, {"high", "high"}, {"critical", "critical"}});
    }
    if (e.key == "attack") r.attack = read_attack_ids(e.value);
    if (e.key == "tags")
      for (const ValueAst& t : read_scalars(e.value, "tags")) r.tags.push_back(t.text);
    if (e.key == "when") r.when = parse_condition(e.value, ListMeaning::kAll, "when");
    if (e.key == "except") {
      if (e.value.node.IsSequence()) {
        for (const YamlValue& item : read_sequence(e.value, "except"))
          r.except.push_back(parse_condition(item, ListMeaning::kRefuse, "except"));
        if (r.except.empty()) fail(e.value.pos, "except is empty: it needs a condition");
      } else {
        r.except.push_back(parse_condition(e.value, ListMeaning::kRefuse, "except"));
      }
    }
    if (e.key == "rate_limit") r.rate_limit = read_rate_limit(e.value);
  }
  if (alert) {
    require_entry(entries, "title", v.pos, "alert " + what);
    require_entry(entries, "severity", v.pos, "alert " + what);
    if (r.title.empty()) fail(find_entry(entries, "title")->value.pos, "title is empty");
  }
  return r;
}

void read_rules(const YamlValue& v, PolicyAst& ast) {
  for (const YamlValue& item : read_sequence(v, "rules")) {
    RuleAst rule = read_rule(item);
    for (const RuleAst& earlier : ast.rules)
      if (earlier.id == rule.id)
        fail(rule.id_pos, "duplicate rule id '" + rule.id + "' (first at line " +
                              std::to_string(earlier.id_pos.line) + ")");
    ast.rules.push_back(std::move(rule));
  }
}

PolicyAst read_policy(const YAML::Node& root, const std::string& file_name) {
  PolicyAst ast;
  ast.file_name = file_name;
  YamlValue doc = yaml_document(root);
  if (root.IsNull()) fail(Pos{1, 1}, "empty policy: it needs 'policy'");
  auto entries =
      read_mapping(doc, "the policy file", {"policy", "lists", "macros", "kernel", "rules"});
  read_header(require_entry(entries, "policy", doc.pos, "the policy file").value, ast);
  // Lists and macros first whatever the key order: rules name them.
  if (const YamlEntry* e = find_entry(entries, "lists")) read_lists(e->value, ast);
  if (const YamlEntry* e = find_entry(entries, "macros")) read_macros(e->value, ast);
  if (const YamlEntry* e = find_entry(entries, "kernel")) read_kernel(e->value, ast.kernel);
  if (const YamlEntry* e = find_entry(entries, "rules")) read_rules(e->value, ast);
  return ast;
}

}  // namespace

Result<PolicyAst> parse_policy(std::string_view yaml_text, const std::string& file_name) {
  try {
    return read_policy(YAML::Load(std::string(yaml_text)), file_name);
  } catch (const PolicyError& e) {
    return to_error(file_name, e);
  } catch (const YAML::Exception& e) {
    Pos pos = e.mark.is_null() ? Pos{1, 1} : Pos{e.mark.line + 1, e.mark.column + 1};
    return Error{location(file_name, pos) + ": " + e.msg};
  }
}

}  // namespace yagura::policy
