#include "sensor/pipeline/back_pressure.h"

namespace yagura {

const char* shed_reason_name(ShedReason reason) {
  return reason == ShedReason::kWatermark ? "watermark" : "full";
}

uint64_t QueueStats::shed_total() const {
  uint64_t total = 0;
  for (const auto& by_reason : shed_by_priority)
    for (uint64_t n : by_reason) total += n;
  return total;
}

uint64_t QueueStats::shed_of_type(size_t type) const {
  uint64_t total = 0;
  for (uint64_t n : shed[type]) total += n;
  return total;
}

BackPressure::BackPressure(size_t capacity, unsigned low_watermark_percent)
    : capacity_(capacity), watermark_(capacity * low_watermark_percent / 100) {}

bool BackPressure::admit(size_t used, size_t cost, ItemClass item) {
  ShedReason reason;
  if (used + cost > capacity_) {
    reason = ShedReason::kFull;
  } else if (item.priority == Priority::kLow && used + cost > watermark_) {
    reason = ShedReason::kWatermark;
  } else {
    in_.add();
    high_water_.raise_to(used + cost);
    return true;
  }
  const auto r = static_cast<size_t>(reason);
  shed_[item.type < kItemTypes ? item.type : kUnknownItem][r].add();
  shed_by_priority_[static_cast<size_t>(item.priority)][r].add();
  return false;
}

void BackPressure::done(size_t n) {
  out_.store(out_.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

bool BackPressure::all_done() const { return out_.load(std::memory_order_acquire) == in_.load(); }

QueueStats BackPressure::stats() const {
  QueueStats s;
  s.capacity = capacity_;
  s.watermark = watermark_;
  s.high_water = high_water_.load();
  s.in = in_.load();
  s.out = out_.load(std::memory_order_acquire);
  for (size_t t = 0; t < kItemTypes; ++t)
    for (size_t r = 0; r < kShedReasons; ++r) s.shed[t][r] = shed_[t][r].load();
  for (size_t p = 0; p < kPriorities; ++p)
    for (size_t r = 0; r < kShedReasons; ++r)
      s.shed_by_priority[p][r] = shed_by_priority_[p][r].load();
  return s;
}

}  // namespace yagura
