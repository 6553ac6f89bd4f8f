// The detections file: the built-in set compiles and documents itself;
// mistakes are refused with the place and the reason.
#include <catch2/catch.hpp>
#include <string>

#include "collector/detect/detection_rules.h"

namespace yagura::collector {
namespace {

std::string compile_error(const std::string& text) {
  auto r = compile_detections(text, "d.yaml");
  REQUIRE_FALSE(r);
  return r.error().message;
}

const std::string kHeader = "detections: {name: t, version: 1}\n";

TEST_CASE("detections: the built-in set compiles, each rule with ATT&CK ids and a title",
          "[collector][detect]") {
  auto rules = compile_detections(builtin_detections_text(), "builtin");
  INFO((rules ? "" : rules.error().message));
  REQUIRE(rules);
  REQUIRE((*rules)->rules.size() >= 25);
  for (const DetectionRule& r : (*rules)->rules) {
    INFO(r.id);
    CHECK_FALSE(r.attack.empty());
    CHECK_FALSE(r.title.empty());
  }
  const DetectionRule* shell = (*rules)->find("reverse-shell.after-connect");
  REQUIRE(shell);
  CHECK(shell->kind == RuleKind::kSequence);
  CHECK(shell->group == "reverse-shell");
  CHECK(shell->steps.size() == 2);
  CHECK(shell->steps[1].by == StepRelation::kDescendant);
  const DetectionRule* beacon = (*rules)->find("c2.beaconing");
  REQUIRE(beacon);
  CHECK(beacon->detector == DetectorKind::kBeacon);
  CHECK(beacon->params.min_connections == 6);
  CHECK((*rules)->tree_roots.count("/usr/sbin/sshd") == 1);
}

TEST_CASE("detections: the policy language's conditions, lists and macros", "[collector][detect]") {
  auto rules = compile_detections(kHeader + R"(
lists: {tools: [/usr/bin/curl]}
macros: {tool: {process.exe: {in: $tools}}}
rules:
  - {id: a, title: A, severity: low, attack: [T1105], types: [exec], when: {macro: tool}}
)",
                                  "d.yaml");
  REQUIRE(rules);
  CHECK((*rules)->rules[0].kind == RuleKind::kEvent);
  CHECK((*rules)->rules[0].severity == Severity::kLow);
  CHECK((*rules)->rules[0].group == "a");
}

TEST_CASE("detections: mistakes are refused where they are", "[collector][detect]") {
  CHECK_THAT(compile_error(kHeader + "rules: [{id: a, title: A, severity: low, when: {proces.exe: x}}]"),
             Catch::Contains("d.yaml:2:") && Catch::Contains("proces.exe"));
  CHECK_THAT(compile_error(kHeader + "rules: [{id: a, title: A, severity: low, detector: nope}]"),
             Catch::Contains("unknown detector 'nope'"));
  CHECK_THAT(compile_error(kHeader +
                           "rules: [{id: a, title: A, severity: low, detector: beacon, "
                           "params: {min_connections: 1}}]"),
             Catch::Contains("bad min_connections '1'"));
  CHECK_THAT(compile_error(kHeader +
                           "rules: [{id: a, title: A, severity: low, detector: beacon, "
                           "params: {period: 1s}}]"),
             Catch::Contains("no parameter 'period'"));
  CHECK_THAT(compile_error(kHeader +
                           "rules: [{id: a, title: A, severity: low, sequence: {within: 1m, "
                           "steps: [{types: [exec]}]}}]"),
             Catch::Contains("at least two steps"));
  CHECK_THAT(compile_error(kHeader +
                           "rules: [{id: a, title: A, severity: low, sequence: {within: 1m, "
                           "steps: [{by: child}, {types: [exec]}]}}]"),
             Catch::Contains("the first step has no 'by'"));
  CHECK_THAT(compile_error(kHeader +
                           "rules: [{id: a, title: A, severity: low, sequence: {within: 1m, "
                           "steps: [{key: file.pth}, {key: file.path}]}}]"),
             Catch::Contains("unknown field 'file.pth'"));
  CHECK_THAT(compile_error(kHeader + "rules: [{id: a, title: A, severity: urgent}]"),
             Catch::Contains("bad severity 'urgent'"));
  CHECK_THAT(compile_error(kHeader + "rules: [{id: a, title: A, severity: low, attack: [X1]}]"),
             Catch::Contains("bad ATT&CK id 'X1'"));
  CHECK_THAT(compile_error(kHeader + "rules: [{id: a, title: A, severity: low}, "
                                     "{id: a, title: B, severity: low}]"),
             Catch::Contains("duplicate rule id 'a'"));
  CHECK_THAT(compile_error("rules: []"), Catch::Contains("needs 'detections'"));
}

}  // namespace
}  // namespace yagura::collector
