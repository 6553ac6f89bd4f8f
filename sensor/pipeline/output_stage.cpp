#include "sensor/pipeline/output_stage.h"

#include <algorithm>
#include <variant>

namespace yagura {
namespace {

using Clock = std::chrono::steady_clock;

// t + d, or the end of time when that would overflow (kForever).
Clock::time_point after(Clock::time_point t, std::chrono::nanoseconds d) {
  return d >= Clock::time_point::max() - t ? Clock::time_point::max() : t + d;
}

}  // namespace

OutputStage::OutputStage(EventQueue& in, OutputSink& sink, OutputStageOptions options)
    : in_(in), sink_(sink), options_(options) {}

OutputStage::~OutputStage() { stop(); }

Status OutputStage::start() {
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void OutputStage::run() {
  Clock::time_point idle_due = Clock::now();
  while (!stopping_.load(std::memory_order_acquire)) {
    if (drain(options_.batch_items) > 0) {
      // What was written can bring clock-driven work forward (a batch opened).
      idle_due = std::min(idle_due, after(Clock::now(), sink_.idle_due_in()));
      continue;
    }
    const Clock::time_point now = Clock::now();
    const bool woken = woken_.exchange(false, std::memory_order_acquire);
    if (woken || now >= idle_due) {
      sink_.idle();
      idle_due = after(now, std::min(sink_.idle_due_in(), options_.idle_sleep));
    }
    in_.wait_for(idle_due - now, [this] {
      return stopping_.load(std::memory_order_acquire) || woken_.load(std::memory_order_relaxed);
    });
  }
  // The producer stopped before the flag was set: what is queued now is
  // all there will be.
  while (drain(options_.batch_items) > 0) {
  }
}

void OutputStage::stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true, std::memory_order_release);
  in_.notify();
  thread_.join();
}

void OutputStage::wake() {
  woken_.store(true, std::memory_order_release);
  in_.notify();
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
