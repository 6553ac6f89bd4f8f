// Runs the sensor until `stop` is set, as three stages on their own threads
// joined by bounded queues: ring reader -> record queue -> processing
// (decode, enrich, judge, health) -> event queue -> output (JSON lines).
// The calling thread becomes the control thread: signals, reload, periodic
// filter refresh, policy reload; it sleeps until a signal, a change to the
// policy files, a policy the collector offered or the next refresh. On stop
// the reader drains what the kernel already wrote, processing drains its
// queue and releases every event, then writes the final health line, and
// output writes everything before it returns.
//
//   auto signals = DaemonSignals::create();   // before installing the handlers
//   DaemonOptions o;
//   o.config = *load_sensor_config(path);
//   return run_sensor_daemon(o, **signals);
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "common/result.h"
#include "common/unique_fd.h"
#include "sensor/config/sensor_config.h"

namespace yagura {

struct DaemonOptions {
  SensorConfig config;
  std::string config_path;  // re-read on reload; empty: built-in defaults
  std::string ready_file;   // created once capture is live; for scripts and tests
  // Command-line flags over the file's policy section, kept on reload.
  PolicyOverrides policy_overrides;
};

// What the signal handlers ask of the daemon, and the control loop's
// wake-up: a request sets its flag, then writes an eventfd the loop sleeps
// on. Requests are async-signal-safe: an atomic store and a write().
class DaemonSignals {
 public:
  static Result<std::unique_ptr<DaemonSignals>> create();

  // Any thread, and signal handlers.
  void request_stop();
  // Re-read the configuration and apply what can change live: the kernel
  // filter (capture.events, capture.network, filter, files) and the policy.
  void request_reload();
  // Wakes the control loop to look at its work (an offered policy).
  void wake();

  // The control loop. clear_wake() comes before the flags are read, so
  // that a request made after the read leaves the fd readable.
  bool stop_requested() const { return stop_.load(); }
  bool take_reload() { return reload_.exchange(false); }  // requests coalesce
  int wake_fd() const { return wake_fd_.get(); }
  void clear_wake();

 private:
  explicit DaemonSignals(UniqueFd wake_fd) : wake_fd_(std::move(wake_fd)) {}

  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  UniqueFd wake_fd_;  // an eventfd
};

// Returns the process exit code; errors are printed to stderr.
int run_sensor_daemon(const DaemonOptions& options, DaemonSignals& signals);

}  // namespace yagura
