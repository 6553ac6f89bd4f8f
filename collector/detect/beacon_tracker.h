// Periodic connections from one process to one destination: the shape of
// malware checking in with its controller. Keeps, per (process,
// destination), the times of the last `min_connections` connections; a
// series is a beacon when every interval between them lies within
// [min_interval, max_interval] and deviates from their mean by at most
// max_jitter_percent. People and most programs connect irregularly.
//
// Bounded: at most `capacity` series per tracker (one per host), least
// recently used forgotten first.
//
//   BeaconTracker beacons(params, 4096);
//   if (auto period = beacons.offer(process_key, "10.0.0.9:443", ktime_ns)) raise(*period);
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "collector/detect/detectors.h"
#include "collector/detect/lru_map.h"

namespace yagura::collector {

class BeaconTracker {
 public:
  BeaconTracker(const DetectorParams& params, size_t capacity)
      : params_(params), series_(capacity) {}

  // A connection at `ktime_ns`; answers the mean interval when the last
  // min_connections connections of this series are regular.
  std::optional<uint64_t> offer(const std::string& process_key, const std::string& destination,
                                uint64_t ktime_ns);

  size_t size() const { return series_.size(); }
  uint64_t evicted() const { return series_.evicted(); }

 private:
  DetectorParams params_;
  LruMap<std::string, std::deque<uint64_t>> series_;
};

}  // namespace yagura::collector
