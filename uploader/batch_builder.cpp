#include "uploader/batch_builder.h"

#include <algorithm>

namespace yagura {

namespace pb = wire::v1;

BatchBuilder::BatchBuilder(BatchLimits limits) : limits_(limits) {
  for (size_t i = 0; i < open_.size(); ++i)
    open_[i].closed.priority = static_cast<pb::Priority>(pb::PRIORITY_ACTIVITY + i);
}

size_t BatchBuilder::lane(pb::Priority p) {
  switch (p) {
    case pb::PRIORITY_PROCESS:
      return 1;
    case pb::PRIORITY_ALERT:
      return 2;
    default:
      return 0;
  }
}

uint64_t BatchBuilder::max_age(size_t l) const {
  return l == 2 ? std::min(limits_.max_age_ns, kAlertMaxAgeNs) : limits_.max_age_ns;
}

ClosedBatch BatchBuilder::take(size_t l) {
  ClosedBatch out = std::move(open_[l].closed);
  open_[l].closed = ClosedBatch{};
  open_[l].closed.priority = out.priority;
  return out;
}

std::optional<ClosedBatch> BatchBuilder::add(pb::Event event, bool has_alerts, uint64_t now_ns) {
  const size_t l = lane(event.priority());
  Open& o = open_[l];
  if (o.closed.batch.events_size() == 0) o.opened_ns = now_ns;
  o.closed.bytes += event.json().size();
  o.closed.alert_events += has_alerts ? 1 : 0;
  *o.closed.batch.add_events() = std::move(event);
  if (static_cast<uint32_t>(o.closed.batch.events_size()) >= limits_.max_events ||
      o.closed.bytes >= limits_.max_bytes)
    return take(l);
  return std::nullopt;
}

std::vector<ClosedBatch> BatchBuilder::close_expired(uint64_t now_ns) {
  std::vector<ClosedBatch> out;
  for (size_t l = 0; l < open_.size(); ++l) {
    const Open& o = open_[l];
    if (o.closed.batch.events_size() > 0 && now_ns - o.opened_ns >= max_age(l))
      out.push_back(take(l));
  }
  return out;
}

std::vector<ClosedBatch> BatchBuilder::close_all() {
  std::vector<ClosedBatch> out;
  for (size_t l = 0; l < open_.size(); ++l)
    if (open_[l].closed.batch.events_size() > 0) out.push_back(take(l));
  return out;
}

std::optional<uint64_t> BatchBuilder::next_expiry_ns() const {
  std::optional<uint64_t> next;
  for (size_t l = 0; l < open_.size(); ++l) {
    const Open& o = open_[l];
    if (o.closed.batch.events_size() == 0) continue;
    const uint64_t due = o.opened_ns + max_age(l);
    if (!next || due < *next) next = due;
  }
  return next;
}

uint64_t BatchBuilder::open_events() const {
  uint64_t n = 0;
  for (const Open& o : open_) n += o.closed.batch.events_size();
  return n;
}

}  // namespace yagura
