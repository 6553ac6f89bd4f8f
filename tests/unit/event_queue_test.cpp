#include "sensor/pipeline/event_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "tests/unit/pipeline_test_support.h"

namespace yagura {
namespace {

using testing::event_of;

constexpr size_t kFull = static_cast<size_t>(ShedReason::kFull);
constexpr size_t kMark = static_cast<size_t>(ShedReason::kWatermark);
constexpr size_t kLowP = static_cast<size_t>(Priority::kLow);
constexpr size_t kHighP = static_cast<size_t>(Priority::kHigh);

bool offer(EventQueue& q, Event event) {
  const ItemClass cls = classify_event(event);
  return q.offer(std::make_unique<OutputItem>(std::move(event)), cls);
}

Event with_alert(Event event) {
  event.verdict.alerts.push_back(std::make_shared<AlertRule>(AlertRule{"r", "t"}));
  return event;
}

uint64_t ktime_of(const OutputItem& item) { return std::get<Event>(item).ktime_ns; }

}  // namespace

TEST_CASE("events: lifecycle, tamper and alerts are high priority", "[event_queue][pipeline]") {
  for (size_t type : {YG_EV_EXEC, YG_EV_FORK, YG_EV_EXIT, YG_EV_CRED, YG_EV_TAMPER}) {
    INFO(item_type_name(type));
    const ItemClass c = classify_event(event_of(type, 1));
    CHECK(c.type == type);
    CHECK(c.priority == Priority::kHigh);
  }
  for (size_t type : {YG_EV_NET, YG_EV_DNS, YG_EV_FILE}) {
    INFO(item_type_name(type));
    CHECK(classify_event(event_of(type, 1)).priority == Priority::kLow);
    const ItemClass alerted = classify_event(with_alert(event_of(type, 1)));
    CHECK(alerted.type == type);
    CHECK(alerted.priority == Priority::kHigh);
  }
  CHECK(kHealthClass.priority == Priority::kHigh);
  CHECK(std::string(item_type_name(kHealthClass.type)) == "health");
}

TEST_CASE("event queue: low shed at the watermark, high until full, counted exactly",
          "[event_queue][pipeline]") {
  // 8 items, the watermark at 6.
  EventQueue q(8);
  uint64_t t = 0;
  for (int i = 0; i < 6; ++i) REQUIRE(offer(q, event_of(YG_EV_NET, ++t)));
  CHECK_FALSE(offer(q, event_of(YG_EV_DNS, 100)));  // past the watermark
  CHECK_FALSE(offer(q, event_of(YG_EV_FILE, 101)));
  // An alert lifts a network event above the watermark.
  REQUIRE(offer(q, with_alert(event_of(YG_EV_NET, ++t))));
  REQUIRE(q.offer(std::make_unique<OutputItem>(HealthLine{"{}"}), kHealthClass));
  // Full: now high priority is shed too, and low is shed as "full".
  CHECK_FALSE(offer(q, event_of(YG_EV_EXEC, 102)));
  CHECK_FALSE(q.offer(std::make_unique<OutputItem>(HealthLine{"{}"}), kHealthClass));
  CHECK_FALSE(offer(q, with_alert(event_of(YG_EV_FILE, 103))));
  CHECK_FALSE(offer(q, event_of(YG_EV_FILE, 104)));

  const QueueStats s = q.stats();
  CHECK(s.capacity == 8);
  CHECK(s.watermark == 6);
  CHECK(s.high_water == 8);
  CHECK(s.in == 8);
  CHECK(s.out == 0);
  CHECK(s.shed[YG_EV_DNS][kMark] == 1);
  CHECK(s.shed[YG_EV_FILE][kMark] == 1);
  CHECK(s.shed[YG_EV_FILE][kFull] == 2);  // one with an alert, one without
  CHECK(s.shed[YG_EV_EXEC][kFull] == 1);
  CHECK(s.shed[kHealthItem][kFull] == 1);
  CHECK(s.shed[YG_EV_NET][kMark] == 0);
  CHECK(s.shed_by_priority[kLowP][kMark] == 2);
  CHECK(s.shed_by_priority[kLowP][kFull] == 1);
  CHECK(s.shed_by_priority[kHighP][kMark] == 0);
  CHECK(s.shed_by_priority[kHighP][kFull] == 3);
  CHECK(s.shed_total() == 6);

  // What went in comes out in order, the health line in its place.
  for (uint64_t want = 1; want <= 7; ++want) {
    auto item = q.pop();
    REQUIRE(item);
    CHECK(ktime_of(*item) == want);
  }
  auto health = q.pop();
  REQUIRE(health);
  CHECK(std::holds_alternative<HealthLine>(*health));
  CHECK_FALSE(q.pop());
}

TEST_CASE("event queue: all_done once the consumer reports every item done",
          "[event_queue][pipeline]") {
  EventQueue q(4);      // the watermark at 3
  CHECK(q.all_done());  // nothing admitted yet
  for (uint64_t t = 1; t <= 3; ++t) REQUIRE(offer(q, event_of(YG_EV_EXEC, t)));
  CHECK_FALSE(offer(q, event_of(YG_EV_NET, 4)));  // past the watermark
  CHECK_FALSE(q.all_done());
  for (int i = 0; i < 3; ++i) REQUIRE(q.pop());
  CHECK_FALSE(q.all_done());  // popped is not done: not yet written
  q.done(2);
  CHECK_FALSE(q.all_done());
  q.done(1);
  CHECK(q.all_done());  // a shed item is not waited for
  CHECK(q.stats().out == 3);
}

TEST_CASE("event queue: items never popped are freed with the queue", "[event_queue][pipeline]") {
  auto rule = std::make_shared<AlertRule>(AlertRule{"r", "t"});
  {
    EventQueue q(4);
    Event e = event_of(YG_EV_NET, 1);
    e.verdict.alerts.push_back(rule);
    REQUIRE(offer(q, std::move(e)));
    CHECK(rule.use_count() == 2);
  }
  CHECK(rule.use_count() == 1);
}

TEST_CASE("event queue: offer() wakes a consumer asleep on the empty queue",
          "[event_queue][pipeline]") {
  constexpr uint64_t kEvents = 20'000;
  EventQueue q(64);
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (uint64_t t = 1; t <= kEvents && !stop.load(); ++t) {
      while (!offer(q, event_of(YG_EV_EXEC, t)) && !stop.load()) std::this_thread::yield();
      if (t % 128 == 0) std::this_thread::yield();  // now and then, let the consumer sleep
    }
  });
  // A bound on the whole run, so a lost wake-up fails the test instead of
  // hanging it; not a timing assertion.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  uint64_t popped = 0, out_of_order = 0;
  while (popped < kEvents) {
    if (auto item = q.pop()) {
      out_of_order += ktime_of(*item) != ++popped;
      q.done(1);
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now > give_up) break;
    q.wait_for(give_up - now, [] { return false; });
  }
  stop = true;
  producer.join();
  CHECK(popped == kEvents);
  CHECK(out_of_order == 0);
}

TEST_CASE("event queue: notify() ends a wait that also() can end", "[event_queue][pipeline]") {
  EventQueue q(8);
  std::atomic<bool> flag{false};
  std::thread other([&] {
    flag = true;
    q.notify();
  });
  // Ended by notify(), before or after it began; a minute bounds a broken
  // wake-up, which then fails.
  CHECK(q.wait_for(std::chrono::minutes(1), [&] { return flag.load(); }));
  other.join();
  CHECK(q.pop() == nullptr);  // nothing was queued
}

}  // namespace yagura
