#include "collector/detect/sequence_tracker.h"

namespace yagura::collector {
namespace {

constexpr char kSeparator = '\x1f';

}  // namespace

SequenceTracker::SequenceTracker(const DetectionRule& rule, size_t capacity) : rule_(rule) {
  for (size_t s = 0; s + 1 < rule.steps.size(); ++s) partials_.emplace_back(capacity);
}

std::string SequenceTracker::file_index(size_t step, const std::string& process_key,
                                        const std::string& key) const {
  const CompiledStep& next = rule_.steps[step + 1];
  const bool keyed = !next.key_slots.empty() && !rule_.steps[step].key_slots.empty();
  std::string index = next.by == StepRelation::kHost ? std::string() : process_key;
  index += kSeparator;
  if (keyed) index += key;
  return index;
}

std::vector<std::string> SequenceTracker::lookup_indexes(size_t step, const EventView& event,
                                                         const std::string& key) const {
  const CompiledStep& here = rule_.steps[step];
  const bool keyed = !here.key_slots.empty() && !rule_.steps[step - 1].key_slots.empty();
  std::vector<std::string> processes;
  switch (here.by) {
    case StepRelation::kProcess:
      processes.push_back(event.process_key());
      break;
    case StepRelation::kChild:
      if (!event.parent_key().empty()) processes.push_back(event.parent_key());
      break;
    case StepRelation::kDescendant:
      for (const AlertProcess& p : event.lineage())
        if (!p.key.empty()) processes.push_back(p.key);
      break;
    case StepRelation::kHost:
      processes.emplace_back();
      break;
  }
  std::vector<std::string> out;
  for (std::string& p : processes) out.push_back(p + kSeparator + (keyed ? key : std::string()));
  return out;
}

std::optional<SequenceMatch> SequenceTracker::offer(const EventView& event,
                                                    const std::vector<bool>& matched,
                                                    const std::vector<std::string>& keys) {
  const size_t last = rule_.steps.size() - 1;
  std::optional<SequenceMatch> completed;
  // From the last step down, so that one event advances a match by one step.
  for (size_t s = last + 1; s-- > 0;) {
    if (!matched[s]) continue;
    if (!rule_.steps[s].key_slots.empty() && keys[s].empty()) continue;
    if (s == 0) {
      Partial p{event.ktime_ns(), keys[0], {event.record().json}};
      partials_[0].put(file_index(0, event.process_key(), keys[0]), std::move(p));
      continue;
    }
    // The most recent start among the partial matches this event extends.
    const Partial* best = nullptr;
    for (const std::string& index : lookup_indexes(s, event, keys[s])) {
      const Partial* p = partials_[s - 1].find(index);
      if (!p || event.ktime_ns() < p->start_ktime_ns ||
          event.ktime_ns() - p->start_ktime_ns > rule_.within_ns)
        continue;
      if (!best || p->start_ktime_ns > best->start_ktime_ns) best = p;
    }
    if (!best) continue;
    Partial next{best->start_ktime_ns, keys[s], best->events};
    next.events.push_back(event.record().json);
    if (s == last) {
      completed = SequenceMatch{std::move(next.events), next.start_ktime_ns};
    } else {
      partials_[s].put(file_index(s, event.process_key(), keys[s]), std::move(next));
    }
  }
  return completed;
}

size_t SequenceTracker::size() const {
  size_t n = 0;
  for (const auto& p : partials_) n += p.size();
  return n;
}

uint64_t SequenceTracker::evicted() const {
  uint64_t n = 0;
  for (const auto& p : partials_) n += p.evicted();
  return n;
}

}  // namespace yagura::collector
