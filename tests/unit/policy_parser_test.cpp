// Parse and compile errors: each one names the file, line and column of the
// offending node, and says what is wrong.
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "policy/policy_compiler.h"

using namespace yagura::policy;

namespace {

const char* const kHead = "policy: {name: t, version: 1}\n";  // line 1

std::string error_of(const std::string& yaml) {
  auto p = compile_policy(yaml, "p.yaml");
  return p ? std::string("compiled") : p.error().message;
}

// The line an error names, with a caret under its column: what a failing
// check prints, so that a wrong position is obvious.
std::string pointed(const std::string& yaml, const std::string& error) {
  int line = 0, column = 0;
  if (std::sscanf(error.c_str(), "p.yaml:%d:%d:", &line, &column) != 2) return error;
  size_t start = 0;
  for (int i = 1; i < line && start != std::string::npos; ++i) {
    start = yaml.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos) return error;
  std::string text = yaml.substr(start, yaml.find('\n', start) - start);
  return error + "\n" + text + "\n" + std::string(column > 0 ? column - 1 : 0, ' ') + "^";
}

// The error is at `where` ("line:col") and contains `says`.
void expect_error(const std::string& yaml, const std::string& where, const std::string& says) {
  std::string e = error_of(yaml);
  INFO(pointed(yaml, e));
  CHECK(e.rfind("p.yaml:" + where + ": ", 0) == 0);
  CHECK(e.find(says) != std::string::npos);
}

// One rule whose `when` is `cond` (flow YAML), on line 4.
std::string rule_when(const std::string& cond, const std::string& extra = "") {
  return std::string(kHead) + extra +
         "rules:\n"
         "  - id: r\n"
         "    action: keep\n"
         "    when: " +
         cond + "\n";
}

}  // namespace

TEST_CASE("policy errors: YAML syntax", "[policy]") {
  expect_error("policy: {name: t, version: 1\nrules: []\n", "2:6", "end of map flow not found");
  expect_error("policy:\n  name: t\n - x\n", "3:2", "");
}

TEST_CASE("policy errors: unknown keys everywhere", "[policy]") {
  expect_error(std::string(kHead) + "rulez: []\n", "2:1", "unknown key 'rulez'");
  expect_error("policy:\n  name: t\n  version: 1\n  owner: me\n", "4:3", "unknown key 'owner'");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    whn: {}\n", "5:5",
               "unknown key 'whn' in rule");
  expect_error(std::string(kHead) + "kernel:\n  ignore_exes: [/a]\n", "3:3",
               "unknown key 'ignore_exes' in kernel");
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: keep\n    rate_limit: {events: 1, per: 1s, "
                   "key: exe}\n",
               "5:38", "unknown key 'key' in rate_limit");
  expect_error(rule_when("{process.exe: {startswith: /tmp/}}"), "5:26",
               "unknown operator 'startswith'");
}

TEST_CASE("policy errors: duplicate keys", "[policy]") {
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    action: drop\n",
               "5:5", "duplicate key 'action' (first at line 4)");
  expect_error(rule_when("{process.exe: {prefix: /a, prefix: /b}}"), "5:38",
               "duplicate key 'prefix'");
}

TEST_CASE("policy errors: missing required keys", "[policy]") {
  expect_error("rules: []\n", "1:1", "needs 'policy'");
  expect_error("policy: {version: 1}\n", "1:9", "policy needs 'name'");
  expect_error("policy: {name: t}\n", "1:9", "policy needs 'version'");
  expect_error(std::string(kHead) + "rules:\n  - action: keep\n", "3:5", "rule needs 'id'");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n", "3:5", "rule 'r' needs 'action'");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: alert\n    severity: low\n",
               "3:5", "needs 'title'");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: alert\n    title: T\n", "3:5",
               "needs 'severity'");
  expect_error(
      std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    rate_limit: {per: 1s}\n",
      "5:17", "rate_limit needs 'events'");
  expect_error(
      std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    rate_limit: {events: 3}\n",
      "5:17", "rate_limit needs 'per'");
  expect_error("", "1:1", "empty policy");
}

