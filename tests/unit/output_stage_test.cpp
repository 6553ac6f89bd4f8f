#include "sensor/pipeline/output_stage.h"

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/pipeline_test_support.h"

namespace yagura {
namespace {

using testing::event_of;
using testing::RecordingOutput;

void offer_event(EventQueue& q, size_t type, uint64_t ktime) {
  Event e = event_of(type, ktime);
  const ItemClass cls = classify_event(e);
  REQUIRE(q.offer(std::make_unique<OutputItem>(std::move(e)), cls));
}

void offer_health(EventQueue& q, std::string line) {
  REQUIRE(q.offer(std::make_unique<OutputItem>(HealthLine{std::move(line)}), kHealthClass));
}

}  // namespace

TEST_CASE("output stage: writes in order, flushes per batch, then reports done",
          "[output_stage][pipeline]") {
  EventQueue q(64);
  RecordingOutput sink;
  OutputStage output(q, sink);

  CHECK(output.drain(100) == 0);
  CHECK(sink.flushes == 0);  // nothing to flush

  offer_event(q, YG_EV_EXEC, 1);
  offer_event(q, YG_EV_NET, 2);
  offer_health(q, R"({"type":"health"})");
  offer_event(q, YG_EV_FILE, 3);
  CHECK_FALSE(q.all_done());

  CHECK(output.drain(2) == 2);  // at most a batch
  CHECK(sink.flushes == 1);
  CHECK(sink.flushed_lines == 2);
  CHECK_FALSE(q.all_done());
  CHECK(output.drain(100) == 2);
  CHECK(sink.flushes == 2);
  CHECK(q.all_done());

  CHECK(sink.lines ==
        std::vector<std::string>{"exec@1", "network@2", R"({"type":"health"})", "file@3"});
  const OutputStageStats s = output.stats();
  CHECK(s.events == 3);
  CHECK(s.health_lines == 1);
  CHECK(s.sink.lines == 4);  // as the sink reported at the last flush
  CHECK(q.stats().out == 4);
}

TEST_CASE("output stage: stop writes everything still queued", "[output_stage][pipeline]") {
  constexpr uint64_t kEvents = 5000;
  EventQueue q(kEvents + 1);
  RecordingOutput sink;
  OutputStage output(q, sink, OutputStageOptions{64, std::chrono::milliseconds(1)});
  REQUIRE(output.start().ok());
  // The producer side: everything is admitted (the queue holds it all, and
  // every event is high priority).
  for (uint64_t t = 1; t <= kEvents; ++t) offer_event(q, YG_EV_EXEC, t);
  offer_health(q, "final");
  output.stop();

  REQUIRE(sink.lines.size() == kEvents + 1);
  for (uint64_t t = 1; t <= kEvents; ++t) {
    if (sink.lines[t - 1] != "exec@" + std::to_string(t))
      FAIL("line " << t << ": " << sink.lines[t - 1]);
  }
  CHECK(sink.lines.back() == "final");
  CHECK(sink.flushed_lines == kEvents + 1);
  CHECK(output.stats().events == kEvents);
  CHECK(output.stats().health_lines == 1);
  CHECK(q.all_done());
}

}  // namespace yagura
