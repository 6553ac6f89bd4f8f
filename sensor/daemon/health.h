// The periodic health line: every counter that can reveal a gap (kernel
// drops, queue drops, decode errors, evictions, output errors), so that loss
// is never silent.
#pragma once

#include <string>
#include <vector>

#include "common/host.h"
#include "sensor/capture/bpf_capture.h"
#include "sensor/capture/ring_reader.h"
#include "sensor/decode/record_decoder.h"
#include "sensor/enrich/exe_hasher.h"
#include "sensor/pipeline/event_processor.h"
#include "sensor/process/process_table.h"

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
  uint64_t output_lines = 0;
  uint64_t output_write_errors = 0;
  uint64_t output_lines_lost = 0;
  std::vector<std::string> degraded;
  uint64_t filter_generations = 0;           // kernel filter publishes so far
  std::vector<std::string> filter_warnings;  // from the last filter build
};

std::string health_json(const HostIdentity& host, const WallClock& clock, const HealthSnapshot& h);

}  // namespace yagura
