#include "sensor/pipeline/record_queue.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace yagura {
namespace {

constexpr size_t kPrefix = sizeof(uint32_t);  // each record's length prefix

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
  for (const auto& r : records) REQUIRE(q.try_push(r));
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

TEST_CASE("try_push refuses what does not fit and the queue keeps working", "[record_queue]") {
  constexpr size_t kCapacity = 1024;
  constexpr size_t kRecord = 100;  // 104 bytes with its prefix
  RecordQueue q(kCapacity);

  SECTION("a record larger than the whole queue is refused") {
    CHECK_FALSE(q.try_push(pattern(kCapacity, 1)));
    CHECK_FALSE(q.try_push(pattern(kCapacity - kPrefix + 1, 1)));
    CHECK(q.empty());
    // Exactly the capacity, prefix included, fits.
    const auto whole = pattern(kCapacity - kPrefix, 2);
    REQUIRE(q.try_push(whole));
    CHECK_FALSE(q.try_push({}));  // not even an empty record is left room for
    std::vector<uint8_t> out;
    REQUIRE(q.pop(out));
    CHECK(out == whole);
    CHECK(q.empty());
  }

  SECTION("the queue holds what its capacity allows, in bytes") {
    uint32_t pushed = 0;
    while (q.try_push(pattern(kRecord, pushed))) {
      ++pushed;
      REQUIRE(pushed <= kCapacity);  // a queue that never fills fails here
    }
    CHECK(pushed == kCapacity / (kRecord + kPrefix));  // 9: 936 bytes used
    const size_t left = kCapacity - pushed * (kRecord + kPrefix);
    // A refused push changes nothing: a record that fits the rest still goes in.
    CHECK_FALSE(q.try_push(pattern(left - kPrefix + 1, 99)));
    REQUIRE(q.try_push(pattern(left - kPrefix, 99)));
    CHECK_FALSE(q.try_push({}));

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
      REQUIRE(q.try_push(a));
      REQUIRE(q.try_push(b));
      REQUIRE(q.pop(out));
      CHECK(out == a);
      REQUIRE(q.pop(out));
      CHECK(out == b);
    }
    CHECK(q.empty());
  }
}

TEST_CASE("one producer and one consumer thread pass 200k records intact", "[record_queue]") {
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

  // A bound on the whole run, so a lost record fails the test instead of
  // hanging it; not a timing assertion.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    for (uint32_t seq = 0; seq < kCount && !stop.load(std::memory_order_relaxed); ++seq) {
      const auto r = make(seq);
      while (!q.try_push(r)) {
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
      if (std::chrono::steady_clock::now() > give_up) break;
      std::this_thread::yield();
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
  CHECK(bad == 0);
  CHECK(q.empty());
  CHECK_FALSE(q.pop(out));
}

}  // namespace yagura
