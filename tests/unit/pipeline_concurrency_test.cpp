// The queues under load, a producer and a consumer thread each: whatever
// the timing, everything produced is consumed or counted as shed, in order,
// and high priority is shed only when a queue is full.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <thread>
#include <vector>

#include "tests/unit/pipeline_test_support.h"

namespace yagura {
namespace {

using testing::event_of;
using testing::RecordingOutput;

constexpr size_t kMark = static_cast<size_t>(ShedReason::kWatermark);
constexpr size_t kHighP = static_cast<size_t>(Priority::kHigh);

// The types a producer cycles through: as many low as high.
constexpr size_t kTypes[] = {YG_EV_NET,  YG_EV_EXEC, YG_EV_DNS,    YG_EV_FORK,
                             YG_EV_FILE, YG_EV_EXIT, YG_EV_TAMPER, YG_EV_NET};

// A record with a real header (type, size, ktime = sequence number) and a
// body of 0 to 600 bytes.
std::vector<uint8_t> sequenced_record(uint64_t seq) {
  yg_header h{};
  h.type = static_cast<uint16_t>(kTypes[seq % std::size(kTypes)]);
  h.ktime_ns = seq;
  std::vector<uint8_t> r(sizeof(h) + (seq * 37) % 601, static_cast<uint8_t>(seq));
  h.size = static_cast<uint32_t>(r.size());
  std::memcpy(r.data(), &h, sizeof(h));
  return r;
}

}  // namespace

TEST_CASE("record queue under load: produced == consumed + shed, per type, in order",
          "[pipeline][record_queue]") {
  constexpr uint64_t kCount = 100'000;
  RecordQueue q(64 << 10);
  uint64_t offered[kItemTypes] = {};
  std::atomic<bool> produced{false};
  std::thread producer([&] {
    for (uint64_t seq = 1; seq <= kCount; ++seq) {
      const auto r = sequenced_record(seq);
      ++offered[classify_record(r).type];
      q.offer(r, classify_record(r));  // never waits, never retries: as the reader
      // Bursts, as the kernel's wake-ups give them: the queue absorbs most.
      if (seq % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    produced.store(true, std::memory_order_release);
  });

  uint64_t consumed[kItemTypes] = {};
  uint64_t last_seq = 0, out_of_order = 0, corrupt = 0, total = 0;
  std::vector<uint8_t> rec;
  for (;;) {
    const bool done = produced.load(std::memory_order_acquire);
    if (!q.pop(rec)) {
      if (done) break;  // the producer finished before this empty pop
      std::this_thread::yield();
      continue;
    }
    ++total;
    uint64_t seq;
    std::memcpy(&seq, rec.data() + offsetof(yg_header, ktime_ns), sizeof(seq));
    if (seq <= last_seq) ++out_of_order;
    last_seq = seq;
    if (rec != sequenced_record(seq)) ++corrupt;
    ++consumed[classify_record(rec).type];
    // Now and then a slow consumer, so that the queue fills.
    if (total % 16384 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  producer.join();

  const QueueStats s = q.stats();
  INFO("records consumed " << total << ", shed " << s.shed_total());
  CHECK(out_of_order == 0);
  CHECK(corrupt == 0);
  CHECK(s.in == total);
  CHECK(s.out == total);
  CHECK(s.in + s.shed_total() == kCount);
  for (size_t type = 0; type < kItemTypes; ++type) {
    INFO(item_type_name(type));
    CHECK(offered[type] == consumed[type] + s.shed_of_type(type));
  }
  CHECK(s.shed_by_priority[kHighP][kMark] == 0);
  CHECK(s.high_water <= s.capacity);
}

TEST_CASE("event queue under load with the output stage: produced == written + shed",
          "[pipeline][event_queue]") {
  constexpr uint64_t kCount = 100'000;
  EventQueue q(1024);
  RecordingOutput sink;
  // Asleep whenever the queue is empty, for up to an hour: only offer()
  // wakes it.
  OutputStage output(q, sink, OutputStageOptions{32, std::chrono::hours(1)});
  REQUIRE(output.start().ok());
  uint64_t offered[kItemTypes] = {};
  std::thread producer([&] {
    for (uint64_t seq = 1; seq <= kCount; ++seq) {
      Event e = event_of(kTypes[seq % std::size(kTypes)], seq);
      if (seq % 97 == 0) e.verdict.alerts.push_back(std::make_shared<AlertRule>());
      const ItemClass cls = classify_event(e);
      ++offered[cls.type];
      q.offer(std::make_unique<OutputItem>(std::move(e)), cls);
      if (seq % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });
  producer.join();
  // Written without stop(), which would write what is left: no wake-up was
  // lost. Bounded, so that a lost one fails the test instead of hanging it.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!q.all_done() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK(q.all_done());
  output.stop();

  const QueueStats s = q.stats();
  INFO("events written " << s.in << ", shed " << s.shed_total());
  CHECK(s.in == sink.lines.size());
  CHECK(s.out == s.in);
  CHECK(s.in + s.shed_total() == kCount);
  CHECK(output.stats().events == s.in);
  for (size_t type = YG_EV_EXEC; type < YG_EV_TYPE_MAX; ++type) {
    INFO(item_type_name(type));
    uint64_t written = 0;
    for (const std::string& line : sink.lines)
      written += line.rfind(std::string(item_type_name(type)) + "@", 0) == 0;
    CHECK(offered[type] == written + s.shed_of_type(type));
  }
  CHECK(s.shed_by_priority[kHighP][kMark] == 0);
  uint64_t last = 0, out_of_order = 0;
  for (const std::string& line : sink.lines) {
    const uint64_t seq = std::stoull(line.substr(line.find('@') + 1));
    if (seq <= last) ++out_of_order;
    last = seq;
  }
  CHECK(out_of_order == 0);
}

}  // namespace yagura
