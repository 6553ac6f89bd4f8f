// The bounded queue from the ring reader to the processing stage: variable-
// size byte records on a Boost.Lockfree spsc_queue of bytes, one producer
// and one consumer. Bounded in bytes, so memory stays fixed however large
// records are; no allocation on push. The producer never waits: a record
// refused by back-pressure (low priority past the watermark, anything that
// does not fit) is shed and counted by type, priority and reason.
// An idle consumer sleeps in wait_for() until a record, its next deadline or
// another thread's notify() (WakeSignal: a queued record costs the producer
// a fence and a load while the consumer is busy).
//
//   RecordQueue q(16 << 20);
//   q.offer(bytes, classify_record(bytes));   // producer: never blocks
//   std::vector<uint8_t> rec;
//   while (q.pop(rec)) handle(rec);           // consumer
//   q.wait_for(timeout, [&] { return stopping; });   // consumer, idle
//   QueueStats s = q.stats();                 // any thread; in bytes
#pragma once

#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>
#include <thread>
#include <vector>

#include "sensor/pipeline/back_pressure.h"
#include "sensor/pipeline/wake_signal.h"

namespace yagura {

class RecordQueue {
 public:
  // Each record costs its length prefix on top of its bytes.
  static constexpr size_t kPrefixBytes = sizeof(uint32_t);

  explicit RecordQueue(size_t capacity_bytes,
                       unsigned low_watermark_percent = kLowPriorityWatermarkPercent)
      : bytes_(capacity_bytes), pressure_(capacity_bytes, low_watermark_percent) {}

  // Producer side. False when shed (counted).
  bool offer(std::span<const uint8_t> record, ItemClass item) {
    const uint32_t len = static_cast<uint32_t>(record.size());
    const size_t used = pressure_.capacity() - bytes_.write_available();
    if (!pressure_.admit(used, kPrefixBytes + len, item)) return false;
    // Admitted, so both pushes fit: only this thread adds bytes.
    uint8_t prefix[kPrefixBytes];
    std::memcpy(prefix, &len, sizeof(len));
    bytes_.push(prefix, sizeof(prefix));
    bytes_.push(record.data(), len);
    ready_.notify();
    return true;
  }

  // Consumer side. False when empty. The producer writes a record's length
  // and bytes in two pushes; after seeing the length, wait for the rest.
  bool pop(std::vector<uint8_t>& out) {
    if (bytes_.read_available() < kPrefixBytes) return false;
    uint8_t prefix[kPrefixBytes];
    bytes_.pop(prefix, sizeof(prefix));
    uint32_t len;
    std::memcpy(&len, prefix, sizeof(len));
    out.resize(len);
    size_t got = 0;
    while (got < len) {
      size_t n = bytes_.pop(out.data() + got, len - got);
      if (n == 0) std::this_thread::yield();
      got += n;
    }
    pressure_.done(1);
    return true;
  }

  // Consumer side.
  bool empty() const { return bytes_.read_available() == 0; }

  // Consumer side: returns at once when a record is queued or also() is
  // true, otherwise sleeps until one is offered, notify() is called, or
  // `timeout` passes (false; WakeSignal::kForever: never).
  template <typename Also>
  bool wait_for(std::chrono::nanoseconds timeout, Also&& also) {
    return ready_.wait_for(timeout, [&] { return !empty() || also(); });
  }
  // Any thread, after making also() true: ends the consumer's wait.
  void notify() { ready_.notify(); }

  QueueStats stats() const { return pressure_.stats(); }

 private:
  boost::lockfree::spsc_queue<uint8_t> bytes_;
  BackPressure pressure_;
  WakeSignal ready_;
};

}  // namespace yagura
