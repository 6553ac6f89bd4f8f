#include "sensor/pipeline/wake_signal.h"

namespace yagura {

void WakeSignal::wake_parked() {
  {
    std::lock_guard lock(mu_);
    parked_.store(false, std::memory_order_relaxed);
  }
  cv_.notify_one();
}

bool WakeSignal::park(std::chrono::nanoseconds timeout) {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(mu_);
  // A producer that saw the announcement clears it under the lock: checked
  // under the lock too, its wake-up cannot fall between check and sleep.
  const auto woken = [this] { return !parked_.load(std::memory_order_relaxed); };
  const Clock::time_point now = Clock::now();
  bool notified = true;
  if (timeout >= Clock::time_point::max() - now) {
    cv_.wait(lock, woken);  // now + timeout would overflow: no deadline
  } else {
    notified = cv_.wait_until(lock, now + timeout, woken);
  }
  parked_.store(false, std::memory_order_relaxed);
  return notified;
}

}  // namespace yagura
