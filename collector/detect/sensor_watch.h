// What the collector knows of each sensor's reporting, to tell when a
// sensor is being tampered with: it stopped reporting (a quiet sensor still
// sends a heartbeat batch every minute), it reported lost data or its
// batches jump over sequence numbers, or its policy changed to one the
// collector did not distribute.
//
//   SensorWatch watch;
//   watch.seed(hosts);                                  // at start, from the store
//   for (auto& f : watch.on_batch(batch)) raise(f);
//   for (auto& f : watch.on_tick(now, after_ns)) raise(f);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "collector/detect/detectors.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

struct SensorFinding {
  DetectorKind kind;
  std::string sensor_id;
  HostInfo host;
  uint64_t time_ns = 0;  // UTC
  std::string summary;
  std::string detail;  // what makes this finding distinct (dedup): a range, a hash
  std::string policy_sha256;  // kPolicyChange: the new policy
};

class SensorWatch {
 public:
  // The sensors the store knows, so that one silent since before a restart
  // of the collector is still noticed.
  void seed(const std::vector<HostRecord>& hosts);

  // A batch just stored. Policy changes are reported with the new hash for
  // the caller to check against the policies it distributed.
  std::vector<SensorFinding> on_batch(const IncomingBatch& batch);
  // Sensors silent for more than `after_ns` at `now_ns`, each reported once
  // per silence.
  std::vector<SensorFinding> on_tick(uint64_t now_ns, uint64_t after_ns);

 private:
  struct Sensor {
    HostInfo host;
    uint64_t last_seen_ns = 0;
    uint64_t last_sequence = 0;  // 0: not known
    PolicyRef policy;            // version 0: not known
    bool reported_silent = false;
  };
  std::map<std::string, Sensor> sensors_;
};

}  // namespace yagura::collector
