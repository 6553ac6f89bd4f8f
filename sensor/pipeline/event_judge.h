// The policy's hook in the processing stage. The stage calls judge() on its
// own thread for every event, in output order, after enrichment (the
// executable hash included) and before the event queue, so the judge's
// verdict decides the event's priority there: an event with an alert is
// shed last. write_health() runs on the same thread, so a judge's counters
// need no atomics. (The start-up snapshot's events are judged before that
// thread starts, on the thread that starts it: ordered by the start.)
// Anything that changes the judge from another thread (a policy reload)
// goes through ProcessingStage::post().
//
//   class PolicyJudge : public EventJudge {
//     bool judge(Event& e, uint64_t now_ns) override {
//       if (noise(e)) { ++dropped_; return false; }
//       e.verdict = evaluate(e, now_ns);
//       return true;
//     }
//     void write_health(json::ObjectWriter& h) const override {
//       json::ObjectWriter p(h.key("policy"));
//       p.number("dropped", dropped_);
//     }
//   };
#pragma once

#include <cstdint>

#include "common/event.h"
#include "sensor/output/json_object.h"

namespace yagura {

class EventJudge {
 public:
  virtual ~EventJudge() = default;
  // On the processing thread, for every event in order. May set
  // event.verdict; false drops the event (the judge counts its drops).
  virtual bool judge(Event& event, uint64_t now_ns) = 0;
  // Adds the judge's members to the health line (same thread), e.g. a
  // "policy" object.
  virtual void write_health(json::ObjectWriter& health) const = 0;
};

// Keeps every event and adds nothing to the health line: the judge when no
// policy is plugged in.
class KeepAllJudge final : public EventJudge {
 public:
  bool judge(Event&, uint64_t) override { return true; }
  void write_health(json::ObjectWriter&) const override {}
};

}  // namespace yagura
