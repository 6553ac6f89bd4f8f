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
  if (!judge_.judge(judged, now_ns_)) {
    ++stats_.judge_dropped;
    return;
  }
  const ItemClass cls = classify_event(judged);
  out_.offer(std::move(item), cls);
}

void EventGate::offer_health(std::string json) {
  ++stats_.health_lines;
  out_.offer(std::make_unique<OutputItem>(HealthLine{std::move(json)}), kHealthClass);
}

}  // namespace yagura
