#include "sensor/pipeline/processing_stage.h"

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <utility>

namespace yagura {

uint64_t boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

ProcessingStage::ProcessingStage(RecordQueue& in, EventProcessor& processor, EventGate& out,
                                 ProcessingStageOptions options)
    : in_(in), processor_(processor), out_(out), options_(std::move(options)) {
  next_health_ns_ = options_.clock() + options_.health_interval_ns;
}

ProcessingStage::~ProcessingStage() { stop(); }

void ProcessingStage::feed(std::span<const uint8_t> record) {
  const uint64_t now = options_.clock();
  out_.set_now(now);
  ++stats_.records_in;
  processor_.on_record(record, now);
}

Status ProcessingStage::start() {
  thread_ = std::thread([this] {
    while (!stopping_.load(std::memory_order_acquire)) {
      if (run_once() > 0) continue;
      in_.wait_for(idle_timeout(), [this] {
        return stopping_.load(std::memory_order_acquire) ||
               has_tasks_.load(std::memory_order_acquire) || processor_.hash_finished();
      });
    }
    finish();
  });
  return ok_status();
}

void ProcessingStage::stop() {
  if (!thread_.joinable()) return;
  // Release: the reader, stopped before this call, has queued its last
  // record; the thread sees it after it sees the flag.
  stopping_.store(true, std::memory_order_release);
  in_.notify();
  thread_.join();
}

void ProcessingStage::post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(tasks_mutex_);
    tasks_.push_back(std::move(task));
    has_tasks_.store(true, std::memory_order_release);
  }
  in_.notify();
}

std::chrono::nanoseconds ProcessingStage::idle_timeout() const {
  uint64_t due = processor_.next_deadline_ns();
  if (options_.health_interval_ns != 0) due = std::min(due, next_health_ns_);
  const uint64_t now = options_.clock();
  const uint64_t left = std::min<uint64_t>(due > now ? due - now : 0, INT64_MAX);
  return std::min(options_.idle_sleep, std::chrono::nanoseconds(static_cast<int64_t>(left)));
}

void ProcessingStage::run_posted() {
  if (!has_tasks_.load(std::memory_order_acquire)) return;
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(tasks_mutex_);
    tasks.swap(tasks_);
    has_tasks_.store(false, std::memory_order_relaxed);
  }
  for (auto& task : tasks) task();
}

size_t ProcessingStage::run_once() {
  run_posted();
  const uint64_t start = options_.clock();
  out_.set_now(start);
  size_t n = 0;
  while (n < options_.batch_records && in_.pop(record_)) {
    ++stats_.records_in;
    processor_.on_record(record_, start);
    ++n;
  }
  const uint64_t now = options_.clock();
  out_.set_now(now);
  processor_.tick(now);
  if (options_.health_interval_ns != 0 && now >= next_health_ns_) {
    emit_health(now, false);
    next_health_ns_ = now + options_.health_interval_ns;
  }
  return n;
}

void ProcessingStage::finish() {
  while (run_once() > 0) {
  }
  // Hashes in flight get their usual bounded wait, so that stopping does
  // not strip them from the last events.
  const uint64_t give_up = options_.clock() + options_.hash_wait_ns;
  while (processor_.waiting_for_hashes() && options_.clock() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const uint64_t now = options_.clock();
    out_.set_now(now);
    processor_.tick(now);
  }
  out_.set_now(options_.clock());
  processor_.flush();
  // The output stage's counters in the final line must cover every line
  // before it: wait until it has written and flushed them.
  while (!out_.output_done()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  emit_health(options_.clock(), true);
}

void ProcessingStage::emit_health(uint64_t now_ns, bool final) {
  if (options_.health_line) out_.offer_health(options_.health_line(now_ns, final, stats_));
}

}  // namespace yagura
