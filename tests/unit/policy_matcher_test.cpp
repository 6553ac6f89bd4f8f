// Conditions against events: every operator, nocase, lists, macros,
// all/any/not, absent and list fields, multi-pattern sets, raw bytes, CIDRs.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "policy/policy_compiler.h"
#include "policy/policy_evaluator.h"
#include "tests/unit/fake_fields.h"

using namespace yagura::policy;

namespace {

const char* const kPreamble = R"(policy: {name: t, version: 1, default: drop}
lists:
  shells: [/bin/sh, /bin/bash]
  web: [/usr/sbin/nginx]
  private: [10.0.0.0/8, 192.168.0.0/16, fd00::/8]
  ports: [22, 8000-8100]
  tmp: [/tmp/, /dev/shm/]
macros:
  shell: {process.exe: $shells}
  web_parent: {parent.exe: {in: $web}}
  web_shell: {all: [{macro: shell}, {macro: web_parent}]}
)";

// Whether `when` (flow YAML) holds for the event: a keep rule under a drop
// default keeps exactly the events it matches.
bool holds(const std::string& when, const FakeFields& event) {
  std::string text =
      std::string(kPreamble) + "rules:\n  - id: r\n    action: keep\n    when: " + when + "\n";
  auto policy = compile_policy(text, "m.yaml");
  INFO(when);
  if (!policy) FAIL(policy.error().message);
  PolicyEvaluator evaluator(*policy);
  return evaluator.evaluate(event, 0).keep;
}

struct Case {
  const char* when;
  bool expected;
};

void check_all(const FakeFields& event, std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    INFO("when: " << c.when);
    CHECK(holds(c.when, event) == c.expected);
  }
}

FakeFields curl_exec() {
  return FakeFields("exec", {{"process.exe", {"/usr/bin/curl"}},
                             {"process.args", {"curl", "-sSf", "http://x/install.sh"}},
                             {"process.command_line", {"curl -sSf http://x/install.sh"}},
                             {"process.pid", {"4242"}},
                             {"process.uid", {"0"}},
                             {"process.user", {"root"}},
                             {"parent.exe", {"/usr/sbin/nginx"}},
                             {"snapshot", {"false"}},
                             {"host.tags.env", {"prod"}}});
}

}  // namespace

TEST_CASE("matcher: equality, in and named lists", "[policy]") {
  FakeFields sh("exec", {{"process.exe", {"/bin/sh"}}, {"parent.exe", {"/usr/sbin/nginx"}}});
  check_all(sh, {
                    {"{process.exe: /bin/sh}", true},
                    {"{process.exe: /bin/SH}", false},  // case-sensitive by default
                    {"{process.exe: /bin/s}", false},
                    {"{process.exe: [/bin/bash, /bin/sh]}", true},
                    {"{process.exe: [/bin/bash, /bin/zsh]}", false},
                    {"{process.exe: $shells}", true},
                    {"{process.exe: {in: $shells}}", true},
                    {"{process.exe: {in: [$web, /bin/sh]}}", true},
                    {"{process.exe: {in: [$web]}}", false},
                    {"{process.exe: {eq: /bin/sh}}", true},
                    {"{process.exe: {eq: /BIN/SH, nocase: true}}", true},
                    {"{process.exe: {in: [/usr/BIN/x, /Bin/Sh], nocase: true}}", true},
                    {"{Image: /bin/sh}", true},  // Sigma alias
                    {"{process.exe: /bin/sh, parent.exe: /usr/sbin/nginx}", true},
                    {"{process.exe: /bin/sh, parent.exe: /usr/sbin/apache2}", false},
                });
  FakeFields dollar("exec", {{"process.exe", {"$HOME/x"}}});
  check_all(dollar, {{"{process.exe: $$HOME/x}", true}, {"{process.exe: {prefix: $$HOME}}", true}});
}

