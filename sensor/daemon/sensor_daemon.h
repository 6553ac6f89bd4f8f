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
  std::string ready_file;  // created once capture is live; for scripts and tests
};

// Returns the process exit code; errors are printed to stderr.
int run_sensor_daemon(const DaemonOptions& options, const std::atomic<bool>& stop);

}  // namespace yagura
