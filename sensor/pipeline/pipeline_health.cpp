#include "sensor/pipeline/pipeline_health.h"

namespace yagura {
namespace {

void write_reasons(json::ObjectWriter& parent, const char* name,
                   const uint64_t (&by_reason)[kShedReasons]) {
  json::ObjectWriter r(parent.key(name));
  for (size_t i = 0; i < kShedReasons; ++i)
    r.number(shed_reason_name(static_cast<ShedReason>(i)), by_reason[i]);
}

// unit: "_bytes" for the record queue, "" for the event queue. Types in
// [first_type, last_type]: those the queue can carry.
void write_queue(json::ObjectWriter& parent, const char* name, const QueueStats& q,
                 const std::string& unit, size_t first_type, size_t last_type) {
  json::ObjectWriter o(parent.key(name));
  o.number("capacity" + unit, q.capacity);
  o.number("watermark" + unit, q.watermark);
  o.number("high_water" + unit, q.high_water);
  o.number("in", q.in);
  o.number("out", q.out);
  json::ObjectWriter shed(o.key("shed"));
  {
    json::ObjectWriter p(shed.key("by_priority"));
    for (size_t i = 0; i < kPriorities; ++i)
      write_reasons(p, priority_name(static_cast<Priority>(i)), q.shed_by_priority[i]);
  }
  json::ObjectWriter t(shed.key("by_type"));
  for (size_t type = first_type; type <= last_type; ++type)
    write_reasons(t, item_type_name(type), q.shed[type]);
}

}  // namespace

void write_pipeline_health(json::ObjectWriter& health, const PipelineHealth& p) {
  json::ObjectWriter pipeline(health.key("pipeline"));
  write_queue(pipeline, "record_queue", p.record_queue, "_bytes", kUnknownItem, kHealthItem - 1);
  {
    json::ObjectWriter s(pipeline.key("processing"));
    s.number("records_in", p.processing.records_in);
    s.number("events_in", p.gate.events_in);
    s.number("judge_dropped", p.gate.judge_dropped);
    s.number("health_lines", p.gate.health_lines);
    if (p.recorder_queue) s.number("recorded", p.gate.recorded);
  }
  write_queue(pipeline, "event_queue", p.event_queue, "", YG_EV_EXEC, kHealthItem);
  if (p.recorder_queue)
    write_queue(pipeline, "recorder_queue", *p.recorder_queue, "", YG_EV_EXEC, kHealthItem);
  json::ObjectWriter o(pipeline.key("output"));
  o.number("events", p.output.events);
  o.number("health_lines", p.output.health_lines);
}

}  // namespace yagura
