#include "uploader/health_counters.h"

#include <catch2/catch.hpp>

using namespace yagura;

TEST_CASE("health lines flatten to dotted counters", "[upload]") {
  auto c = flatten_health(
      R"({"type":"health","final":true,"pipeline":{"event_queue":{"dropped":3,"rate":1.5}},)"
      R"("degraded":["x"],"host":{"hostname":"h"}})");
  CHECK(c.at("pipeline.event_queue.dropped") == 3);
  CHECK(c.at("pipeline.event_queue.rate") == 1);
  CHECK(c.at("final") == 1);
  CHECK(c.count("type") == 0);  // strings and arrays are not counters
  CHECK(c.count("degraded") == 0);
  CHECK(c.size() == 3);
  CHECK(flatten_health("not json").empty());
  CHECK(flatten_health("[1,2]").empty());
}
