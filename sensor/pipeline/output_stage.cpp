#include "sensor/pipeline/output_stage.h"

#include <variant>

namespace yagura {

OutputStage::OutputStage(EventQueue& in, OutputSink& sink, OutputStageOptions options)
    : in_(in), sink_(sink), options_(options) {}

OutputStage::~OutputStage() { stop(); }

Status OutputStage::start() {
  thread_ = std::thread([this] {
    while (!stopping_.load(std::memory_order_acquire)) {
      if (drain(options_.batch_items) > 0) continue;
      sink_.idle();
      std::this_thread::sleep_for(options_.idle_sleep);
    }
    // The producer stopped before the flag was set: what is queued now is
    // all there will be.
    while (drain(options_.batch_items) > 0) {
    }
  });
  return ok_status();
}

void OutputStage::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  thread_.join();
}

size_t OutputStage::drain(size_t max_items) {
  size_t n = 0;
  for (; n < max_items; ++n) {
    auto item = in_.pop();
    if (!item) break;
    if (const auto* event = std::get_if<Event>(item.get())) {
      sink_.write(*event);
      events_.add();
    } else {
      sink_.write_line(std::get<HealthLine>(*item).json);
      health_lines_.add();
    }
  }
  if (n == 0) return 0;
  sink_.flush();
  const OutputSinkStats s = sink_.stats();
  lines_.set(s.lines);
  write_errors_.set(s.write_errors);
  lines_lost_.set(s.lines_lost);
  // Last: a producer that sees the queue all done also sees the counters
  // above (done() is a release store).
  in_.done(n);
  return n;
}

OutputStageStats OutputStage::stats() const {
  OutputStageStats s;
  s.events = events_.load();
  s.health_lines = health_lines_.load();
  s.sink.lines = lines_.load();
  s.sink.write_errors = write_errors_.load();
  s.sink.lines_lost = lines_lost_.load();
  return s;
}

}  // namespace yagura
