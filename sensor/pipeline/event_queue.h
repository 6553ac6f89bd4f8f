// The bounded queue from the processing stage to the output stage: judged
// events and health lines, one producer and one consumer, on a
// Boost.Lockfree spsc_queue. Bounded in items. The producer never waits: an
// item refused by back-pressure (low priority past the watermark, anything
// when full) is shed and counted by type, priority and reason. An idle
// consumer sleeps in wait_for() until an item, its next deadline or another
// thread's notify() (WakeSignal).
//
//   EventQueue q(8192);
//   q.offer(std::make_unique<OutputItem>(std::move(event)), cls);  // producer
//   while (auto item = q.pop()) write(*item);                      // consumer
//   q.wait_for(timeout, [&] { return stopping; });                 // consumer, idle
//   q.done(n);                       // consumer: n popped items written and flushed
//   if (q.all_done()) ...            // producer: the consumer has caught up
#pragma once

#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <variant>

#include "common/event.h"
#include "sensor/pipeline/back_pressure.h"
#include "sensor/pipeline/wake_signal.h"

namespace yagura {

// A health line, rendered where its counters live (the processing thread).
struct HealthLine {
  std::string json;  // one JSON object, no newline
};

using OutputItem = std::variant<Event, HealthLine>;

class EventQueue {
 public:
  explicit EventQueue(size_t capacity,
                      unsigned low_watermark_percent = kLowPriorityWatermarkPercent);
  // Frees what was never popped; both threads are gone by then.
  ~EventQueue();
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // Producer side. False when shed (counted); the item is freed.
  bool offer(std::unique_ptr<OutputItem> item, ItemClass cls);
  // Producer side: every admitted item was popped and reported done.
  bool all_done() const { return pressure_.all_done(); }

  // Consumer side: the oldest item, or null when empty.
  std::unique_ptr<OutputItem> pop();
  // Consumer side: n popped items are finished with. What the consumer did
  // before is visible to a producer that then sees all_done().
  void done(size_t n) { pressure_.done(n); }
  // Consumer side: returns at once when an item is queued or also() is
  // true, otherwise sleeps until one is offered, notify() is called, or
  // `timeout` passes (false; WakeSignal::kForever: never).
  template <typename Also>
  bool wait_for(std::chrono::nanoseconds timeout, Also&& also) {
    return ready_.wait_for(timeout, [&] { return items_.read_available() > 0 || also(); });
  }
  // Any thread, after making also() true: ends the consumer's wait.
  void notify() { ready_.notify(); }

  QueueStats stats() const { return pressure_.stats(); }

 private:
  // Owning pointers: Boost 1.74's spsc_queue copies what it is given, and a
  // pointer is cheap to copy. Ownership passes from offer() to pop().
  boost::lockfree::spsc_queue<OutputItem*> items_;
  BackPressure pressure_;
  WakeSignal ready_;
};

}  // namespace yagura
