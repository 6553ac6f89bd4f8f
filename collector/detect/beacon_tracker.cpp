#include "collector/detect/beacon_tracker.h"

namespace yagura::collector {

std::optional<uint64_t> BeaconTracker::offer(const std::string& process_key,
                                             const std::string& destination, uint64_t ktime_ns) {
  const std::string id = process_key + '\x1f' + destination;
  std::deque<uint64_t>* times = series_.find(id);
  if (!times) times = &series_.put(id, {});
  if (!times->empty() && ktime_ns < times->back()) times->clear();  // out of order: start again
  times->push_back(ktime_ns);
  while (times->size() > params_.min_connections) times->pop_front();
  if (times->size() < params_.min_connections) return std::nullopt;

  const uint64_t span = times->back() - times->front();
  const uint64_t mean = span / (times->size() - 1);
  if (mean < params_.min_interval_ns || mean > params_.max_interval_ns) return std::nullopt;
  const uint64_t allowed = mean / 100 * params_.max_jitter_percent;
  for (size_t i = 1; i < times->size(); ++i) {
    const uint64_t interval = (*times)[i] - (*times)[i - 1];
    const uint64_t deviation = interval > mean ? interval - mean : mean - interval;
    if (interval < params_.min_interval_ns || interval > params_.max_interval_ns ||
        deviation > allowed)
      return std::nullopt;
  }
  return mean;
}

}  // namespace yagura::collector
