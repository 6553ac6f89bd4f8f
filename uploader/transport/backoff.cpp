#include "uploader/transport/backoff.h"

#include <algorithm>

namespace yagura {

using std::chrono::milliseconds;

Backoff::Backoff(milliseconds initial, milliseconds max, uint64_t seed)
    : initial_(std::max(initial, milliseconds(1))),
      max_(std::max(max, initial_)),
      ceiling_(initial_),
      rng_(seed) {}

milliseconds Backoff::next() {
  const int64_t ceiling = ceiling_.count();
  const int64_t fixed = ceiling / 2;
  std::uniform_int_distribution<int64_t> jitter(0, ceiling - fixed);
  const int64_t delay = std::max<int64_t>(fixed + jitter(rng_), 1);
  // Doubling without overflow: past max/2 the ceiling is simply max.
  ceiling_ = ceiling_ > max_ / 2 ? max_ : ceiling_ * 2;
  return milliseconds(delay);
}

void Backoff::reset() { ceiling_ = initial_; }

}  // namespace yagura