TEST_CASE("matcher: string patterns", "[policy]") {
  check_all(curl_exec(),
            {
                {"{process.exe: {prefix: /usr/}}", true},
                {"{process.exe: {prefix: /bin/}}", false},
                {"{process.exe: {prefix: $tmp}}", false},
                {"{process.exe: {suffix: /curl}}", true},
                {"{process.exe: {suffix: [/wget, /curl]}}", true},
                {"{process.exe: {suffix: /cur}}", false},
                {"{process.exe: {contains: bin/cu}}", true},
                {"{process.exe: {contains: BIN}}", false},
                {"{process.exe: {contains: BIN, nocase: true}}", true},
                {"{process.exe: {prefix: /USR/, nocase: true}}", true},
                {"{process.exe: {suffix: CURL, nocase: true}}", true},
                // Special characters are literal in prefix/suffix/contains.
                {"{process.command_line: {contains: 'http://x/install.sh'}}", true},
                {"{process.command_line: {contains: 'http://x/install.s.'}}", false},
                {"{process.exe: {glob: /usr/*}}", true},  // * crosses '/'
                {"{process.exe: {glob: '*/curl'}}", true},
                {"{process.exe: {glob: '/usr/bin/cur?'}}", true},
                {"{process.exe: {glob: '/usr/bin/cu?'}}", false},
                {"{process.exe: {glob: '/usr/bin/[a-d]url'}}", true},
                {"{process.exe: {glob: '/usr/bin/[!c]url'}}", false},
                {"{process.exe: {glob: '/usr/bin/[^c]url'}}", false},
                {"{process.exe: {glob: '/usr/bin/[A-D]URL', nocase: true}}", true},
                {"{process.exe: {glob: '/usr/bin/[A-D]url'}}", false},
                {"{process.exe: {glob: /usr/bin}}", false},         // the whole value
                {"{process.exe: {glob: '/usr/bin/c.rl'}}", false},  // '.' is literal
                {"{process.exe: {regex: 'bin/c.rl'}}", true},       // unanchored search
                {"{process.exe: {regex: '^bin/'}}", false},
                {"{process.exe: {regex: '^/usr/bin/(curl|wget)$'}}", true},
                {"{process.exe: {regex: 'CURL'}}", false},
                {"{process.exe: {regex: 'CURL', nocase: true}}", true},
                {"{process.exe: {prefix: /usr/, suffix: curl}}", true},  // several: all
                {"{process.exe: {prefix: /usr/, suffix: wget}}", false},
                {"{process.exe: {eq: /usr/bin/curl, regex: 'url$'}}", true},
            });
}

TEST_CASE("matcher: one field's patterns share one set, several can match", "[policy]") {
  check_all(curl_exec(),
            {
                {"{all: [{process.exe: {prefix: /usr/}}, {process.exe: {suffix: curl}},"
                 " {process.exe: {contains: bin}}, {process.exe: {glob: '*url'}}]}",
                 true},
                {"{any: [{process.exe: {prefix: /opt/}}, {process.exe: {regex: 'c[u]rl'}}]}", true},
                {"{all: [{process.exe: {prefix: /usr/}}, {process.exe: {suffix: wget}}]}", false},
                {"{process.exe: {contains: [usr, bin, curl, nothing]}}", true},
            });
}

TEST_CASE("matcher: list fields hold when one value satisfies the whole matcher", "[policy]") {
  check_all(curl_exec(), {
                             {"{process.args: -sSf}", true},
                             {"{process.args: {prefix: http}}", true},
                             {"{process.args: {prefix: '-', suffix: f}}", true},
                             // '-' starts one value and '.sh' ends another: no one value does both.
                             {"{process.args: {prefix: '-', suffix: .sh}}", false},
                             {"{process.args: {exists: true}}", true},
                             {"{not: {process.args: wget}}", true},
                         });
}

TEST_CASE("matcher: absent fields satisfy nothing but exists: false", "[policy]") {
  FakeFields bare("exec", {{"process.exe", {"/bin/true"}}});
  check_all(bare, {
                      {"{process.cwd: /}", false},
                      {"{process.cwd: {prefix: /}}", false},
                      {"{process.cwd: {regex: '.*'}}", false},
                      {"{process.cwd: {glob: '*'}}", false},
                      {"{process.pid: {ge: 0}}", false},
                      {"{network.destination.ip: {cidr: 0.0.0.0/0}}", false},
                      {"{process.cwd: {exists: true}}", false},
                      {"{process.cwd: {exists: false}}", true},
                      {"{process.cwd: {exists: false, eq: x}}", false},
                      {"{not: {process.cwd: /}}", true},
                      {"{process.exe: {exists: false}}", false},
                      {"{process.exe: {exists: true}}", true},
                      {"{host.tags.env: prod}", false},
                  });
}

