// POST /v1/batches without HTTP: one uploaded batch in, an Ack out.
//
// Decompresses with a hard limit (a compression bomb is refused after at
// most the limit plus one block, never expanded), parses the wire Batch,
// checks it, binds it to the peer's certificate (a sensor cannot send data
// as another), indexes every event, stores it durably and only then acks.
// The Ack offers the newest policy targeted at the host (by the batch's
// tags) when it is newer than the one the batch ran and not the version
// this host last failed to apply, and lists the dumps the CSIRT requested
// from this sensor that it has not delivered yet (oldest first, at most
// kMaxDumpRequestsPerAck; the sensor dedups them by id).
//
// Errors carry an errno-style code saying what the caller should answer:
//   ENOTSUP  Content-Encoding is not "zstd"                        (415)
//   E2BIG    expands past max_decompressed_bytes, or too many events (413)
//   EBADMSG  not a zstd frame, not a Batch, or a field fails a check (400)
//   EPERM    batch.sensor_id is not the certificate's common name    (403)
//   EIO      the store failed; nothing was kept, send it again       (503)
//
//   BatchIngest ingest(store, IngestLimits{}, system_now_ns);
//   auto ack = ingest.ingest(request.peer, request.content_encoding, request.body);
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "collector/store/event_store.h"
#include "common/result.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::collector {

inline constexpr uint32_t kProtocolVersion = 1;
// Enough for any incident; more wait for the next batches.
inline constexpr size_t kMaxDumpRequestsPerAck = 8;

struct IngestLimits {
  size_t max_decompressed_bytes = 64 << 20;
  size_t max_events_per_batch = 100000;
};

// UTC nanoseconds; injected so tests can fix time.
using NowFn = std::function<uint64_t()>;
uint64_t system_now_ns();

// Told of every batch once it is stored (or found stored before), on the
// thread that stored it.
using BatchObserver = std::function<void(const IncomingBatch&, StoreOutcome)>;

class BatchIngest {
 public:
  // `store` must outlive this object.
  BatchIngest(EventStore& store, IngestLimits limits, NowFn now, BatchObserver observer = {})
      : store_(store), limits_(limits), now_(std::move(now)), observer_(std::move(observer)) {}

  // Safe to call from several threads at once.
  Result<wire::v1::Ack> ingest(const std::string& peer, std::string_view content_encoding,
                               std::string_view body);

 private:
  Result<IncomingBatch> decode(const std::string& peer, std::string_view content_encoding,
                               std::string_view body) const;
  // The offer for this host, or an empty one. A failed read only delays the
  // offer to the next batch: the batch is stored, so it is acked anyway.
  wire::v1::PolicyOffer offer_for(const IncomingBatch& batch);
  // Likewise: a failed read delays the requests to the next batch.
  void add_dump_requests(const std::string& sensor_id, wire::v1::Ack& ack);

  EventStore& store_;
  IngestLimits limits_;
  NowFn now_;
  BatchObserver observer_;
};

}  // namespace yagura::collector
