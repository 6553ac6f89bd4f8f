// Delivers stored alerts to the CSIRT's outputs: JSON lines on stdout, a
// JSON lines file, and webhooks (HTTP POST of the alert JSON), each webhook
// routed by severity and host tags so every team's channel gets its own
// servers.
//
// deliver() is called from the ingest thread and never waits for an
// output: it serializes the alert once and queues it for each output that
// wants it. Every output has its own bounded queue and its own thread, so
// a slow disk or a dead endpoint delays nothing else; a full queue drops
// the alert for that output and counts it (the alert is in the store
// anyway, the API still lists it). Webhooks retry connection errors, 5xx
// and 429 with exponential backoff and jitter up to max_attempts; any other
// answer is final and counted as failed.
//
// stop() (or the destructor) keeps delivering what is queued until the
// queues are empty or config.stop_timeout has passed; what is left then is
// counted as dropped, and an attempt in flight is cut short at the deadline.
//
//   auto dispatcher = AlertDispatcher::start(config);
//   if (!dispatcher) die(dispatcher.error().message);
//   if (outcome->created) (*dispatcher)->deliver(alert);
//   for (const OutputStats& s : (*dispatcher)->stats()) report(s.output, s.stats);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collector/alerts/alert.h"
#include "collector/alerts/webhook_sender.h"
#include "common/result.h"

namespace yagura::collector {

struct AlertOutputsConfig {
  bool stdout_lines = false;
  std::string file;  // JSON lines, appended, fsync'd per batch; empty: none
  std::vector<WebhookConfig> webhooks;
  size_t queue_alerts = 10000;  // per output
  // Webhook retries: the first delay, doubling up to retry_max, each with
  // jitter (uploader/transport/backoff.h).
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{std::chrono::minutes(5)};
  std::chrono::milliseconds stop_timeout{std::chrono::seconds(10)};
};

struct DispatchStats {
  uint64_t delivered = 0;
  uint64_t failed = 0;   // given up: a final answer, attempts exhausted, a write error
  uint64_t dropped = 0;  // queue full, or still queued at stop
  uint64_t retries = 0;  // attempts after the first
};

struct OutputStats {
  std::string output;  // "stdout", "file" or "webhook:<name>"
  DispatchStats stats;
  std::string last_error;  // the latest failure or retry's reason; empty: none
};

class DispatchOutput;  // alert_dispatcher.cpp

class AlertDispatcher {
 public:
  // Opens the file and sets up the webhooks, then starts a thread per
  // output. Fails on a file that cannot be opened or a webhook whose URL is
  // not http(s).
  static Result<std::unique_ptr<AlertDispatcher>> start(const AlertOutputsConfig& config);
  ~AlertDispatcher();  // stop()
  AlertDispatcher(const AlertDispatcher&) = delete;
  AlertDispatcher& operator=(const AlertDispatcher&) = delete;

  // Queues `alert` for every output that wants it. After stop(): dropped.
  void deliver(const Alert& alert);
  // Delivers what is queued within config.stop_timeout, then joins the
  // threads. Idempotent.
  void stop();

  // One entry per output, in configuration order (stdout, file, webhooks).
  std::vector<OutputStats> stats() const;

 private:
  AlertDispatcher(std::vector<std::unique_ptr<DispatchOutput>> outputs,
                  std::chrono::milliseconds stop_timeout);
  std::vector<std::unique_ptr<DispatchOutput>> outputs_;
  std::chrono::milliseconds stop_timeout_;
};

}  // namespace yagura::collector
