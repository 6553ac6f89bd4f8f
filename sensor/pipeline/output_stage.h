// The output stage, on its own thread: takes judged events and health lines
// from the EventQueue, in order, and writes them to an OutputSink (JSON
// lines today, an uploader later), flushing after each batch. A slow sink
// holds up only this thread: the processing stage sheds into the queue
// rather than wait for it.
//
// With nothing to write, the thread sleeps on the queue until an item, the
// sink's next clock-driven work (idle_due_in(), at most idle_sleep away),
// wake() or stop().
//
// stop() wants the processing stage stopped first: it writes everything
// still queued, then joins.
//
//   OutputStage output(queue, sink);
//   output.start();
//   ...
//   output.wake();                         // any thread: run the sink's idle() now
//   processing.stop();
//   output.stop();
//   OutputStageStats s = output.stats();   // any thread
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string_view>
#include <thread>

#include "common/result.h"
#include "sensor/pipeline/back_pressure.h"
#include "sensor/pipeline/event_processor.h"
#include "sensor/pipeline/event_queue.h"
#include "sensor/pipeline/wake_signal.h"

namespace yagura {

struct OutputSinkStats {
  uint64_t lines = 0;         // written, or buffered to be
  uint64_t write_errors = 0;  // failed writes
  uint64_t lines_lost = 0;    // lines a failed write did not output
};

// Where the output stage writes. Output-thread only.
class OutputSink : public EventSink {
 public:
  virtual void write_line(std::string_view json) = 0;  // a health line
  virtual void flush() = 0;
  // Nothing to write this round: time for work driven by the clock (an
  // upload batch closing by age, a journal flush).
  virtual void idle() {}
  // How long from now until idle() is due again if nothing is written
  // meanwhile; asked after each batch and each idle(). The default: not
  // before something is written (the stage's idle_sleep still bounds it).
  virtual std::chrono::nanoseconds idle_due_in() const { return WakeSignal::kForever; }
  virtual OutputSinkStats stats() const = 0;
};

struct OutputStageStats {
  uint64_t events = 0;        // events taken from the queue and written
  uint64_t health_lines = 0;  // health lines taken and written
  OutputSinkStats sink;       // as of the last flush
};

struct OutputStageOptions {
  size_t batch_items = 1024;  // written between flushes
  // The longest the stage waits, with nothing to write, before calling the
  // sink's idle() again: the bound for a sink whose idle_due_in() does not
  // say when its clock-driven work is due (a second's journal flush is then
  // a quarter of a second late at most). WakeSignal::kForever: no bound.
  std::chrono::nanoseconds idle_sleep = std::chrono::milliseconds(250);
};

class OutputStage {
 public:
  OutputStage(EventQueue& in, OutputSink& sink, OutputStageOptions options = {});
  ~OutputStage();
  OutputStage(const OutputStage&) = delete;
  OutputStage& operator=(const OutputStage&) = delete;

  Status start();
  void stop();
  // Any thread: the thread calls the sink's idle() without waiting for its
  // deadline (a request the sink must serve soon).
  void wake();

  // What the thread runs, for driving the stage without one: writes up to
  // max_items, flushes, publishes the counters. Returns the items written.
  size_t drain(size_t max_items);

  OutputStageStats stats() const;  // any thread

 private:
  void run();

  EventQueue& in_;
  OutputSink& sink_;
  const OutputStageOptions options_;
  // Written by the output thread only, read by any (the health line).
  Counter events_;
  Counter health_lines_;
  Counter lines_;
  Counter write_errors_;
  Counter lines_lost_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> woken_{false};  // wake() was called
};

}  // namespace yagura
