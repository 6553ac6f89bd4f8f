// Delays between upload retries: exponential backoff with "equal jitter".
// The ceiling starts at `initial` and doubles after every failure up to
// `max`; each delay is half the ceiling plus a random part of up to the other
// half. Why jitter: when a collector comes back after an outage, a whole
// fleet of sensors retries; without it they would all reconnect in the same
// instants and knock it over again. The fixed half keeps a sensor from
// hammering it with near-zero delays. Deterministic for a given seed, so
// tests can replay it. Not thread-safe.
//
//   Backoff backoff(std::chrono::seconds(1), std::chrono::minutes(5), seed);
//   while (!send(batch)) std::this_thread::sleep_for(backoff.next());
//   backoff.reset();
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace yagura {

class Backoff {
 public:
  // `initial` below 1 ms counts as 1 ms, `max` below `initial` as `initial`.
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, uint64_t seed);

  // The delay before the next attempt: within [ceiling/2, ceiling], never
  // 0 and never above max; then the ceiling doubles.
  std::chrono::milliseconds next();
  // After a success: the next delay starts again from `initial`.
  void reset();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds ceiling_;
  std::mt19937_64 rng_;
};

}  // namespace yagura
