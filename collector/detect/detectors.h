// The built-in analyzers a detections file can name with `detector:`, for
// behaviour that conditions on events cannot express, and their parameters
// (docs/detections.md lists them):
//   beacon             one process connecting to one destination at regular
//                      intervals (beacon_tracker.h)
//   rare_destination   the first contact of any host of the fleet with a
//                      destination (destination_rarity.h)
//   cross_user_ptrace  ptrace attach to a process of another user (the
//                      target's owner comes from the host's process table)
//   sensor_silent      a sensor that stopped reporting (sensor_watch.h)
//   sensor_gap         a sensor that reported lost data, or whose batches
//                      went missing
//   policy_change      a sensor whose policy changed to one the collector
//                      did not distribute
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "common/result.h"
#include "policy/policy_ast.h"

namespace yagura::collector {

enum class DetectorKind : uint8_t {
  kBeacon,
  kRareDestination,
  kCrossUserPtrace,
  kSensorSilent,
  kSensorGap,
  kPolicyChange,
};

struct DetectorSpec {
  std::string_view name;
  DetectorKind kind;
  std::set<std::string_view, std::less<>> params;
};

const DetectorSpec* find_detector(std::string_view name);
// "beacon, rare_destination, ...", for error messages.
std::string detector_names();

// Every detector's parameters, defaults filled in; each detector reads its
// own.
struct DetectorParams {
  // beacon
  uint32_t min_connections = 6;      // connections that make a regular series
  uint32_t max_jitter_percent = 10;  // largest deviation of an interval from their mean
  uint64_t min_interval_ns = 1'000'000'000ull;
  uint64_t max_interval_ns = 3'600'000'000'000ull;
  // rare_destination: no alert until the collector has watched the fleet
  // this long; at most `memory` destinations are remembered.
  uint64_t learning_ns = 24 * 3'600'000'000'000ull;
  uint64_t memory = 100'000;
  // sensor_silent
  uint64_t silent_after_ns = 600'000'000'000ull;
};

// The parameters given (as the parser kept them) over the defaults; an
// Error "file:line:col: ..." for a bad value.
Result<DetectorParams> read_detector_params(
    const std::map<std::string, policy::ValueAst>& given, const std::string& file_name);

}  // namespace yagura::collector
