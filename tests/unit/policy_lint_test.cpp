// Lint: each warning, with its position, and none for a clean policy.
#include "policy/policy_lint.h"

#include <catch2/catch.hpp>
#include <string>

#include "policy/policy_compiler.h"

using namespace yagura::policy;

namespace {

std::vector<std::string> lint(const std::string& body) {
  auto p = compile_policy("policy: {name: t, version: 1}\n" + body, "l.yaml");
  INFO(body);
  if (!p) FAIL(p.error().message);
  return lint_policy(**p);
}

}  // namespace

TEST_CASE("lint: a clean policy has no warnings", "[policy]") {
  CHECK(lint(R"(lists:
  shells: [/bin/sh]
macros:
  shell: {process.exe: $shells}
rules:
  - {id: a, action: alert, title: T, severity: low, types: [exec], when: {macro: shell}}
  - {id: d, action: drop, types: [file], when: {file.path: {prefix: /var/log/}}}
  - {id: k, action: keep}
)")
            .empty());
}

TEST_CASE("lint: keep/drop rules after a catch-all can never act", "[policy]") {
  auto w = lint(R"(rules:
  - {id: drop-net, action: drop, types: [network]}
  - {id: drop-dns, action: drop, types: [dns]}
  - {id: keep-web, action: keep, types: [network, dns], when: {process.exe: /usr/sbin/nginx}}
  - {id: keep-exec, action: keep, types: [exec, network], when: {process.exe: /x}}
  - {id: alert-net, action: alert, title: T, severity: low, types: [network]}
  - {id: limited, action: drop, types: [exec], rate_limit: {events: 1, per: 1s}}
  - {id: after-limited, action: keep, types: [exec]}
)");
  REQUIRE(w.size() == 1);
  CHECK(w[0] ==
        "l.yaml:5:5: warning: rule 'keep-web' can never act: rule 'drop-net' (line 3) already "
        "decides every event of its types");
}

TEST_CASE("lint: a condition on a field the rule's types never carry", "[policy]") {
  auto w = lint(R"(macros:
  written: {file.path: {prefix: /etc/}}
rules:
  - id: r
    action: alert
    title: T
    severity: low
    types: [exec]
    when: {any: [{process.exe: /bin/sh}, {macro: written}]}
    except: {network.destination.port: 22}
)");
  REQUIRE(w.size() == 2);
  CHECK(w[0] ==
        "l.yaml:3:13: warning: rule 'r': 'file.path' is never set on exec events: this "
        "condition tests an absent field");
  CHECK(w[1] ==
        "l.yaml:11:14: warning: rule 'r': 'network.destination.port' is never set on exec "
        "events: this condition tests an absent field");
}

TEST_CASE("lint: a rule whose types cannot carry a field it requires", "[policy]") {
  auto w = lint(R"(rules:
  - {id: some, action: alert, title: T, severity: low, types: [exec, file],
     when: {file.path: /etc/passwd}}
  - {id: untyped, action: keep, when: {all: [{network.destination.port: 22}, {process.exe: /x}]}}
  - {id: none, action: keep, when: [{network.destination.port: 22}, {file.path: /x}]}
  - {id: optional, action: keep, when: {any: [{file.path: /x}, {process.exe: /x}]}}
  - {id: absent, action: keep, when: {file.path: {exists: false}}}
)");
  REQUIRE(w.size() == 3);
  CHECK(w[0] ==
        "l.yaml:3:5: warning: rule 'some' can only match file events (its condition requires "
        "fields the others never carry): say so with types: [file]");
  CHECK(w[1].rfind("l.yaml:5:5: warning: rule 'untyped' can only match network events", 0) == 0);
  CHECK(w[2] ==
        "l.yaml:6:5: warning: rule 'none' can never match: its condition requires fields that "
        "no exec, fork, exit, cred, network, dns, file, tamper event carries");
}

TEST_CASE("lint: unused lists and macros", "[policy]") {
  auto w = lint(R"(lists:
  used: [/a]
  unused: [/b]
  by_macro: [/c]
macros:
  m1: {process.exe: $by_macro}
  lonely: {macro: m1}
rules:
  - {id: r, action: keep, when: {process.exe: $used}}
)");
  REQUIRE(w.size() == 2);
  CHECK(w[0] == "l.yaml:4:3: warning: list 'unused' is never used");
  CHECK(w[1] == "l.yaml:8:3: warning: macro 'lonely' is never used");
}

TEST_CASE("lint: drops the kernel could decide", "[policy]") {
  auto w = lint(R"(macros:
  exporter: {process.exe: /usr/bin/node_exporter}
rules:
  - {id: k1, action: drop, types: [network, dns], when: {Image: [/usr/bin/a, /usr/bin/b]}}
  - {id: k2, action: drop, types: [file], when: {any: [{macro: exporter}, {process.user: backup}]}}
  - {id: exec-too, action: drop, when: {process.exe: /usr/bin/a}}
  - {id: prefix, action: drop, types: [file], when: {process.exe: {prefix: /usr/}}}
  - {id: both, action: drop, types: [file], when: {process.exe: /a, process.user: b}}
  - {id: shadow, action: drop, mode: shadow, types: [file], when: {process.exe: /a}}
  - {id: nocase, action: drop, types: [file], when: {process.exe: {eq: /a, nocase: true}}}
)");
  REQUIRE(w.size() == 2);
  CHECK(w[0] ==
        "l.yaml:5:5: warning: rule 'k1' could be decided in the kernel: move it to "
        "kernel.ignore_executables/ignore_users");
  CHECK(w[1].rfind("l.yaml:6:5: warning: rule 'k2' could be decided in the kernel", 0) == 0);
}
