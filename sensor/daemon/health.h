// The periodic health line: every counter that can reveal a gap (kernel
// drops, records and events shed by the pipeline's back-pressure, decode
// errors, evictions, output errors), so that loss is never silent. Rendered
// on the processing thread, which owns most of what it reports; the rest is
// read from atomics (reader, queues, output) or copied in by posted tasks
// (kernel filter).
//
//   HealthSnapshot h;
//   h.ktime_ns = now; h.kernel = *capture.counters(); ...
//   sink.write_line(health_json(host, clock, h));
#pragma once

#include <string>
#include <vector>

#include "common/host.h"
#include "sensor/capture/bpf_capture.h"
#include "sensor/capture/ring_reader.h"
#include "sensor/decode/record_decoder.h"
#include "sensor/enrich/exe_hasher.h"
#include "sensor/pipeline/event_judge.h"
#include "sensor/pipeline/event_processor.h"
#include "sensor/pipeline/pipeline_health.h"
#include "sensor/process/process_table.h"
#include "sensor/recorder/journal_writer.h"
#include "uploader/uploader.h"

namespace yagura {

struct HealthSnapshot {
  uint64_t ktime_ns = 0;
  uint64_t started_ktime_ns = 0;
  bool final = false;  // written at shutdown
  KernelCounters kernel;
  RingReaderStats reader;
  DecoderStats decoder;
  EventProcessorStats processor;
  ProcessTableStats table;
  const ExeHasher::Stats* hasher = nullptr;
  PipelineHealth pipeline;  // its output.sink gives the "output" member
  const EventJudge* judge = nullptr;
  std::vector<std::string> degraded;
  uint64_t filter_generations = 0;           // kernel filter publishes so far
  std::vector<std::string> filter_warnings;  // from the last filter build
  std::optional<UploaderStats> upload;       // when uploading
  std::optional<JournalStats> recorder;      // when the flight recorder runs
};

std::string health_json(const HostIdentity& host, const WallClock& clock, const HealthSnapshot& h);

}  // namespace yagura
