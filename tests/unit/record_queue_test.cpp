#include "sensor/pipeline/record_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/record_builder.h"

namespace yagura {
namespace {

constexpr size_t kPrefix = RecordQueue::kPrefixBytes;  // each record's length prefix
// High priority: admitted whenever it fits, so these tests see the queue's
// capacity in bytes.
constexpr ItemClass kHigh{YG_EV_EXEC, Priority::kHigh};
constexpr ItemClass kLow{YG_EV_FILE, Priority::kLow};

// A record whose every byte depends on its seed and position, so a byte
// from the wrong record or offset shows.
std::vector<uint8_t> pattern(size_t size, uint32_t seed) {
  std::vector<uint8_t> out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>(seed * 131 + i * 7 + (i >> 8));
  return out;
}

}  // namespace

TEST_CASE("records of every size come out as they went in, in order", "[record_queue]") {
  RecordQueue q(1 << 20);
  CHECK(q.empty());
  const std::vector<std::vector<uint8_t>> records = {
      pattern(0, 1),          // empty
      pattern(1, 2),          //
      pattern(100, 3),        //
      pattern(60 * 1024, 4),  // the size of a large exec record
      pattern(0, 5),          // empty again, between others
      pattern(3, 6),
  };
  for (const auto& r : records) REQUIRE(q.offer(r, kHigh));
  CHECK_FALSE(q.empty());

  std::vector<uint8_t> out{0xEE, 0xEE};  // stale contents must not survive a pop
  for (size_t i = 0; i < records.size(); ++i) {
    INFO("record " << i << " of size " << records[i].size());
    REQUIRE(q.pop(out));
    CHECK(out == records[i]);
  }
  CHECK(q.empty());
  CHECK_FALSE(q.pop(out));
}

TEST_CASE("offer refuses what does not fit and the queue keeps working", "[record_queue]") {
  constexpr size_t kCapacity = 1024;
  constexpr size_t kRecord = 100;  // 104 bytes with its prefix
  RecordQueue q(kCapacity);

  SECTION("a record larger than the whole queue is refused") {
    CHECK_FALSE(q.offer(pattern(kCapacity, 1), kHigh));
    CHECK_FALSE(q.offer(pattern(kCapacity - kPrefix + 1, 1), kHigh));
    CHECK(q.empty());
    // Exactly the capacity, prefix included, fits.
    const auto whole = pattern(kCapacity - kPrefix, 2);
    REQUIRE(q.offer(whole, kHigh));
    CHECK_FALSE(q.offer({}, kHigh));  // not even an empty record is left room for
    std::vector<uint8_t> out;
    REQUIRE(q.pop(out));
    CHECK(out == whole);
    CHECK(q.empty());
  }

  SECTION("the queue holds what its capacity allows, in bytes") {
    uint32_t pushed = 0;
    while (q.offer(pattern(kRecord, pushed), kHigh)) {
      ++pushed;
      REQUIRE(pushed <= kCapacity);  // a queue that never fills fails here
    }
    CHECK(pushed == kCapacity / (kRecord + kPrefix));  // 9: 936 bytes used
    const size_t left = kCapacity - pushed * (kRecord + kPrefix);
    // A refused push changes nothing: a record that fits the rest still goes in.
    CHECK_FALSE(q.offer(pattern(left - kPrefix + 1, 99), kHigh));
    REQUIRE(q.offer(pattern(left - kPrefix, 99), kHigh));
    CHECK_FALSE(q.offer({}, kHigh));

    std::vector<uint8_t> out;
    for (uint32_t i = 0; i < pushed; ++i) {
      REQUIRE(q.pop(out));
      CHECK(out == pattern(kRecord, i));
    }
    REQUIRE(q.pop(out));
    CHECK(out == pattern(left - kPrefix, 99));
    CHECK_FALSE(q.pop(out));

    // Again, now that the ring's read and write positions are mid-buffer:
    // records wrap around its end and still come out whole.
    for (uint32_t round = 0; round < 20; ++round) {
      const auto a = pattern(300 + round, round);
      const auto b = pattern(500 - round, round + 1000);
      REQUIRE(q.offer(a, kHigh));
      REQUIRE(q.offer(b, kHigh));
      REQUIRE(q.pop(out));
      CHECK(out == a);
      REQUIRE(q.pop(out));
      CHECK(out == b);
    }
    CHECK(q.empty());
  }
}

TEST_CASE(
    "one producer and one consumer thread pass 200k records intact, the consumer asleep "
    "whenever the queue is empty",
    "[record_queue]") {
  constexpr uint32_t kCount = 200'000;
  // Small, so the producer often finds it full and records wrap constantly.
  RecordQueue q(16 * 1024);
  // Sizes from 8 (just the sequence number) to 1031 bytes.
  auto size_of = [](uint32_t seq) { return 8 + (seq * 37u) % 1024; };
  auto make = [&](uint32_t seq) {
    auto r = pattern(size_of(seq), seq);
    const uint64_t tag = seq;
    std::memcpy(r.data(), &tag, sizeof(tag));
    return r;
  };

  // A bound on the whole run, so a lost record or wake-up fails the test
  // instead of hanging it; not a timing assertion.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (uint32_t seq = 0; seq < kCount && !stop.load(std::memory_order_relaxed); ++seq) {
      const auto r = make(seq);
      while (!q.offer(r, kHigh)) {
        if (stop.load(std::memory_order_relaxed)) return;
        std::this_thread::yield();
      }
    }
  });

  uint32_t received = 0;
  uint32_t bad = 0;
  int64_t first_bad = -1;
  std::vector<uint8_t> out;
  while (received < kCount) {
    if (!q.pop(out)) {
      const auto now = std::chrono::steady_clock::now();
      if (now > give_up) break;
      q.wait_for(give_up - now, [] { return false; });  // until offer() wakes it
      continue;
    }
    if (out != make(received)) {
      ++bad;
      if (first_bad < 0) first_bad = received;
    }
    ++received;
  }
  stop.store(true, std::memory_order_relaxed);
  producer.join();

  INFO("first bad record: " << first_bad);
  CHECK(received == kCount);
  // Every refusal the producer met was counted; only whole records went in.
  const QueueStats st = q.stats();
  CHECK(st.in == kCount);
  CHECK(st.out == kCount);
  CHECK(st.shed_total() == st.shed[YG_EV_EXEC][static_cast<size_t>(ShedReason::kFull)]);
  CHECK(bad == 0);
  CHECK(q.empty());
  CHECK_FALSE(q.pop(out));
}

