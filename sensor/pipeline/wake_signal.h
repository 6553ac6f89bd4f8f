// Lets one consumer thread sleep until there is work or a deadline, without
// costing its producers a lock or a system call while it is busy: an "event
// count" for a single waiter. The consumer announces that it is about to
// park, looks for work once more (ready()), and parks only if there is none;
// a producer, after making work visible, looks at the announcement and
// takes the lock to wake the consumer only when it is parked or about to be.
//
// The two sides' seq_cst fences order each side's store before its load, so
// either the consumer's last look sees the producer's work or the producer
// sees the announcement: no wake-up is lost. The lock is taken only on the
// parking path.
//
//   queue.push(item); signal.notify();                      // producer, any thread
//   signal.wait_for(timeout, [&] { return !queue.empty() || stopping; });  // consumer
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace yagura {

class WakeSignal {
 public:
  // A timeout that never expires.
  static constexpr std::chrono::nanoseconds kForever = std::chrono::nanoseconds::max();

  // Any thread, after publishing work that the consumer's ready() sees.
  // While the consumer is not parked: a fence and a load.
  void notify() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (parked_.load(std::memory_order_relaxed)) wake_parked();
  }

  // Consumer thread only. Returns true at once when ready(), checked after
  // announcing the wait; otherwise parks until notify() (true) or until
  // `timeout` passes (false). ready() may be called with no lock held.
  template <typename Ready>
  bool wait_for(std::chrono::nanoseconds timeout, Ready&& ready) {
    parked_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (ready()) {
      parked_.store(false, std::memory_order_relaxed);
      return true;
    }
    return park(timeout);
  }

 private:
  void wake_parked();
  bool park(std::chrono::nanoseconds timeout);

  // True from the consumer's announcement until it returns or a producer
  // wakes it; cleared under mu_ by a producer, so that only the first
  // notify() after parking takes the lock.
  std::atomic<bool> parked_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace yagura
