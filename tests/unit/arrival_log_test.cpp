#include "collector/ingest/arrival_log.h"

#include <catch2/catch.hpp>

using namespace yagura::collector;
using Catch::Matchers::Contains;

TEST_CASE("an arrival names the batch, its events by type, its gaps and each alert", "[collector]") {
  IncomingBatch b;
  b.sensor_id = "s1";
  b.sequence = 42;
  b.host.hostname = "web-01";
  b.host.tags = {{"team", "payments"}, {"role", "web"}};
  EventRecord plain;
  plain.type = "network";
  plain.json = R"({"type":"network"})";
  EventRecord alert;
  alert.type = "exec";
  alert.json =
      R"({"type":"exec","process":{"pid":4242,"key":"4242:99","exe":"/tmp/x\udcff"},)"
      R"("parent":{"exe":"/usr/bin/bash"},"alerts":[{"id":"exec-from-tmp",)"
      R"("title":"Execution from a temporary directory","severity":"high"}]})";
  b.events = {plain, plain, alert};
  b.gaps.push_back(ReportedGap{.first_sequence = 7, .last_sequence = 9, .events = 300,
                               .reason = "spool_full"});

  const std::string text = describe_arrival(b, StoreOutcome::kStored);
  CHECK_THAT(text, Contains("s1 #42 stored: 3 events (exec 1, network 2)"));
  CHECK_THAT(text, Contains("GAP 7..9 (spool_full, 300 events)"));
  CHECK_THAT(text, Contains("ALERT high exec-from-tmp \"Execution from a temporary directory\" "
                            "on web-01 [role=web team=payments]: /tmp/x\xff (pid 4242 key "
                            "4242:99) <- /usr/bin/bash"));
  // A batch stored before was shown then: its alerts are not shown twice.
  const std::string again = describe_arrival(b, StoreOutcome::kDuplicate);
  CHECK_THAT(again, Contains("duplicate"));
  CHECK_THAT(again, !Contains("ALERT"));
}
