#include "sensor/pipeline/output_stage.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/pipeline_test_support.h"

namespace yagura {
namespace {

using testing::event_of;
using testing::eventually;
using testing::RecordingOutput;

void offer_event(EventQueue& q, size_t type, uint64_t ktime) {
  Event e = event_of(type, ktime);
  const ItemClass cls = classify_event(e);
  REQUIRE(q.offer(std::make_unique<OutputItem>(std::move(e)), cls));
}

void offer_health(EventQueue& q, std::string line) {
  REQUIRE(q.offer(std::make_unique<OutputItem>(HealthLine{std::move(line)}), kHealthClass));
}

// Counts idle() calls, and says its clock-driven work is due in `due_in`.
class IdleSink final : public OutputSink {
 public:
  void write(const Event&) override {}
  void write_line(std::string_view) override {}
  void flush() override {}
  void idle() override { ++idles; }
  std::chrono::nanoseconds idle_due_in() const override { return due_in; }
  OutputSinkStats stats() const override { return {}; }

  std::atomic<int> idles{0};
  std::chrono::nanoseconds due_in = WakeSignal::kForever;
};

constexpr std::chrono::hours kHour(1);

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

TEST_CASE("output stage: asleep for an hour, it writes what is offered, and stops when asked",
          "[output_stage][pipeline]") {
  EventQueue q(64);
  RecordingOutput sink;
  OutputStage output(q, sink, OutputStageOptions{64, kHour});
  REQUIRE(output.start().ok());
  for (uint64_t t = 1; t <= 3; ++t) {
    offer_event(q, YG_EV_EXEC, t);
    CHECK(eventually([&] { return q.all_done(); }));  // written and flushed
  }
  output.stop();  // wakes it
  CHECK(sink.lines == std::vector<std::string>{"exec@1", "exec@2", "exec@3"});
}

TEST_CASE("output stage: the sink's idle() runs when the sink says it is due, and on wake()",
          "[output_stage][pipeline]") {
  IdleSink sink;
  EventQueue q(8);
  SECTION("due soon: called again and again, long before the stage's hour") {
    sink.due_in = std::chrono::milliseconds(1);
    OutputStage output(q, sink, OutputStageOptions{8, kHour});
    REQUIRE(output.start().ok());
    CHECK(eventually([&] { return sink.idles.load() >= 3; }));
  }
  SECTION("never due: the stage's idle_sleep bounds the wait") {
    OutputStage output(q, sink, OutputStageOptions{8, std::chrono::milliseconds(1)});
    REQUIRE(output.start().ok());
    CHECK(eventually([&] { return sink.idles.load() >= 3; }));
  }
  SECTION("never due, no bound: once at start, then on each wake()") {
    OutputStage output(q, sink, OutputStageOptions{8, WakeSignal::kForever});
    REQUIRE(output.start().ok());
    CHECK(eventually([&] { return sink.idles.load() >= 1; }));
    const int before = sink.idles.load();
    output.wake();
    CHECK(eventually([&] { return sink.idles.load() > before; }));
  }
}

}  // namespace yagura