TEST_CASE("policy errors: wrong types", "[policy]") {
  expect_error(std::string(kHead) + "rules: {id: r}\n", "2:8", "rules must be a list");
  expect_error("policy: {name: t, version: abc}\n", "1:28", "integer >= 1");
  expect_error("policy: {name: t, version: 0}\n", "1:28", "integer >= 1");
  expect_error("policy: {name: [a], version: 1}\n", "1:16", "policy.name must be a single value");
  expect_error("policy: {name: t, version: 1, default: maybe}\n", "1:40",
               "bad policy.default 'maybe' (expected keep, drop)");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    tags: {a: b}\n",
               "5:11", "tags must be a single value");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: destroy\n", "4:13",
               "bad action 'destroy'");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    types: [exec, ssh]\n",
               "5:19", "unknown event type 'ssh'");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    mode: dry\n", "5:11",
               "bad mode 'dry'");
  expect_error(std::string(kHead) + "rules:\n  - id: 'a b'\n    action: keep\n", "3:9",
               "bad rule id 'a b'");
  expect_error(rule_when("{process.exe: {exists: maybe}}"), "5:34", "must be true or false");
  expect_error(rule_when("{process.exe: {eq: [a, b]}}"), "5:30", "must be a single value");
  expect_error(rule_when("{process.exe: {in: /bin/sh}}"), "5:30", "takes a list or a $list");
  expect_error(rule_when("{process.exe: {eq: $shells}}", "lists:\n  shells: [/bin/sh]\n"), "7:30",
               "process.exe.eq takes one value, not a list: use in: for a list");
  expect_error(rule_when("{process.pid: {gt: $p}}"), "5:30", "process.pid.gt takes one value");
  expect_error(std::string(kHead) + "rules:\n  - {id: r, action: keep, types: []}\n", "3:34",
               "types is empty");
  expect_error(rule_when("{process.exe: }"), "5:12", "needs a value");
  expect_error(std::string(kHead) + "kernel:\n  ignore_executables: [usr/bin/x]\n", "3:24",
               "needs absolute paths");
  expect_error(std::string(kHead) + "kernel:\n  ignore_users: ['a b']\n", "3:18", "bad user");
}

TEST_CASE("policy errors: fields and operators", "[policy]") {
  expect_error(rule_when("{proces.exe: /bin/sh}"), "5:12",
               "unknown field 'proces.exe' (did you mean 'process.exe'?)");
  expect_error(rule_when("{Imag: /bin/sh}"), "5:12", "(did you mean 'Image'?)");
  expect_error(rule_when("{completely.different: x}"), "5:12",
               "unknown field 'completely.different'");
  CHECK(error_of(rule_when("{completely.different: x}")).find("did you mean") == std::string::npos);
  expect_error(rule_when("{host.tags: x}"), "5:12", "needs a key: host.tags.<key>");
  expect_error(rule_when("{process.exe: {cidr: 10.0.0.0/8}}"), "5:26",
               "operator 'cidr' does not apply to 'process.exe', a string field");
  expect_error(rule_when("{process.pid: {prefix: '1'}}"), "5:26",
               "operator 'prefix' does not apply to 'process.pid', a number field");
  expect_error(rule_when("{process.exe: {gt: 3}}"), "5:26", "operator 'gt' does not apply");
  expect_error(rule_when("{network.destination.ip: {regex: x}}"), "5:37", "an IP field");
  expect_error(rule_when("{snapshot: {contains: t}}"), "5:23", "a bool field");
  expect_error(rule_when("{process.pid: {eq: 1, nocase: true}}"), "5:33",
               "nocase applies to string fields only");
}

TEST_CASE("policy errors: operand syntax", "[policy]") {
  expect_error(rule_when("{process.exe: {regex: 'a(b'}}"), "5:33", "bad regex 'a(b': missing )");
  expect_error(rule_when("{process.exe: {regex: [ok, '*x']}}"), "5:38",
               "bad regex '*x': no argument for repetition operator");
  expect_error(rule_when("{process.exe: {glob: '/tmp/[ab'}}"), "5:32",
               "bad glob '/tmp/[ab': '[' at offset 5 has no closing ']'");
  expect_error(rule_when("{process.exe: {glob: '[z-a]'}}"), "5:32", "range z-a is reversed");
  expect_error(rule_when("{network.destination.ip: {cidr: 10.0.0.0/33}}"), "5:43",
               "bad CIDR '10.0.0.0/33'");
  expect_error(rule_when("{network.destination.ip: {cidr: [::1/128, 300.1.1.1]}}"), "5:53",
               "bad CIDR '300.1.1.1'");
  expect_error(rule_when("{network.destination.ip: 10.0.0.0/8}"), "5:36",
               "bad IP address '10.0.0.0/8' (use cidr: for networks)");
  expect_error(rule_when("{network.destination.port: {range: ['22', 2000-1000]}}"), "5:53",
               "bad range '2000-1000'");
  expect_error(rule_when("{network.destination.port: {range: 1-x}}"), "5:46", "bad range");
  expect_error(rule_when("{process.pid: abc}"), "5:25", "bad number 'abc'");
  expect_error(rule_when("{process.pid: {gt: 1.5}}"), "5:30", "bad number '1.5'");
  expect_error(rule_when("{snapshot: yes}"), "5:22", "expected true or false");
  expect_error(rule_when("{process.exe: '$'}"), "5:25", "bad list reference '$'");
}

