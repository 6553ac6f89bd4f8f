// Writes events as JSON lines to a file (appending) or to stdout. Lines
// are buffered and written when flush() is called (after each batch) or
// when the buffer passes 64 KiB. A failed write is counted, with the lines
// it lost, not fatal: local output must never stop capture.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/unique_fd.h"
#include "sensor/output/json_writer.h"
#include "sensor/pipeline/event_processor.h"

namespace yagura {

class JsonLinesSink : public EventSink {
 public:
  // path "-" is stdout.
  static Result<std::unique_ptr<JsonLinesSink>> open(const std::string& path, JsonWriter writer);

  void write(const Event& event) override;
  // A line rendered elsewhere (without its newline); buffered like events.
  void append_line(std::string_view json);
  // A line written now: health lines must not wait for the next batch.
  void write_line(std::string_view json);
  void flush();

  uint64_t lines() const { return lines_; }
  uint64_t write_errors() const { return write_errors_; }
  uint64_t lines_lost() const { return lines_lost_; }

 private:
  JsonLinesSink(UniqueFd fd, JsonWriter writer) : fd_(std::move(fd)), writer_(std::move(writer)) {}
  void end_line();

  UniqueFd fd_;
  JsonWriter writer_;
  std::string buffer_;
  uint64_t buffered_lines_ = 0;
  uint64_t lines_ = 0;  // written, or buffered to be
  uint64_t write_errors_ = 0;
  uint64_t lines_lost_ = 0;  // whole or partial lines a failed write did not output
};

}  // namespace yagura
