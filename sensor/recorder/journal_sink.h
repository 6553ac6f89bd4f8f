// The flight recorder's end of the pipeline: an OutputSink that writes each
// event (as its JSON line, the verdict included, so events the policy
// dropped say so) and each health line to the journal. Run by an
// OutputStage of its own on the recorder's queue, so a slow disk holds up
// only the recorder, which sheds and counts (EventGate, EventQueue).
//
// Blocks are flushed (written and fdatasync'ed) at most `flush_interval`
// apart, not after every batch: a crash loses at most that much. A dump
// calls sync() first, so that it reads everything recorded before it was
// asked for.
//
//   JournalSink sink(std::move(*journal), JsonWriter(host, clock), clock);
//   OutputStage recorder(recorder_queue, sink);
//   recorder.start();
//   sink.sync(std::chrono::seconds(2), [&] { recorder.wake(); });   // any thread
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>

#include "sensor/output/json_writer.h"
#include "sensor/pipeline/output_stage.h"
#include "sensor/recorder/journal_writer.h"

namespace yagura {

class JournalSink final : public OutputSink {
 public:
  JournalSink(JournalWriter journal, JsonWriter writer, WallClock clock,
              std::chrono::milliseconds flush_interval = std::chrono::seconds(1));

  // Recorder thread (OutputStage).
  void write(const Event& event) override;
  void write_line(std::string_view json) override;
  void flush() override;
  void idle() override;
  // Until the buffered records are due to be flushed; forever with none.
  std::chrono::nanoseconds idle_due_in() const override;
  OutputSinkStats stats() const override;

  // Any thread: true once every record appended before the call is
  // written to disk; false after `timeout` (the recorder is stuck).
  // `wake` gets the recorder thread to idle() now (OutputStage::wake).
  bool sync(std::chrono::milliseconds timeout, const std::function<void()>& wake);
  JournalStats journal_stats() const { return journal_.stats(); }

 private:
  void append(std::string_view line, uint64_t time_ns);
  // Flushes when the interval has passed or a sync() waits.
  void flush_if_due();

  JournalWriter journal_;
  const JsonWriter writer_;
  const WallClock clock_;
  const std::chrono::milliseconds flush_interval_;
  std::chrono::steady_clock::time_point last_flush_;
  std::string line_;
  bool buffered_ = false;       // records appended since the last flush
  uint64_t append_errors_ = 0;  // recorder thread

  // sync(): requests numbered from 1; served_ is the last one flushed for.
  std::mutex sync_mu_;
  std::condition_variable synced_;
  std::atomic<uint64_t> requested_{0};
  uint64_t served_ = 0;  // guarded by sync_mu_
};

}  // namespace yagura
