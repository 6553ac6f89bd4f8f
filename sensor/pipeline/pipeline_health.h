// The health line's "pipeline" member: each stage's counters and the queue
// it feeds, so that every record the reader took is accounted for as an
// event written, a record or event dropped with its reason, or one still
// queued (in - out).
//
//   {
//     json::ObjectWriter health(line);
//     write_pipeline_health(health, PipelineHealth{records.stats(), processing.stats(),
//                                                  gate.stats(), events.stats(), output.stats()});
//   }
#pragma once

#include <optional>

#include "sensor/output/json_object.h"
#include "sensor/pipeline/back_pressure.h"
#include "sensor/pipeline/event_gate.h"
#include "sensor/pipeline/output_stage.h"
#include "sensor/pipeline/processing_stage.h"

namespace yagura {

struct PipelineHealth {
  QueueStats record_queue;  // reader -> processing, in bytes
  ProcessingStageStats processing;
  EventGateStats gate;
  QueueStats event_queue;  // processing -> output, in items
  OutputStageStats output;
  std::optional<QueueStats> recorder_queue;  // processing -> flight recorder, when on
};

void write_pipeline_health(json::ObjectWriter& health, const PipelineHealth& p);

}  // namespace yagura
