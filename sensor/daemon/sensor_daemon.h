// Runs the sensor until `stop` is set, as three stages on their own threads
// joined by bounded queues: ring reader -> record queue -> processing
// (decode, enrich, judge, health) -> event queue -> output (JSON lines).
// The calling thread becomes the control thread: signals, reload, periodic
// filter refresh, policy reload. On stop the reader drains what the kernel already wrote,
// processing drains its queue and releases every event, then writes the
// final health line, and output writes everything before it returns.
//
//   DaemonOptions o;
//   o.config = *load_sensor_config(path);
//   return run_sensor_daemon(o, signals);
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "sensor/config/sensor_config.h"

namespace yagura {

struct DaemonOptions {
  SensorConfig config;
  std::string config_path;  // re-read on reload; empty: built-in defaults
  std::string ready_file;   // created once capture is live; for scripts and tests
  // Command-line flags over the file's policy section, kept on reload.
  PolicyOverrides policy_overrides;
};

// Set by the signal handlers; the daemon acts on them from its loop.
struct DaemonSignals {
  std::atomic<bool> stop{false};
  // Re-read the configuration and apply what can change live: the kernel
  // filter (capture.events, capture.network, filter, files) and the policy.
  std::atomic<bool> reload{false};
};

// Returns the process exit code; errors are printed to stderr.
int run_sensor_daemon(const DaemonOptions& options, DaemonSignals& signals);

}  // namespace yagura
