// The processing stage, on its own thread: takes records from the
// RecordQueue, runs the EventProcessor (decode, process table, enrichment,
// in-order release behind hash waits), whose events leave through the
// EventGate (judge, event queue), and renders the periodic health line.
// Everything this stage works with (processor, table, judge, path watch) is
// touched only on its thread: another thread that must change it post()s
// the change, which runs between batches. With nothing to do, the thread
// sleeps on the record queue until a record, a posted task, a finished hash
// (wire ExeHasherOptions::on_completion to the queue's notify()) or its
// next deadline: a hash wait ending, the next health line.
//
// stop() is the shutdown sequence, and wants the reader stopped first and
// the output stage still running: every queued record is processed, hashes
// in flight get their bounded wait (hash_wait_ns), every pending event is
// released; once the output stage has written and flushed all of it, the
// final health line is rendered, so its counters account for everything
// before it.
//
//   ProcessingStage stage(records, processor, gate, options);
//   stage.feed(snapshot_record);          // before start(): the start-up snapshot
//   stage.start();
//   stage.post([&] { watch = PathWatch(tables); });   // from the control thread
//   reader.stop();
//   stage.stop();
//   output.stop();
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "sensor/pipeline/event_gate.h"
#include "sensor/pipeline/event_processor.h"
#include "sensor/pipeline/record_queue.h"

namespace yagura {

// CLOCK_BOOTTIME in nanoseconds: the kernel's event clock.
uint64_t boottime_ns();

struct ProcessingStageStats {
  uint64_t records_in = 0;  // handed to the processor: from the queue, and the snapshot's
};

struct ProcessingStageOptions {
  uint64_t health_interval_ns = 0;        // 0: only the final health line
  uint64_t hash_wait_ns = 2'000'000'000;  // at shutdown, for hashes in flight
  size_t batch_records = 4096;            // between looks at the clock, tasks and health
  // The longest one idle sleep lasts. Deadlines are on `clock`, which the
  // sleep cannot follow (tests move it by hand; CLOCK_BOOTTIME runs on
  // through a suspend, the sleep's clock does not): this bounds how late
  // the stage sees one.
  std::chrono::nanoseconds idle_sleep = std::chrono::seconds(10);
  std::function<uint64_t()> clock = boottime_ns;
  // Renders one health line (JSON, no newline), on the processing thread.
  std::function<std::string(uint64_t now_ns, bool final, const ProcessingStageStats& stats)>
      health_line;
};

class ProcessingStage {
 public:
  ProcessingStage(RecordQueue& in, EventProcessor& processor, EventGate& out,
                  ProcessingStageOptions options);
  ~ProcessingStage();
  ProcessingStage(const ProcessingStage&) = delete;
  ProcessingStage& operator=(const ProcessingStage&) = delete;

  // One record outside the loop, on the caller's thread: before start() (the
  // start-up snapshot seeds the table before live records), never after.
  void feed(std::span<const uint8_t> record);

  Status start();
  // The shutdown sequence above, on the stage's thread; then joins it.
  void stop();
  // Runs `task` on the processing thread before its next batch (or in
  // stop()). Any thread.
  void post(std::function<void()> task);

  // What the thread runs, for driving the stage without one: one batch of
  // records, clock, tasks, periodic health. Returns the records taken.
  size_t run_once();

  // Processing thread (or after stop()).
  const ProcessingStageStats& stats() const { return stats_; }

 private:
  void finish();  // the shutdown sequence, on the stage's thread
  void run_posted();
  std::chrono::nanoseconds idle_timeout() const;  // until the next deadline
  void emit_health(uint64_t now_ns, bool final);

  RecordQueue& in_;
  EventProcessor& processor_;
  EventGate& out_;
  const ProcessingStageOptions options_;
  uint64_t next_health_ns_;
  ProcessingStageStats stats_;
  std::vector<uint8_t> record_;  // reused: no allocation per record once grown

  // post(): a mutex, taken by this thread only when has_tasks_ says there
  // is something to run, so the per-batch cost is one atomic load. post()
  // then wakes the thread through the record queue.
  std::mutex tasks_mutex_;
  std::vector<std::function<void()>> tasks_;
  std::atomic<bool> has_tasks_{false};

  std::thread thread_;
  std::atomic<bool> stopping_{false};
};

}  // namespace yagura
