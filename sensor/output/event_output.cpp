#include "sensor/output/event_output.h"

#include "sensor/pipeline/processing_stage.h"

namespace yagura {

wire::v1::Priority upload_priority(const Event& event) {
  if (!event.verdict.alerts.empty() || std::holds_alternative<TamperEvent>(event.body))
    return wire::v1::PRIORITY_ALERT;
  if (std::holds_alternative<ExecEvent>(event.body) || std::holds_alternative<ForkEvent>(event.body) ||
      std::holds_alternative<ExitEvent>(event.body) || std::holds_alternative<CredEvent>(event.body))
    return wire::v1::PRIORITY_PROCESS;
  return wire::v1::PRIORITY_ACTIVITY;
}

EventOutput::EventOutput(JsonWriter writer, WallClock clock, JsonLinesSink* local, Uploader* upload)
    : writer_(std::move(writer)), clock_(clock), local_(local), upload_(upload) {}

void EventOutput::write(const Event& event) {
  line_.clear();
  writer_.append(event, line_);
  if (local_) local_->append_line(line_);
  if (!upload_) return;
  wire::v1::Event e;
  e.set_json(line_);
  e.set_type(event_type_name(event.body));
  e.set_time_ns(clock_.to_wall_ns(event.ktime_ns));
  e.set_priority(upload_priority(event));
  upload_->add(std::move(e), !event.verdict.alerts.empty(), boottime_ns());
  ++upload_lines_;
}

void EventOutput::write_line(std::string_view json) {
  if (local_) local_->write_line(json);
  if (upload_) upload_->set_health(json);
}

std::chrono::nanoseconds EventOutput::idle_due_in() const {
  // The JSON file is flushed per batch: only the uploader has clock work.
  return upload_ ? upload_->tick_due_in(boottime_ns()) : WakeSignal::kForever;
}

void EventOutput::flush() {
  if (local_) local_->flush();
  if (upload_) upload_->tick(boottime_ns());
}

void EventOutput::idle() {
  if (upload_) upload_->tick(boottime_ns());
}

OutputSinkStats EventOutput::stats() const {
  if (local_) return OutputSinkStats{local_->lines(), local_->write_errors(), local_->lines_lost()};
  return OutputSinkStats{upload_lines_, 0, 0};
}

}  // namespace yagura