TEST_CASE("record queue: low priority is shed at the watermark, high only when full",
          "[record_queue][pipeline]") {
  constexpr size_t kFull = static_cast<size_t>(ShedReason::kFull);
  constexpr size_t kMark = static_cast<size_t>(ShedReason::kWatermark);
  constexpr size_t kLowP = static_cast<size_t>(Priority::kLow);
  constexpr size_t kHighP = static_cast<size_t>(Priority::kHigh);
  // 1000 bytes, the watermark at 750; each record costs 100 with its prefix.
  RecordQueue q(1000);
  const auto rec = pattern(100 - kPrefix, 7);
  const ItemClass net{YG_EV_NET, Priority::kLow};

  for (int i = 0; i < 7; ++i) REQUIRE(q.offer(rec, kLow));  // 700 bytes
  CHECK_FALSE(q.offer(rec, kLow));                          // 800 > 750
  CHECK_FALSE(q.offer(rec, net));
  for (int i = 0; i < 3; ++i) REQUIRE(q.offer(rec, kHigh));  // up to exactly 1000
  CHECK_FALSE(q.offer(rec, kHigh));                          // full
  CHECK_FALSE(q.offer(rec, kLow));                           // no room at all: full

  QueueStats s = q.stats();
  CHECK(s.capacity == 1000);
  CHECK(s.watermark == 750);
  CHECK(s.high_water == 1000);
  CHECK(s.in == 10);
  CHECK(s.out == 0);
  CHECK(s.shed[YG_EV_FILE][kMark] == 1);
  CHECK(s.shed[YG_EV_FILE][kFull] == 1);
  CHECK(s.shed[YG_EV_NET][kMark] == 1);
  CHECK(s.shed[YG_EV_NET][kFull] == 0);
  CHECK(s.shed[YG_EV_EXEC][kFull] == 1);
  CHECK(s.shed[YG_EV_EXEC][kMark] == 0);
  CHECK(s.shed_by_priority[kLowP][kMark] == 2);
  CHECK(s.shed_by_priority[kLowP][kFull] == 1);
  CHECK(s.shed_by_priority[kHighP][kMark] == 0);
  CHECK(s.shed_by_priority[kHighP][kFull] == 1);
  CHECK(s.shed_total() == 4);
  CHECK(s.shed_of_type(YG_EV_FILE) == 2);

  // Room made below the watermark admits low priority again.
  std::vector<uint8_t> out;
  for (int i = 0; i < 3; ++i) REQUIRE(q.pop(out));
  CHECK_FALSE(q.offer(rec, kLow));  // 700 + 100 is still past the watermark
  REQUIRE(q.pop(out));
  CHECK(q.offer(rec, kLow));  // 600 + 100
  s = q.stats();
  CHECK(s.in == 11);
  CHECK(s.out == 4);
  CHECK(s.shed[YG_EV_FILE][kMark] == 2);
  CHECK(s.shed_total() == 5);
}

TEST_CASE("the reader's classification: lifecycle and tamper high, activity low",
          "[record_queue][pipeline]") {
  auto type_and_priority = [](const std::vector<uint8_t>& record) {
    const ItemClass c = classify_record(record);
    return std::string(item_type_name(c.type)) + "/" + priority_name(c.priority);
  };
  const yg_task task = RecordBuilder::task(1);
  CHECK(type_and_priority(RecordBuilder::exec(RecordBuilder::exec_fixed(1), {})) == "exec/high");
  CHECK(type_and_priority(RecordBuilder::fork(task, 1)) == "fork/high");
  CHECK(type_and_priority(RecordBuilder::exit(task, 0, 1)) == "exit/high");
  CHECK(type_and_priority(RecordBuilder::cred(task, task.creds, YG_CRED_SETUID, 1)) == "cred/high");
  CHECK(type_and_priority(RecordBuilder::tamper(RecordBuilder::tamper_fixed(1, YG_TAMPER_PTRACE),
                                                {})) == "tamper/high");
  CHECK(type_and_priority(RecordBuilder::net(RecordBuilder::net_fixed(1, YG_NET_CONNECT))) ==
        "network/low");
  CHECK(type_and_priority(RecordBuilder::dns(RecordBuilder::dns_fixed(1, YG_DNS_QUERY, "x"))) ==
        "dns/low");
  CHECK(type_and_priority(RecordBuilder::file_event(RecordBuilder::file_event_fixed(1, YG_FOP_OPEN),
                                                    {})) == "file/low");
  // What the reader cannot type goes on to the decoder, which names the fault.
  auto unknown = RecordBuilder::fork(task, 1);
  RecordBuilder::set_type(unknown, YG_EV_TYPE_MAX);
  CHECK(type_and_priority(unknown) == "unknown/high");
  CHECK(type_and_priority(std::vector<uint8_t>(sizeof(yg_header) - 1, YG_EV_NET)) ==
        "unknown/high");
}

}  // namespace yagura
