// The processing stage's exit. Every event the EventProcessor releases is
// judged (EventJudge), then offered to the event queue with the priority
// its verdict gives it; health lines go the same way. With a flight
// recorder, every event also goes to the recorder's queue, the ones the
// judge dropped included (marked so by their verdict): yesterday's noise
// is evidence in today's incident. Processing thread only, like the
// processor that writes into it.
//
//   EventGate gate(judge, queue, &recorder_queue);  // recorder optional
//   EventProcessor proc(decoder, table, names, hasher, gate, options);
//   gate.set_now(now);            // the time the judge is given
//   proc.on_record(bytes, now);   // events come out through gate.write()
//   gate.offer_health(line);
#pragma once

#include <cstdint>
#include <string>

#include "sensor/pipeline/event_judge.h"
#include "sensor/pipeline/event_processor.h"
#include "sensor/pipeline/event_queue.h"

namespace yagura {

struct EventGateStats {
  uint64_t events_in = 0;      // released by the processor
  uint64_t judge_dropped = 0;  // refused by the judge (which says why)
  uint64_t recorded = 0;       // offered to the recorder's queue and admitted
  uint64_t health_lines = 0;   // offered to the queue
};

class EventGate final : public EventSink {
 public:
  EventGate(EventJudge& judge, EventQueue& out, EventQueue* recorder = nullptr)
      : judge_(judge), out_(out), recorder_(recorder) {}

  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }
  // EventSink: judge, then offer; what the queue refuses it counts.
  void write(const Event& event) override;
  void offer_health(std::string json);
  // The output stage (and the recorder) have written and flushed
  // everything offered so far.
  bool output_done() const { return out_.all_done() && (!recorder_ || recorder_->all_done()); }

  const EventGateStats& stats() const { return stats_; }

 private:
  // What the recorder's queue refuses, it counts (shed by type and reason).
  void record(std::unique_ptr<OutputItem> item, ItemClass cls);

  EventJudge& judge_;
  EventQueue& out_;
  EventQueue* recorder_;
  uint64_t now_ns_ = 0;
  EventGateStats stats_;
};

}  // namespace yagura