TEST_CASE("matcher: numbers, booleans, tags", "[policy]") {
  check_all(curl_exec(), {
                             {"{process.pid: 4242}", true},
                             {"{process.pid: '04242'}", true},  // compared as numbers
                             {"{process.pid: [1, 4242]}", true},
                             {"{process.pid: {gt: 4241}}", true},
                             {"{process.pid: {gt: 4242}}", false},
                             {"{process.pid: {ge: 4242}}", true},
                             {"{process.pid: {lt: 4242}}", false},
                             {"{process.pid: {le: 4242}}", true},
                             {"{process.pid: {gt: 4000, lt: 5000}}", true},
                             {"{process.pid: {range: 4000-5000}}", true},
                             {"{process.pid: {range: ['1-10', 4242]}}", true},
                             {"{process.pid: {range: '4243-5000'}}", false},
                             {"{process.uid: 0}", true},
                             {"{process.uid: {range: 1000-60000}}", false},
                             {"{snapshot: false}", true},
                             {"{snapshot: true}", false},
                             {"{snapshot: {in: [TRUE, False]}}", true},
                             {"{host.tags.env: prod}", true},
                             {"{host.tags.env: {prefix: pr}}", true},
                             {"{host.tags.role: web}", false},
                         });
  FakeFields tamper("tamper", {{"tamper.result", {"-1"}}, {"network.bytes_sent", {}}});
  check_all(tamper, {{"{tamper.result: {lt: 0}}", true},
                     {"{tamper.result: -1}", true},
                     {"{tamper.result: {range: '-13--1'}}", true},
                     {"{tamper.result: {ge: 0}}", false}});
  FakeFields big("network", {{"network.bytes_sent", {"18446744073709551615"}}});
  check_all(big, {{"{network.bytes_sent: {gt: 9223372036854775807}}", true}});
}

TEST_CASE("matcher: IPv4 and IPv6 CIDRs, mapped addresses", "[policy]") {
  auto connect = [](const char* ip) {
    return FakeFields("network",
                      {{"network.destination.ip", {ip}}, {"network.destination.port", {"8080"}}});
  };
  check_all(connect("10.1.2.3"), {
                                     {"{network.destination.ip: {cidr: 10.0.0.0/8}}", true},
                                     {"{network.destination.ip: {cidr: 10.1.2.3}}", true},
                                     {"{network.destination.ip: {cidr: 10.1.2.4/32}}", false},
                                     {"{network.destination.ip: {cidr: 11.0.0.0/8}}", false},
                                     {"{network.destination.ip: {cidr: $private}}", true},
                                     {"{network.destination.ip: {cidr: '::ffff:0:0/96'}}", true},
                                     {"{network.destination.ip: {cidr: '::/0'}}", true},
                                     {"{network.destination.ip: {cidr: 0.0.0.0/0}}", true},
                                     {"{network.destination.ip: {cidr: '::1/128'}}", false},
                                     {"{network.destination.ip: 10.1.2.3}", true},
                                     {"{network.destination.ip: '::ffff:10.1.2.3'}", true},
                                     {"{network.destination.port: {range: $ports}}", true},
                                     {"{network.destination.port: {in: [80, 443]}}", false},
                                 });
  // An IPv6 socket's mapped peer, if a source gives it unconverted.
  check_all(connect("::ffff:10.1.2.3"), {
                                            {"{network.destination.ip: {cidr: 10.0.0.0/8}}", true},
                                            {"{network.destination.ip: 10.1.2.3}", true},
                                        });
  check_all(connect("fd00::1"), {
                                    {"{network.destination.ip: {cidr: $private}}", true},
                                    {"{network.destination.ip: {cidr: 'fd00::/16'}}", true},
                                    {"{network.destination.ip: {cidr: 'fe80::/10'}}", false},
                                    {"{network.destination.ip: {cidr: 0.0.0.0/0}}", false},
                                    {"{network.destination.ip: 'fd00:0::1'}", true},
                                });
  check_all(connect("::1"), {{"{network.destination.ip: {cidr: '::1/128'}}", true},
                             {"{network.destination.ip: {cidr: 127.0.0.0/8}}", false}});
  check_all(connect("not-an-ip"), {{"{network.destination.ip: {cidr: '::/0'}}", false}});
}

TEST_CASE("matcher: all, any, not, macros, when as a list", "[policy]") {
  FakeFields sh("exec", {{"process.exe", {"/bin/sh"}}, {"parent.exe", {"/usr/sbin/nginx"}}});
  check_all(sh, {
                    {"{macro: shell}", true},
                    {"{macro: web_shell}", true},
                    {"{not: {macro: web_shell}}", false},
                    {"{all: [{macro: shell}, {parent.exe: /usr/sbin/apache2}]}", false},
                    {"{any: [{process.exe: /bin/zsh}, {macro: web_parent}]}", true},
                    {"{any: [{process.exe: /bin/zsh}, {parent.exe: /x}]}", false},
                    {"{not: {any: [{process.exe: /bin/zsh}, {parent.exe: /x}]}}", true},
                    {"{not: {not: {macro: shell}}}", true},
                    {"[{macro: shell}, {macro: web_parent}]", true},
                    {"[{macro: shell}, {parent.exe: /x}]", false},
                    {"{macro: shell, not: {parent.exe: /x}}", true},
                });
}

