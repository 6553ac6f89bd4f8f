#include "sensor/pipeline/event_gate.h"

#include <memory>
#include <utility>

namespace yagura {

void EventGate::write(const Event& event) {
  ++stats_.events_in;
  // The one copy of the event: EventSink hands it out const, and the
  // queue needs an item it owns.
  auto item = std::make_unique<OutputItem>(std::in_place_type<Event>, event);
  Event& judged = std::get<Event>(*item);
  const bool keep = judge_.judge(judged, now_ns_);
  const ItemClass cls = classify_event(judged);
  if (!keep) {
    ++stats_.judge_dropped;
    record(std::move(item), cls);
    return;
  }
  if (recorder_) record(std::make_unique<OutputItem>(*item), cls);
  out_.offer(std::move(item), cls);
}

void EventGate::offer_health(std::string json) {
  ++stats_.health_lines;
  auto line = std::make_unique<OutputItem>(HealthLine{std::move(json)});
  if (recorder_) record(std::make_unique<OutputItem>(*line), kHealthClass);
  out_.offer(std::move(line), kHealthClass);
}

void EventGate::record(std::unique_ptr<OutputItem> item, ItemClass cls) {
  if (recorder_ && recorder_->offer(std::move(item), cls)) ++stats_.recorded;
}

}  // namespace yagura
