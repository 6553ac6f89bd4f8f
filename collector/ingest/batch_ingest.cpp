#include "collector/ingest/batch_ingest.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <limits>

#include "collector/ingest/event_index.h"
#include "collector/ingest/policy_targets.h"
#include "wire/zstd_frame.h"

namespace yagura::collector {
namespace {

namespace wire = yagura::wire::v1;

// Sequences and times are stored as SQL integers (signed 64 bits).
constexpr uint64_t kMaxStored = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

constexpr std::string_view kEncoding = "zstd";

Error bad(std::string message) { return Error{std::move(message), EBADMSG}; }

std::string gap_reason(wire::Gap::Reason reason) {
  switch (reason) {
    case wire::Gap::REASON_SPOOL_FULL:
      return "spool_full";
    case wire::Gap::REASON_SPOOL_CORRUPT:
      return "spool_corrupt";
    case wire::Gap::REASON_REJECTED:
      return "rejected";
    default:
      return "unspecified";  // also a reason a newer sensor has and this build cannot name
  }
}

Result<std::vector<ReportedGap>> read_gaps(const wire::Batch& batch) {
  std::vector<ReportedGap> gaps;
  for (const wire::Gap& g : batch.gaps()) {
    // A sensor reports sequences it gave up on before this one.
    if (g.first_sequence() == 0 || g.first_sequence() > g.last_sequence() ||
        g.last_sequence() >= batch.sequence()) {
      return bad("gap " + std::to_string(g.first_sequence()) + "-" +
                 std::to_string(g.last_sequence()) + " is not a range of sequences before " +
                 std::to_string(batch.sequence()));
    }
    gaps.push_back(ReportedGap{g.first_sequence(), g.last_sequence(), g.events(), g.alert_events(),
                               gap_reason(g.reason()), 0, 0});
  }
  return gaps;
}

}  // namespace

uint64_t system_now_ns() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

Result<IncomingBatch> BatchIngest::decode(const std::string& peer,
                                          std::string_view content_encoding,
                                          std::string_view body) const {
  // Content codings are case-insensitive (RFC 9110 8.4.1).
  if (!std::equal(
          content_encoding.begin(), content_encoding.end(), kEncoding.begin(), kEncoding.end(),
          [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; })) {
    return Error{"Content-Encoding must be zstd, not \"" + std::string(content_encoding) + "\"",
                 ENOTSUP};
  }
  auto bytes = zstd_decompress(body, limits_.max_decompressed_bytes);
  if (!bytes) {
    if (bytes.error().code == E2BIG) {
      return Error{"batch expands past " + std::to_string(limits_.max_decompressed_bytes) +
                       " bytes: refused",
                   E2BIG};
    }
    return bad("body is not one zstd frame: " + bytes.error().message);
  }
  wire::Batch batch;
  if (!batch.ParseFromString(*bytes)) return bad("body is not a yagura.wire.v1.Batch");

  if (batch.protocol_version() != kProtocolVersion) {
    return bad("protocol_version " + std::to_string(batch.protocol_version()) +
               ", this collector speaks " + std::to_string(kProtocolVersion));
  }
  if (batch.sensor_id().empty()) return bad("sensor_id is empty");
  if (batch.sensor_id() != peer) {
    return Error{"batch is from sensor \"" + batch.sensor_id() + "\" but the certificate is \"" +
                     peer + "\": a sensor cannot send data as another",
                 EPERM};
  }
  if (batch.sequence() == 0 || batch.sequence() > kMaxStored) {
    return bad("sequence " + std::to_string(batch.sequence()) + " is out of range");
  }
  if (batch.host().hostname().empty()) return bad("host.hostname is empty");
  if (static_cast<size_t>(batch.events_size()) > limits_.max_events_per_batch) {
    return Error{std::to_string(batch.events_size()) + " events in one batch, the limit is " +
                     std::to_string(limits_.max_events_per_batch),
                 E2BIG};
  }
  auto gaps = read_gaps(batch);
  if (!gaps) return gaps.error();

  IncomingBatch in;
  in.sensor_id = batch.sensor_id();
  in.sequence = batch.sequence();
  in.created_ns = std::min(batch.created_ns(), kMaxStored);
  in.host.hostname = batch.host().hostname();
  in.host.boot_id = batch.host().boot_id();
  in.host.kernel = batch.host().kernel();
  for (const auto& [key, value] : batch.host().tags()) in.host.tags[key] = value;
  in.host.dump_key = batch.host().dump_key();
  in.policy = PolicyRef{batch.policy().name(), std::min(batch.policy().version(), kMaxStored),
                        batch.policy().sha256()};
  for (const auto& [key, value] : batch.health()) in.health[key] = value;
  in.event_schema = batch.event_schema();
  in.gaps = std::move(*gaps);
  if (batch.has_policy_status()) {
    const wire::PolicyStatus& s = batch.policy_status();
    in.policy_status =
        PolicyApplyStatus{std::min(s.version(), kMaxStored), s.sha256(), s.applied(), s.error()};
  }
  in.events.reserve(batch.events_size());
  for (int i = 0; i < batch.events_size(); ++i) {
    const wire::Event& event = batch.events(i);
    auto record = index_event(event.json(), event.type(), std::min(event.time_ns(), kMaxStored));
    if (!record) return bad("event " + std::to_string(i) + ": " + record.error().message);
    in.events.push_back(std::move(*record));
  }
  return in;
}

wire::PolicyOffer BatchIngest::offer_for(const IncomingBatch& batch) {
  wire::PolicyOffer offer;
  auto policies = store_.policies();
  if (!policies) return offer;
  const PolicyRecord* latest = latest_targeted(*policies, batch.host.tags);
  if (latest == nullptr) return offer;
  auto host = store_.host(batch.sensor_id);
  if (!host || !*host) return offer;
  if (auto p = policy_offer(latest, batch.policy.version, (*host)->failed_policy_version)) {
    offer.set_version(p->version);
    offer.set_sha256(p->sha256);
  }
  return offer;
}

void BatchIngest::add_dump_requests(const std::string& sensor_id, wire::Ack& ack) {
  auto pending = store_.pending_dump_requests(sensor_id, kMaxDumpRequestsPerAck);
  if (!pending) return;
  for (const DumpRecord& d : *pending) {
    wire::DumpRequest* request = ack.add_dump_requests();
    request->set_id(d.id);
    request->set_scope_json(d.scope_json);
    request->set_reason(d.reason);
    request->set_requested_by(d.requested_by);
  }
}

Result<wire::Ack> BatchIngest::ingest(const std::string& peer, std::string_view content_encoding,
                                      std::string_view body) {
  auto batch = decode(peer, content_encoding, body);
  if (!batch) return batch.error();
  batch->received_ns = now_();
  auto outcome = store_.store_batch(*batch);
  if (!outcome) return Error{"cannot store the batch: " + outcome.error().message, EIO};
  if (observer_) observer_(*batch, *outcome);

  wire::Ack ack;
  ack.set_sequence(batch->sequence);
  ack.set_duplicate(*outcome == StoreOutcome::kDuplicate);
  if (*outcome == StoreOutcome::kSequenceReused) {
    auto host = store_.host(batch->sensor_id);
    if (!host) return Error{"cannot read the host: " + host.error().message, EIO};
    ack.set_renumber_above(*host ? (*host)->last_sequence : batch->sequence);
  }
  wire::PolicyOffer offer = offer_for(*batch);
  if (offer.version() != 0) *ack.mutable_policy_offer() = std::move(offer);
  add_dump_requests(batch->sensor_id, ack);
  return ack;
}

}  // namespace yagura::collector
