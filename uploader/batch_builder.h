// Groups events into batches that close on event count, size or age. One
// batch is open per priority (activity, process, alert), so that a full
// spool can give up low-priority batches and keep alerts. Alert batches
// close sooner (kAlertMaxAgeNs at most): an alert should reach the CSIRT in
// seconds, not when enough noise has gathered around it.
//
// Output-thread only. The closed batches carry only their events; the
// uploader stamps sequence, host, policy and health when it seals them.
//
//   BatchBuilder b({.max_events = 1000, .max_bytes = 1 << 20, .max_age_ns = 2'000'000'000});
//   if (auto closed = b.add(std::move(event), now)) seal(std::move(*closed));
//   for (auto& c : b.close_expired(now)) seal(std::move(c));
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "yagura/wire/v1/wire.pb.h"

namespace yagura {

struct BatchLimits {
  uint32_t max_events = 2000;
  uint64_t max_bytes = 1u << 20;  // of event JSON, before compression
  uint64_t max_age_ns = 2'000'000'000;
};

inline constexpr uint64_t kAlertMaxAgeNs = 250'000'000;

struct ClosedBatch {
  wire::v1::Priority priority = wire::v1::PRIORITY_ACTIVITY;
  wire::v1::Batch batch;  // events only
  uint64_t bytes = 0;     // event JSON bytes
  uint32_t alert_events = 0;
};

class BatchBuilder {
 public:
  explicit BatchBuilder(BatchLimits limits);

  // Adds the event to the batch of its priority (PRIORITY_UNSPECIFIED counts
  // as activity); returns that batch when the event filled it.
  std::optional<ClosedBatch> add(wire::v1::Event event, bool has_alerts, uint64_t now_ns);

  // The batches whose first event is older than their age limit.
  std::vector<ClosedBatch> close_expired(uint64_t now_ns);

  // Every open batch, for shutdown.
  std::vector<ClosedBatch> close_all();

  // When close_expired() will next have a batch to close; nullopt when
  // every batch is empty.
  std::optional<uint64_t> next_expiry_ns() const;

  uint64_t open_events() const;

 private:
  struct Open {
    ClosedBatch closed;
    uint64_t opened_ns = 0;
  };
  static size_t lane(wire::v1::Priority p);
  ClosedBatch take(size_t lane);
  uint64_t max_age(size_t lane) const;

  BatchLimits limits_;
  std::array<Open, 3> open_;  // activity, process, alert
};

}  // namespace yagura
