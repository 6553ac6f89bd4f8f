#include "uploader/uploader.h"

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/sha256.h"
#include "uploader/health_counters.h"
#include "wire/zstd_frame.h"

namespace yagura {

namespace pb = wire::v1;

namespace {

constexpr uint32_t kProtocolVersion = 1;
// Reading back our own spooled batches: far above any we seal (a batch
// closes at BatchLimits::max_bytes of events, one event at most a few MiB).
constexpr size_t kMaxSpooledBatchBytes = size_t{1} << 30;
// The longest the upload thread sleeps with nothing to send.
constexpr std::chrono::seconds kIdleRecheck{30};
// How often tick() looks for reports made on other threads.
constexpr uint64_t kReportCheckNs = 1'000'000'000;

void log(const std::string& message) {
  std::fprintf(stderr, "yagura-sensor: upload: %s\n", message.c_str());
}

pb::Host wire_host(const HostIdentity& h, const std::string& dump_key) {
  pb::Host out;
  out.set_dump_key(dump_key);
  out.set_hostname(h.hostname);
  out.set_boot_id(h.boot_id);
  out.set_kernel(h.kernel_release);
  for (const auto& [k, v] : h.tags) (*out.mutable_tags())[k] = v;
  return out;
}

}  // namespace

Result<std::unique_ptr<Uploader>> Uploader::start(UploaderOptions options,
                                                  PolicyOfferHandler on_policy,
                                                  DumpRequestHandler on_dump) {
  if (options.sensor_id.empty()) return Error{"upload: no sensor id"};
  auto spool = Spool::open(options.spool);
  if (!spool) return spool.error();
  auto sequence = SequenceCounter::open(options.sequence_path, (*spool)->max_sequence());
  if (!sequence) return sequence.error();
  auto client = HttpsClient::create(options.http);
  if (!client) return client.error();
  std::unique_ptr<Uploader> up(new Uploader(std::move(options), std::move(on_policy),
                                            std::move(on_dump), std::move(*spool),
                                            std::move(*sequence), std::move(*client)));
  // What recovery found unreadable is a gap like any other.
  up->add_losses(up->spool_->take_losses());
  up->thread_ = std::thread([u = up.get()] { u->run(); });
  return up;
}

Uploader::Uploader(UploaderOptions options, PolicyOfferHandler on_policy,
                   DumpRequestHandler on_dump, std::unique_ptr<Spool> spool,
                   SequenceCounter sequence, std::unique_ptr<HttpsClient> client)
    : options_(std::move(options)),
      on_policy_(std::move(on_policy)),
      on_dump_(std::move(on_dump)),
      spool_(std::move(spool)),
      builder_(options_.batch),
      sequence_(std::move(sequence)),
      client_(std::move(client)),
      backoff_(options_.retry_initial, options_.retry_max, std::random_device{}()),
      dump_backoff_(options_.retry_initial, options_.retry_max, std::random_device{}()) {}

Uploader::~Uploader() { stop(); }

void Uploader::add(pb::Event event, bool has_alerts, uint64_t now_ns) {
  if (auto closed = builder_.add(std::move(event), has_alerts, now_ns)) seal(std::move(*closed), now_ns);
}

void Uploader::tick(uint64_t now_ns) {
  for (ClosedBatch& c : builder_.close_expired(now_ns)) seal(std::move(c), now_ns);
  bool report_due;
  {
    std::lock_guard lock(report_mu_);
    report_due = !gaps_.empty() || policy_status_.has_value();
  }
  // Gaps and policy outcomes travel in the alert lane, the last to be
  // evicted; an empty batch is also the heartbeat.
  if (report_due || now_ns - last_sealed_ns_ >= options_.heartbeat_ns) {
    ClosedBatch empty;
    empty.priority = pb::PRIORITY_ALERT;
    seal(std::move(empty), now_ns);
  }
}

std::chrono::nanoseconds Uploader::tick_due_in(uint64_t now_ns) const {
  uint64_t due = std::min(now_ns + kReportCheckNs, last_sealed_ns_ + options_.heartbeat_ns);
  if (auto expiry = builder_.next_expiry_ns()) due = std::min(due, *expiry);
  return std::chrono::nanoseconds(due > now_ns ? due - now_ns : 0);
}

void Uploader::set_health(std::string_view health_json) {
  auto counters = flatten_health(health_json);
  std::lock_guard lock(report_mu_);
  health_ = std::move(counters);
}

void Uploader::set_policy(const std::string& name, uint64_t version, const std::string& sha256) {
  std::lock_guard lock(report_mu_);
  policy_.set_name(name);
  policy_.set_version(version);
  policy_.set_sha256(sha256);
}

void Uploader::report_policy_status(uint64_t version, const std::string& sha256, bool applied,
                                    const std::string& error) {
  pb::PolicyStatus s;
  s.set_version(version);
  s.set_sha256(sha256);
  s.set_applied(applied);
  s.set_error(error);
  std::lock_guard lock(report_mu_);
  policy_status_ = std::move(s);
}

UploaderStats Uploader::stats() const {
  std::lock_guard lock(report_mu_);
  UploaderStats s = stats_;
  s.spool = spool_->stats();
  return s;
}

void Uploader::add_gap(uint64_t first, uint64_t last, uint64_t events, uint64_t alert_events,
                       pb::Gap::Reason reason) {
  pb::Gap g;
  g.set_first_sequence(first);
  g.set_last_sequence(last);
  g.set_events(events);
  g.set_alert_events(alert_events);
  g.set_reason(reason);
  std::lock_guard lock(report_mu_);
  gaps_.push_back(std::move(g));
}

void Uploader::add_losses(const std::vector<SpoolLoss>& losses) {
  for (const SpoolLoss& l : losses) {
    const auto reason = l.reason == SpoolLoss::Reason::kFull ? pb::Gap::REASON_SPOOL_FULL
                                                             : pb::Gap::REASON_SPOOL_CORRUPT;
    log(std::to_string(l.records) + " spooled batches lost (" +
        (l.reason == SpoolLoss::Reason::kFull ? "spool full" : "corrupt on disk") + ")");
    // The event counts belong to the loss as a whole: on its first range.
    bool first = true;
    for (const auto& [lo, hi] : l.ranges) {
      add_gap(lo, hi, first ? l.events : 0, first ? l.alert_events : 0, reason);
      first = false;
    }
  }
}

void Uploader::seal(ClosedBatch closed, uint64_t now_ns) {
  pb::Batch& b = closed.batch;
  b.set_protocol_version(kProtocolVersion);
  b.set_sensor_id(options_.sensor_id);
  *b.mutable_host() = wire_host(options_.host, options_.dump_key);
  b.set_created_ns(realtime_ns());
  b.set_event_schema(options_.event_schema);
  const SpoolStats spool = spool_->stats();
  {
    std::lock_guard lock(report_mu_);
    *b.mutable_policy() = policy_;
    auto& h = *b.mutable_health();
    for (const auto& [k, v] : health_) h[k] = v;
    h["spool.bytes"] = static_cast<int64_t>(spool.bytes);
    h["spool.pending_records"] = static_cast<int64_t>(spool.pending_records);
    h["spool.evicted_records"] = static_cast<int64_t>(spool.evicted_records);
    h["spool.evicted_events"] = static_cast<int64_t>(spool.evicted_events);
    h["spool.corrupt_records"] = static_cast<int64_t>(spool.corrupt_records);
    h["uploader.batches_sealed"] = static_cast<int64_t>(stats_.batches_sealed);
    h["uploader.seal_errors"] = static_cast<int64_t>(stats_.seal_errors);
    h["uploader.rejected_batches"] = static_cast<int64_t>(stats_.rejected_batches);
    h["uploader.send_errors"] = static_cast<int64_t>(stats_.send_errors);
    for (pb::Gap& g : gaps_) *b.add_gaps() = std::move(g);
    gaps_.clear();
    if (policy_status_) *b.mutable_policy_status() = std::move(*policy_status_);
    policy_status_.reset();
  }
  last_sealed_ns_ = now_ns;
  const uint32_t events = static_cast<uint32_t>(b.events_size());
  const Spooled spooled =
      number_and_spool(b, static_cast<uint32_t>(closed.priority), closed.alert_events, 0);
  add_losses(spool_->take_losses());
  {
    std::lock_guard lock(report_mu_);
    if (spooled.status) {
      ++stats_.batches_sealed;
      stats_.events_sealed += events;
      stats_.gaps_reported += static_cast<uint64_t>(b.gaps_size());
    } else {
      // What it held is lost and counted; its reports go with the next one.
      ++stats_.seal_errors;
      for (pb::Gap& g : *b.mutable_gaps()) gaps_.push_back(std::move(g));
      if (b.has_policy_status()) policy_status_ = b.policy_status();
    }
  }
  if (spooled.sequence == 0) {
    // Without a persisted number the batch cannot be sent safely, nor
    // named in a gap.
    log("batch of " + std::to_string(events) + " events dropped: " +
        spooled.status.error().message);
  } else if (!spooled.status) {
    log("batch " + std::to_string(spooled.sequence) +
        " not spooled: " + spooled.status.error().message);
    add_gap(spooled.sequence, spooled.sequence, events, closed.alert_events,
            pb::Gap::REASON_SPOOL_FULL);
  }
  notify_work();
}

void Uploader::notify_work() {
  std::lock_guard lock(wake_mu_);
  ++work_;
  wake_.notify_one();
}

Uploader::Spooled Uploader::number_and_spool(pb::Batch& batch, uint32_t priority,
                                             uint32_t alert_events, uint64_t above) {
  std::lock_guard lock(number_mu_);
  auto seq = sequence_.next(above);
  if (!seq) return {0, seq.error()};
  batch.set_sequence(*seq);
  SpoolRecord record;
  record.sequence = *seq;
  record.priority = priority;
  record.events = static_cast<uint32_t>(batch.events_size());
  record.alert_events = alert_events;
  record.payload = zstd_compress(batch.SerializeAsString(), options_.zstd_level);
  return {*seq, spool_->append(record)};
}

// The collector holds another batch under this record's number: this
// sensor's numbering went back (a wiped state directory). The batch is
// sealed again above the collector's highest number; the old record goes.
void Uploader::renumber(const SpoolRecord& record, uint64_t above) {
  pb::Batch batch;
  auto raw = zstd_decompress(record.payload, kMaxSpooledBatchBytes);
  Spooled spooled;
  if (!raw || !batch.ParseFromString(*raw))
    spooled.status = Error{"cannot read it back from the spool", EBADMSG};
  else
    spooled = number_and_spool(batch, record.priority, record.alert_events, above);
  add_losses(spool_->take_losses());
  if (Status s = spool_->ack(record.sequence); !s) log(s.error().message);
  if (spooled.status) {
    log("batch " + std::to_string(record.sequence) + " is batch " +
        std::to_string(spooled.sequence) + " now: the collector holds another batch of this " +
        "sensor under its number (was the state directory wiped?)");
    std::lock_guard lock(report_mu_);
    ++stats_.renumbered;
    return;
  }
  log("batch " + std::to_string(record.sequence) + " lost: the collector holds another batch " +
      "under its number, and it could not be renumbered: " + spooled.status.error().message);
  {
    std::lock_guard lock(report_mu_);
    ++stats_.seal_errors;
  }
  // Its old number belongs to another batch at the collector: the loss is
  // reported under the new one when there is one.
  if (spooled.sequence != 0)
    add_gap(spooled.sequence, spooled.sequence, record.events, record.alert_events,
            pb::Gap::REASON_SPOOL_FULL);
}

void Uploader::wait(std::chrono::milliseconds d) {
  std::unique_lock lock(wake_mu_);
  wake_.wait_for(lock, d, [this] { return stopping_; });
}

void Uploader::submit_dump(pb::DumpUpload dump) {
  {
    std::lock_guard lock(report_mu_);
    dumps_.push_back(std::move(dump));
  }
  notify_work();
}

void Uploader::take_dump_requests(const pb::Ack& ack) {
  if (!on_dump_) return;
  for (const pb::DumpRequest& r : ack.dump_requests()) {
    if (!dumps_taken_.insert(r.id()).second) continue;  // offered again until delivered
    log("dump " + std::to_string(r.id()) + " requested by " + r.requested_by() + ": " +
        r.reason());
    {
      std::lock_guard lock(report_mu_);
      ++stats_.dumps_requested;
    }
    on_dump_(r);
  }
}

void Uploader::send_dump() {
  if (std::chrono::steady_clock::now() < next_dump_attempt_) return;
  pb::DumpUpload dump;
  {
    std::lock_guard lock(report_mu_);
    if (dumps_.empty()) return;
    dump = dumps_.front();
  }
  auto r = client_->post("/v1/dumps", dump.SerializeAsString(), "application/x-protobuf", "");
  const long status = r ? r->status : 0;
  // Transient (no answer, 5xx, 429): the dump waits, batches go on.
  if (status == 0 || status == 429 || status >= 500) {
    log("dump " + std::to_string(dump.id()) + " not delivered yet: " +
        (r ? "collector answered " + std::to_string(status) : r.error().message));
    next_dump_attempt_ = std::chrono::steady_clock::now() + dump_backoff_.next();
    return;
  }
  dump_backoff_.reset();
  std::lock_guard lock(report_mu_);
  if (status == 413 && dump.error().empty()) {
    // Too large for the collector's body limit: it learns why instead of
    // waiting for a dump that will never come.
    log("dump " + std::to_string(dump.id()) + " too large for the collector (" +
        std::to_string(dump.dump_zstd().size()) + " bytes compressed); reporting it as failed");
    ++stats_.dumps_refused;
    dumps_.front().clear_dump_zstd();
    dumps_.front().set_error("the dump (" + std::to_string(dump.dump_zstd().size()) +
                             " bytes compressed) exceeds the collector's request size limit "
                             "(limits.max_body_bytes): narrow the scope, or take it on the host "
                             "with yaguractl dump");
    return;
  }
  dumps_.pop_front();
  if (status == 200) {
    ++stats_.dumps_sent;
    log("dump " + std::to_string(dump.id()) + " delivered (" +
        std::to_string(dump.dump_zstd().size()) + " bytes compressed)");
  } else {
    ++stats_.dumps_refused;
    log("dump " + std::to_string(dump.id()) + " refused by the collector (" +
        std::to_string(status) + "): " + r->body);
  }
}

void Uploader::run() {
  for (;;) {
    uint64_t work_seen;
    {
      std::lock_guard lock(wake_mu_);
      if (stopping_ && std::chrono::steady_clock::now() >= stop_deadline_) return;
      work_seen = work_;
    }
    send_dump();
    std::optional<SpoolRecord> record = spool_->next();
    add_losses(spool_->take_losses());
    if (!record) {
      // Nothing to send: asleep until a seal, a dump or stop(). The bound
      // covers a dump's retry time and a spool that could not open a file
      // just now (out of descriptors).
      auto until = std::chrono::steady_clock::now() + kIdleRecheck;
      {
        std::lock_guard lock(report_mu_);
        if (!dumps_.empty()) until = std::min(until, next_dump_attempt_);
      }
      std::unique_lock lock(wake_mu_);
      wake_.wait_until(lock, until, [&] { return stopping_ || work_ != work_seen; });
      if (stopping_) return;
      continue;
    }
    if (deliver(*record)) {
      backoff_.reset();
      continue;
    }
    {
      std::lock_guard lock(wake_mu_);
      // At stop, a collector that does not answer is not waited for: the
      // batch stays spooled for the next start.
      if (stopping_) return;
    }
    wait(backoff_.next());
  }
}

// True when the batch is done with: stored, or refused for good.
bool Uploader::deliver(const SpoolRecord& record) {
  auto r = client_->post("/v1/batches", record.payload, "application/x-protobuf", "zstd");
  const long status = r ? r->status : 0;
  long previous;
  {
    std::lock_guard lock(report_mu_);
    stats_.bytes_sent += record.payload.size();
    previous = stats_.last_status;
    stats_.last_status = status;
  }
  // Logged when the answer changes, not at every retry.
  const bool news = status != previous;
  if (!r) {
    std::lock_guard lock(report_mu_);
    if (stats_.send_errors++ == 0 || news)
      log("collector unreachable, batches stay spooled: " + r.error().message);
    return false;
  }
  if (status == 200) {
    pb::Ack ack;
    if (!ack.ParseFromString(r->body) || ack.sequence() != record.sequence) {
      log("collector answered 200 without an ack for batch " + std::to_string(record.sequence));
      std::lock_guard lock(report_mu_);
      ++stats_.refused;
      return false;
    }
    if (ack.renumber_above() != 0) {
      renumber(record, ack.renumber_above());
    } else {
      if (Status s = spool_->ack(record.sequence); !s) log(s.error().message);
      std::lock_guard lock(report_mu_);
      ++stats_.batches_acked;
      stats_.events_acked += record.events;
      stats_.duplicates += ack.duplicate() ? 1 : 0;
      stats_.last_acked_sequence = record.sequence;
    }
    if (ack.has_policy_offer()) consider_offer(ack.policy_offer());
    take_dump_requests(ack);
    return true;
  }
  if (status == 400 || status == 413) {
    // The collector will never store this batch: retrying would hold up
    // every later one. Dropped, and reported as a gap.
    log("collector rejected batch " + std::to_string(record.sequence) + " (" +
        std::to_string(status) + "): " + r->body);
    if (Status s = spool_->ack(record.sequence); !s) log(s.error().message);
    add_gap(record.sequence, record.sequence, record.events, record.alert_events,
            pb::Gap::REASON_REJECTED);
    std::lock_guard lock(report_mu_);
    ++stats_.rejected_batches;
    return true;
  }
  if (news) log("collector answered " + std::to_string(status) + ", batches stay spooled: " + r->body);
  std::lock_guard lock(report_mu_);
  ++stats_.refused;
  return false;
}

void Uploader::consider_offer(const pb::PolicyOffer& offer) {
  if (!on_policy_) return;  // this sensor runs its configured policy only
  {
    std::lock_guard lock(report_mu_);
    if (offer.version() <= policy_.version()) return;
    if (offer.version() == offer_taken_version_ && offer.sha256() == offer_taken_sha_) return;
  }
  auto r = client_->get("/v1/policy?version=" + std::to_string(offer.version()));
  pb::PolicyDocument doc;
  std::string problem;
  if (!r) {
    problem = r.error().message;
  } else if (r->status != 200) {
    problem = "collector answered " + std::to_string(r->status) + ": " + r->body;
  } else if (!doc.ParseFromString(r->body)) {
    problem = "malformed policy document";
  } else if (doc.version() != offer.version() || sha256_hex(doc.policy()) != offer.sha256()) {
    problem = "policy document does not match the offer (version or SHA-256)";
  }
  {
    std::lock_guard lock(report_mu_);
    ++stats_.policy_fetches;
    if (!problem.empty()) {
      ++stats_.policy_fetch_errors;
    } else {
      offer_taken_version_ = offer.version();
      offer_taken_sha_ = offer.sha256();
    }
  }
  if (!problem.empty()) {
    log("policy version " + std::to_string(offer.version()) + " not fetched: " + problem);
    return;
  }
  log("fetched policy version " + std::to_string(doc.version()));
  on_policy_(std::move(doc));
}

void Uploader::stop() {
  if (!thread_.joinable()) return;
  const uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::steady_clock::now().time_since_epoch())
          .count());
  for (ClosedBatch& c : builder_.close_all()) seal(std::move(c), now);
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
    stop_deadline_ = std::chrono::steady_clock::now() + options_.stop_grace;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace yagura