TEST_CASE("matcher: values are bytes, patterns Latin-1", "[policy]") {
  // Invalid UTF-8 in a path: every byte is one character.
  FakeFields raw("exec", {{"process.exe", {"/tmp/\xff\xfe/x"}}});
  check_all(raw, {
                     {"{process.exe: {prefix: /tmp/}}", true},
                     {"{process.exe: {glob: '/tmp/*/x'}}", true},
                     {"{process.exe: {glob: '/tmp/?"
                      "?/x'}}",
                      true},  // two bytes, two "?" (split: "??/" is a trigraph)
                     {"{process.exe: {glob: '/tmp/?/x'}}", false},
                     {"{process.exe: {regex: '^/tmp/../x$'}}", true},
                     {"{process.exe: {regex: '\\xff\\xfe'}}", true},  // a byte by its code
                     {"{process.exe: {suffix: /x, nocase: true}}", true},
                 });
  // UTF-8 text in the policy matches the same bytes in the value.
  FakeFields utf8("exec", {{"process.exe", {"/home/andr\xc3\xa9/caf\xc3\xa9"}}});
  check_all(utf8, {
                      {"{process.exe: {suffix: \"caf\xc3\xa9\"}}", true},
                      {"{process.exe: {regex: \"andr\xc3\xa9/\"}}", true},
                      {"{process.exe: {glob: \"*/caf\xc3\xa9\"}}", true},
                      {"{process.exe: {glob: '*/caf?"
                       "?'}}",
                       true},  // é is two bytes
                      {"{process.exe: {glob: '*/caf?'}}", false},
                      // nocase folds ASCII only: É (c3 89) is not é (c3 a9).
                      {"{process.exe: {suffix: \"CAF\xc3\xa9\", nocase: true}}", true},
                      {"{process.exe: {suffix: \"CAF\xc3\x89\", nocase: true}}", false},
                  });
  FakeFields nul("exec", {{"process.command_line", {std::string("a\0b", 3)}}});
  check_all(nul, {{"{process.command_line: {contains: \"a\\0b\"}}", true},
                  {"{process.command_line: \"a\\0b\"}", true}});
}

TEST_CASE("matcher: a rule only sees the event types it names", "[policy]") {
  auto policy = compile_policy(std::string(kPreamble) +
                                   "rules:\n  - {id: r, action: keep, types: [network], "
                                   "when: {process.exe: /bin/sh}}\n",
                               "m.yaml");
  REQUIRE(policy);
  PolicyEvaluator evaluator(*policy);
  CHECK_FALSE(evaluator.evaluate(FakeFields("exec", {{"process.exe", {"/bin/sh"}}}), 0).keep);
  CHECK(evaluator.evaluate(FakeFields("network", {{"process.exe", {"/bin/sh"}}}), 0).keep);
  CHECK_FALSE(evaluator.evaluate(FakeFields("unknown", {{"process.exe", {"/bin/sh"}}}), 0).keep);
}

TEST_CASE("matcher: identical conditions share one predicate", "[policy]") {
  std::string text = std::string(kPreamble) + "rules:\n";
  for (int i = 0; i < 500; ++i)
    text += "  - {id: d" + std::to_string(i) +
            ", action: drop, when: {all: [{snapshot: false}, {process.exe: /bin/s" +
            std::to_string(i % 2) + "}]}}\n";
  // Not the same condition: nocase, another operator, a second operator.
  text += "  - {id: k1, action: keep, when: {process.exe: {eq: /BIN/S9, nocase: true}}}\n";
  text += "  - {id: k2, action: keep, when: {process.exe: {prefix: /bin/s}}}\n";
  text += "  - {id: k3, action: keep, when: {process.exe: {prefix: /opt/, suffix: /s9}}}\n";
  auto policy = compile_policy(text, "m.yaml");
  REQUIRE(policy);
  // The preamble's two macro leaves; snapshot: false, /bin/s0, /bin/s1; k1, k2, k3.
  CHECK((*policy)->program().predicate_count() == 2 + 3 + 3);
  PolicyEvaluator evaluator(*policy);
  auto exec = [](const std::string& exe, const std::string& snapshot) {
    return FakeFields("exec", {{"process.exe", {exe}}, {"snapshot", {snapshot}}});
  };
  CHECK_FALSE(evaluator.evaluate(exec("/bin/s1", "false"), 0).keep);  // d1
  CHECK(evaluator.evaluate(exec("/bin/s1", "true"), 0).keep);         // k2, bits reset
  CHECK(evaluator.evaluate(exec("/bin/s9", "false"), 0).keep);        // k1, k2
  CHECK(evaluator.evaluate(exec("/opt/s9", "false"), 0).keep);        // k3
  CHECK_FALSE(evaluator.evaluate(exec("/opt/s8", "false"), 0).keep);  // default drop
  CHECK_FALSE(evaluator.evaluate(exec("/bin/s0", "false"), 0).keep);  // d0
}