TEST_CASE("policy errors: a field's patterns too large for one RE2 set", "[policy]") {
  std::string text = std::string(kHead) +
                     "rules:\n  - id: r\n    action: keep\n    when:\n"
                     "      process.exe:\n        regex:\n";
  // Each pattern compiles alone; together they pass the set's memory bound.
  for (int i = 0; i < 1100; ++i) text += "          - '" + std::to_string(i) + "[a-z]{1000}'\n";
  expect_error(text, "6:7", "'process.exe': too many or too large patterns for one RE2 set");
}

TEST_CASE("policy errors: lists and macros", "[policy]") {
  const std::string lists =
      "lists:\n  shells: [/bin/sh]\n";  // lines 2-3: the rule's when is line 7
  expect_error(rule_when("{process.exe: $shels}", lists), "7:25",
               "unknown list '$shels' (did you mean 'shells'?)");
  expect_error(rule_when("{process.exe: {in: [$shells, $other]}}", lists), "7:40",
               "unknown list '$other'");
  expect_error(rule_when("{process.exe: $x}", "lists:\n  x: [$y]\n"), "3:7",
               "a list cannot name another list");
  expect_error(rule_when("{process.pid: $shells}", lists), "3:12", "bad number '/bin/sh'");
  expect_error(rule_when("{macro: shel}", "macros:\n  shell: {process.exe: /bin/sh}\n"), "7:19",
               "unknown macro 'shel' (did you mean 'shell'?)");
  expect_error(rule_when("{macro: a}",
                         "macros:\n  a: {macro: b}\n  b: {any: [{macro: c}]}\n  c: {macro: a}\n"),
               "5:14", "macro cycle: a -> b -> c -> a");
  expect_error(rule_when("{macro: a}", "macros:\n  a: {macro: a}\n"), "3:14",
               "macro cycle: a -> a");
  // An unused macro is still checked.
  expect_error(std::string(kHead) + "macros:\n  m: {file.pth: x}\n", "3:7", "unknown field");
  expect_error(std::string(kHead) + "macros:\n  'bad name': {file.path: x}\n", "3:3",
               "bad macro name");
}

TEST_CASE("policy errors: rules", "[policy]") {
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: keep\n  - id: s\n    action: keep\n"
                   "  - id: r\n    action: drop\n",
               "7:9", "duplicate rule id 'r' (first at line 3)");
  expect_error(
      std::string(kHead) + "rules:\n  - {id: r, action: alert, title: T, severity: severe}\n",
      "3:48", "bad severity 'severe' (expected low, medium, high, critical)");
  expect_error(std::string(kHead) + "rules:\n  - {id: r, action: keep, severity: low}\n", "3:27",
               "severity is only for alert rules");
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: alert\n    title: T\n    severity: low\n"
                   "    attack: [T1059.004, T59, T1059.4]\n",
               "7:25", "bad ATT&CK id 'T59' (expected T1234 or T1234.001)");
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: keep\n    rate_limit: {events: 0, per: 1s}\n",
               "5:26", "bad rate_limit: events must be an integer from 1 to 100000");
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: keep\n    rate_limit: {events: 5, per: 10x}\n",
               "5:34", "bad rate_limit: per must be <n>s, <n>m or <n>h");
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: keep\n    rate_limit: {events: 5, per: 25h}\n",
               "5:34", "at most 24h");
  expect_error(std::string(kHead) +
                   "rules:\n  - id: r\n    action: keep\n"
                   "    rate_limit: {events: 5, per: 1m, by: host}\n",
               "5:42", "bad rate_limit.by 'host' (expected rule, exe)");
}

TEST_CASE("policy errors: conditions", "[policy]") {
  expect_error(rule_when("{all: []}"), "5:17", "all is empty");
  expect_error(rule_when("{any: []}"), "5:17", "any is empty");
  expect_error(rule_when("[]"), "5:11", "when is empty");
  expect_error(rule_when("{}"), "5:11", "when is an empty condition");
  expect_error(rule_when("{not: [{process.exe: a}]}"), "5:17", "not takes one condition");
  expect_error(rule_when("{any: [[{process.exe: a}]]}"), "5:18", "any takes one condition");
  expect_error(rule_when("{process.exe: {nocase: true}}"), "5:25", "'process.exe' has no operator");
  expect_error(rule_when("{process.exe: []}"), "5:25", "process.exe has an empty list");
  expect_error(rule_when("x"), "5:11", "when must be a condition");
  expect_error(std::string(kHead) + "rules:\n  - id: r\n    action: keep\n    except: []\n", "5:13",
               "except is empty");
}

