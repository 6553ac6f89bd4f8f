#include "collector/ingest/arrival_log.h"

#include <catch2/catch.hpp>

using namespace yagura::collector;
using Catch::Matchers::Contains;

TEST_CASE("an arrival names the batch, its events by type, its policy alerts and its gaps",
          "[collector]") {
  IncomingBatch b;
  b.sensor_id = "s1";
  b.sequence = 42;
  b.host.hostname = "web-01";
  EventRecord plain;
  plain.type = "network";
  plain.json = R"({"type":"network"})";
  EventRecord alert;
  alert.type = "exec";
  alert.json = R"({"type":"exec","alerts":[{"id":"exec-from-tmp","severity":"high"}]})";
  b.events = {plain, plain, alert};
  b.gaps.push_back(ReportedGap{.first_sequence = 7, .last_sequence = 9, .events = 300,
                               .reason = "spool_full"});

  const std::string text = describe_arrival(b, StoreOutcome::kStored);
  CHECK_THAT(text, Contains("s1 #42 stored: 3 events (exec 1, network 2), 1 with policy alerts"));
  CHECK_THAT(text, Contains("GAP 7..9 (spool_full, 300 events)"));
  CHECK_THAT(describe_arrival(b, StoreOutcome::kDuplicate), Contains("duplicate"));
  CHECK_THAT(describe_arrival(b, StoreOutcome::kSequenceReused), Contains("NOT STORED"));
}

TEST_CASE("an alert shows its severity, rule, host and tags, summary, lineage and next step",
          "[collector]") {
  Alert a;
  a.id = 7;
  a.rule_id = "reverse-shell.socket-stdio";
  a.title = "Reverse shell";
  a.severity = Severity::kCritical;
  a.hostname = "web-01";
  a.tags = {{"team", "payments"}, {"role", "web"}};
  a.summary = "bash (pid 4242, alice) ran bash -i with stdin on a socket";
  a.lineage = {{"4242:1", 4242, "/bin/bash", "bash -i", "alice"},
               {"4200:1", 4200, "/usr/sbin/sshd", "", ""}};
  a.next_steps = {"yaguractl dump request --sensor web-01 --process 4200:1"};
  const std::string text = describe_alert(a);
  CHECK_THAT(text, Contains("ALERT #7 critical reverse-shell.socket-stdio on web-01 "
                            "[role=web team=payments]: Reverse shell"));
  CHECK_THAT(text, Contains("  bash (pid 4242, alice) ran bash -i with stdin on a socket\n"));
  CHECK_THAT(text, Contains("  lineage: bash -i <- /usr/sbin/sshd\n"));
  CHECK_THAT(text, Contains("  next: yaguractl dump request --sensor web-01 --process 4200:1"));
}
