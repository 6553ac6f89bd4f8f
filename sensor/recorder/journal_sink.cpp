#include "sensor/recorder/journal_sink.h"

#include <algorithm>

namespace yagura {

JournalSink::JournalSink(JournalWriter journal, JsonWriter writer, WallClock clock,
                         std::chrono::milliseconds flush_interval)
    : journal_(std::move(journal)),
      writer_(std::move(writer)),
      clock_(clock),
      flush_interval_(flush_interval),
      last_flush_(std::chrono::steady_clock::now()) {}

void JournalSink::write(const Event& event) {
  line_.clear();
  writer_.append(event, line_);
  append(line_, clock_.to_wall_ns(event.ktime_ns));
}

void JournalSink::write_line(std::string_view json) { append(json, realtime_ns()); }

void JournalSink::append(std::string_view line, uint64_t time_ns) {
  // A refused record is counted by the journal (records_lost) as well.
  if (!journal_.append(line, time_ns)) ++append_errors_;
  buffered_ = true;
}

void JournalSink::flush() { flush_if_due(); }

void JournalSink::idle() { flush_if_due(); }

std::chrono::nanoseconds JournalSink::idle_due_in() const {
  if (!buffered_) return WakeSignal::kForever;
  const auto due = last_flush_ + flush_interval_ - std::chrono::steady_clock::now();
  return std::max(std::chrono::nanoseconds(0), std::chrono::nanoseconds(due));
}

void JournalSink::flush_if_due() {
  const uint64_t wanted = requested_.load(std::memory_order_acquire);
  const auto now = std::chrono::steady_clock::now();
  bool waited_for;
  {
    std::lock_guard lock(sync_mu_);
    waited_for = wanted > served_;
  }
  if (!waited_for && now - last_flush_ < flush_interval_) return;
  if (!journal_.flush()) ++append_errors_;
  last_flush_ = now;
  buffered_ = false;
  if (!waited_for) return;
  {
    std::lock_guard lock(sync_mu_);
    served_ = wanted;
  }
  synced_.notify_all();
}

bool JournalSink::sync(std::chrono::milliseconds timeout, const std::function<void()>& wake) {
  const uint64_t mine = requested_.fetch_add(1, std::memory_order_acq_rel) + 1;
  wake();
  std::unique_lock lock(sync_mu_);
  return synced_.wait_for(lock, timeout, [&] { return served_ >= mine; });
}

OutputSinkStats JournalSink::stats() const {
  const JournalStats j = journal_.stats();
  return OutputSinkStats{j.records_appended, append_errors_, j.records_lost};
}

}  // namespace yagura
