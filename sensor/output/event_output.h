// The output stage's sink in the daemon: renders each event as JSON once
// and hands the line to the local JSON lines file, to the uploader, or to
// both. Health lines go to the file as they are and to the uploader as the
// counters its next batch carries.
//
// The uploader learns each event's priority here: alerts and tampering are
// kept longest by a full spool, then the process lifecycle, then network,
// DNS and file activity.
#pragma once

#include <string>

#include "sensor/output/json_lines_sink.h"
#include "sensor/output/json_writer.h"
#include "sensor/pipeline/output_stage.h"
#include "uploader/uploader.h"

namespace yagura {

wire::v1::Priority upload_priority(const Event& event);

class EventOutput final : public OutputSink {
 public:
  // Either may be null, not both.
  EventOutput(JsonWriter writer, WallClock clock, JsonLinesSink* local, Uploader* upload);

  void write(const Event& event) override;
  void write_line(std::string_view json) override;
  void flush() override;
  void idle() override;
  std::chrono::nanoseconds idle_due_in() const override;
  OutputSinkStats stats() const override;

 private:
  JsonWriter writer_;
  WallClock clock_;
  JsonLinesSink* local_;
  Uploader* upload_;
  std::string line_;
  uint64_t upload_lines_ = 0;
};

}  // namespace yagura
