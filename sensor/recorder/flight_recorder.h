// The flight recorder: every event the sensor captures, before the policy
// decides, kept in a rolling journal on disk (journal_writer.h) on a thread
// of its own. The processing stage's EventGate offers each event to
// queue(); what the queue cannot take is shed and counted there, so the
// recorder never slows capture.
//
//   auto recorder = FlightRecorder::open(options, JsonWriter(host, clock), clock);
//   EventGate gate(judge, events, &(*recorder)->queue());
//   (*recorder)->start();
//   ...
//   processing.stop();
//   (*recorder)->stop();   // writes what is queued, flushes
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "sensor/pipeline/event_queue.h"
#include "sensor/pipeline/output_stage.h"
#include "sensor/recorder/journal_sink.h"

namespace yagura {

struct FlightRecorderOptions {
  std::string dir;
  JournalLimits limits;
  size_t queue_events = 16384;
};

class FlightRecorder {
 public:
  // Opens (and recovers) the journal.
  static Result<std::unique_ptr<FlightRecorder>> open(const FlightRecorderOptions& options,
                                                      JsonWriter writer, WallClock clock);

  EventQueue& queue() { return queue_; }
  const std::string& dir() const { return dir_; }
  Status start() { return stage_.start(); }
  void stop() { stage_.stop(); }

  // Any thread.
  bool sync(std::chrono::milliseconds timeout) {
    return sink_.sync(timeout, [this] { stage_.wake(); });
  }
  JournalStats stats() const { return sink_.journal_stats(); }
  QueueStats queue_stats() const { return queue_.stats(); }

 private:
  FlightRecorder(std::string dir, size_t queue_events, JournalWriter journal, JsonWriter writer,
                 WallClock clock)
      : dir_(std::move(dir)),
        queue_(queue_events),
        sink_(std::move(journal), std::move(writer), clock),
        // The sink says when its flush is due, and sync() wakes the stage.
        stage_(queue_, sink_, {.idle_sleep = WakeSignal::kForever}) {}

  std::string dir_;
  EventQueue queue_;
  JournalSink sink_;
  OutputStage stage_;
};

}  // namespace yagura
