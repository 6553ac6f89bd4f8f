// Runs the sensor: capture -> ring reader -> record queue -> processing ->
// JSON lines, plus periodic health lines, until `stop` is set. On stop the
// reader drains what the kernel already wrote and every queued event is
// written before it returns.
#pragma once

#include <atomic>
#include <string>

#include "sensor/config/sensor_config.h"

namespace yagura {

struct DaemonOptions {
  SensorConfig config;
  std::string config_path;  // re-read on reload; empty: built-in defaults
  std::string ready_file;   // created once capture is live; for scripts and tests
};

// Set by the signal handlers; the daemon acts on them from its loop.
struct DaemonSignals {
  std::atomic<bool> stop{false};
  // Re-read the configuration and apply what can change live: the kernel
  // filter (capture.events, capture.network, filter, files).
  std::atomic<bool> reload{false};
};

// Returns the process exit code; errors are printed to stderr.
int run_sensor_daemon(const DaemonOptions& options, DaemonSignals& signals);

}  // namespace yagura
