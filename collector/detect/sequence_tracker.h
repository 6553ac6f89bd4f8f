// The partial matches of one sequence rule on one host (and boot): which
// steps happened, by which process, with which key, since when. An event
// that satisfies step s advances every partial match of step s-1 it
// relates to (StepRelation, equal keys) and still within the window from
// the sequence's first step; satisfying the last step completes a match.
//
// Bounded: each step keeps at most `capacity` partial matches, the least
// recently used forgotten first (counted in evicted()). A partial match is
// indexed by what the next step looks it up by, so a process that repeats
// the first step refreshes its one entry instead of adding more.
//
//   SequenceTracker t(rule, 4096);
//   if (auto done = t.offer(view, matched_steps, step_keys)) raise(*done);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/detect/detection_rules.h"
#include "collector/detect/event_view.h"
#include "collector/detect/lru_map.h"

namespace yagura::collector {

struct SequenceMatch {
  std::vector<std::string> events;  // the JSON of each step's event, in order
  uint64_t first_ktime_ns = 0;
};

class SequenceTracker {
 public:
  SequenceTracker(const DetectionRule& rule, size_t capacity);

  // matched[s]: the event satisfies step s's condition; keys[s]: its key
  // for step s ("" when the step has none or the event lacks it).
  std::optional<SequenceMatch> offer(const EventView& event, const std::vector<bool>& matched,
                                     const std::vector<std::string>& keys);

  size_t size() const;
  uint64_t evicted() const;

 private:
  struct Partial {
    uint64_t start_ktime_ns = 0;
    std::string key;
    std::vector<std::string> events;
  };

  // Where a partial match of step s is filed, for step s+1 to find it.
  std::string file_index(size_t step, const std::string& process_key, const std::string& key) const;
  // Where step s (s >= 1) looks for partial matches of step s-1.
  std::vector<std::string> lookup_indexes(size_t step, const EventView& event,
                                          const std::string& key) const;

  const DetectionRule& rule_;
  std::vector<LruMap<std::string, Partial>> partials_;  // by step, the last one excluded
};

}  // namespace yagura::collector
