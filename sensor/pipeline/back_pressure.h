// Back-pressure for one bounded queue of the pipeline: the admission rule
// and the queue's accounting. The producer never waits for room: what it
// may not queue is shed and counted by type, priority and reason, so a gap
// in the output always shows in the health line.
//
// The rule: past the watermark (75% of the capacity by default) only
// high-priority items are admitted; they are refused only when they do not
// fit at all.
//
//   BackPressure bp(capacity);
//   if (bp.admit(used, cost, classify_record(bytes))) push(bytes);  // producer
//   bp.done(1);                                                     // consumer
//   QueueStats s = bp.stats();                                      // any thread
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sensor/pipeline/item_class.h"

namespace yagura {

enum class ShedReason : uint8_t {
  kWatermark = 0,  // low priority, refused to keep the rest for high priority
  kFull = 1,       // no room left for it
};
inline constexpr size_t kShedReasons = 2;
const char* shed_reason_name(ShedReason reason);  // "watermark", "full"

inline constexpr unsigned kLowPriorityWatermarkPercent = 75;

// A counter that one thread writes and any thread reads. With a single
// writer, load-then-store is an exact increment without a locked
// read-modify-write; readers get a recent value (relaxed), which is all a
// health line needs.
class Counter {
 public:
  void add(uint64_t n = 1) {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void raise_to(uint64_t v) {
    if (v > v_.load(std::memory_order_relaxed)) v_.store(v, std::memory_order_relaxed);
  }
  void set(uint64_t v) { v_.store(v, std::memory_order_relaxed); }
  uint64_t load() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// In the queue's own unit: bytes for the record queue, items for the event
// queue.
struct QueueStats {
  uint64_t capacity = 0;
  uint64_t watermark = 0;   // fill level past which low priority is refused
  uint64_t high_water = 0;  // highest fill level an admitted item reached
  uint64_t in = 0;          // items admitted
  uint64_t out = 0;         // items the consumer is done with
  uint64_t shed[kItemTypes][kShedReasons] = {};
  uint64_t shed_by_priority[kPriorities][kShedReasons] = {};

  uint64_t shed_total() const;
  uint64_t shed_of_type(size_t type) const;  // over both reasons
};

class BackPressure {
 public:
  explicit BackPressure(size_t capacity,
                        unsigned low_watermark_percent = kLowPriorityWatermarkPercent);
  BackPressure(const BackPressure&) = delete;
  BackPressure& operator=(const BackPressure&) = delete;

  // Producer thread only. `used` is the fill level as the producer sees it,
  // which can only overstate it (the consumer only frees room), so an
  // admitted item always fits. False: shed, and counted.
  bool admit(size_t used, size_t cost, ItemClass item);

  // Consumer thread only: n more items finished with. A release store, so
  // a thread that sees all_done() also sees what the consumer did before
  // (written, flushed, its counters published).
  void done(size_t n);
  // Every admitted item is done: the queue is empty and its consumer idle.
  // Meaningful on the producer thread, which alone admits.
  bool all_done() const;

  size_t capacity() const { return capacity_; }
  QueueStats stats() const;

 private:
  const size_t capacity_;
  const size_t watermark_;
  Counter in_;
  Counter high_water_;
  std::atomic<uint64_t> out_{0};
  Counter shed_[kItemTypes][kShedReasons];
  Counter shed_by_priority_[kPriorities][kShedReasons];
};

}  // namespace yagura