TEST_CASE("a valid policy exposes its header, kernel requests and rules", "[policy]") {
  const std::string text = R"(policy:
  name: acme-linux
  version: 42
  default: drop
lists:
  shells: [/bin/sh, /bin/bash, /usr/bin/bash, /bin/dash, /usr/bin/dash]
macros:
  shell: {process.exe: {in: $shells}}
kernel:
  ignore_executables: [/usr/bin/node_exporter]
  ignore_users: [backup, 34]
  ignore_cgroups: [/system.slice/backup.service]
  watch_writes: [/etc/cron, /root/.ssh/]
  watch_exclude: [/var/log/journal/]
  watch_reads: [/etc/shadow]
rules:
  - id: shell-from-web-server
    title: Shell spawned by a web server
    description: free text
    types: [exec]
    action: alert
    severity: high
    attack: [T1505.003, T1059.004]
    tags: [webshell]
    mode: shadow
    when:
      all:
        - macro: shell
        - parent.exe: {in: [/usr/sbin/nginx, /usr/sbin/apache2]}
    except:
      - process.command_line: {prefix: "/bin/sh -c /usr/lib/cgi-bin/"}
    rate_limit: {events: 10, per: 60s, by: exe}
  - id: keep-all
    action: keep
)";
  auto p = compile_policy(text, "acme.yaml");
  REQUIRE(p);
  const CompiledPolicy& policy = **p;
  CHECK(policy.name() == "acme-linux");
  CHECK(policy.version() == 42);
  CHECK(policy.default_action() == Action::kDrop);
  CHECK(policy.sha256().size() == 64);
  CHECK(policy.sha256().find_first_not_of("0123456789abcdef") == std::string::npos);
  auto other = compile_policy(text + "\n", "acme.yaml");
  REQUIRE(other);
  CHECK((*other)->sha256() != policy.sha256());  // of the exact text

  const KernelRequests& k = policy.kernel();
  CHECK(k.ignore_executables == std::vector<std::string>{"/usr/bin/node_exporter"});
  CHECK(k.ignore_users == std::vector<std::string>{"backup", "34"});
  CHECK(k.ignore_cgroups == std::vector<std::string>{"/system.slice/backup.service"});
  CHECK(k.watch_writes == std::vector<std::string>{"/etc/cron", "/root/.ssh/"});
  CHECK(k.watch_exclude == std::vector<std::string>{"/var/log/journal/"});
  CHECK(k.watch_reads == std::vector<std::string>{"/etc/shadow"});

  REQUIRE(policy.rules().size() == 2);
  const RuleInfo& r = policy.rules()[0];
  CHECK(r.id == "shell-from-web-server");
  CHECK(r.action == Action::kAlert);
  CHECK(r.mode == Mode::kShadow);
  CHECK(r.types == kExecBit);
  CHECK(r.location == "acme.yaml:17:5");
  REQUIRE(r.alert);
  CHECK(r.alert->id == "shell-from-web-server");
  CHECK(r.alert->title == "Shell spawned by a web server");
  CHECK(r.alert->severity == "high");
  CHECK(r.alert->attack == std::vector<std::string>{"T1505.003", "T1059.004"});
  CHECK(r.alert->tags == std::vector<std::string>{"webshell"});
  REQUIRE(r.rate_limit);
  CHECK(r.rate_limit->events == 10);
  CHECK(r.rate_limit->per_ns == 60'000'000'000ull);
  CHECK(r.rate_limit->by_exe);
  const RuleInfo& keep = policy.rules()[1];
  CHECK(keep.types == kAllTypes);
  CHECK(keep.mode == Mode::kEnforce);
  CHECK_FALSE(keep.alert);
  CHECK(policy.rules_for_type(kExecBit).size() == 2);
  CHECK(policy.rules_for_type(kNetworkBit).size() == 1);
  CHECK(policy.rules_for_type(0).empty());
  CHECK(policy.rules_for_type(kExecBit | kForkBit).empty());
}

TEST_CASE("YAML booleans and $$ escapes read as intended", "[policy]") {
  CHECK(error_of(rule_when("{snapshot: true}")) == "compiled");
  CHECK(error_of(rule_when("{snapshot: {in: [True, FALSE]}}")) == "compiled");
  CHECK(error_of(rule_when("{process.exe: $$HOME}")) == "compiled");
  // A policy without rules is valid: it may only carry kernel requests.
  CHECK(error_of(std::string(kHead) + "kernel: {watch_reads: [/etc/shadow]}\n") == "compiled");
}
