// Ships the events a sensor keeps to its collector, losing none that the
// spool accepted.
//
// The output thread adds events; they gather in batches (batch_builder.h)
// that are sealed there: a sequence number is persisted, the batch is
// stamped with host, policy and health, serialized, compressed and
// appended to the disk spool, durably. The upload thread sends the spool's
// oldest batch, and the spool forgets it only when the collector answers
// 200 with an Ack for that sequence (stored, or stored before). No answer,
// 401/403, 404, 429 and 5xx are retried with backoff and jitter, forever:
// the data stays in the spool. 400 and 413 mean the collector will never
// take that batch: it is dropped and reported as a gap, like batches lost
// to a full spool or to corruption on disk. Every gap is reported to the
// collector, in the next batch sealed.
//
// A sensor whose state directory was wiped numbers from 1 again; the
// collector, holding other batches under those numbers, answers with the
// highest it has, and each such batch is sealed again numbered above it.
//
// A quiet sensor still seals an empty batch every heartbeat interval: the
// collector sees the host alive, with its health counters, and the answer
// can carry a policy offer. An offered policy newer than the running one is
// fetched, checked against the offer's SHA-256 and handed to the
// PolicyOfferHandler; whether it was applied comes back through
// report_policy_status and reaches the collector in the next batch.
//
// The answer can also carry dump requests: each is handed once to the
// DumpRequestHandler, which makes the dump elsewhere and gives it back with
// submit_dump(); the upload thread posts it between two batches, retrying
// with backoff until the collector answers.
//
//   auto up = Uploader::start(options, [&](wire::v1::PolicyDocument d) { apply(d); });
//   (*up)->add(std::move(event), has_alerts, now);       // output thread
//   (*up)->tick(now);                                    // output thread, when due:
//   auto due = (*up)->tick_due_in(now);                  // output thread
//   (*up)->stop();                                       // seals, tries to deliver, joins
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/host.h"
#include "common/result.h"
#include "uploader/batch_builder.h"
#include "uploader/spool/sequence_counter.h"
#include "uploader/spool/spool.h"
#include "uploader/transport/backoff.h"
#include "uploader/transport/https_client.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura {

struct UploaderOptions {
  std::string sensor_id;  // must be the client certificate's common name
  HostIdentity host;
  std::string dump_key;  // fingerprint of the dump-signing key, sent with the host
  uint32_t event_schema = 0;  // of the events' JSON
  BatchLimits batch;
  uint64_t heartbeat_ns = 60'000'000'000;
  SpoolOptions spool;
  std::string sequence_path;
  HttpsClientOptions http;
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60'000};
  // At stop, how long the upload thread keeps delivering what is spooled;
  // the rest waits in the spool for the next start.
  std::chrono::milliseconds stop_grace{2000};
  int zstd_level = 3;
};

struct UploaderStats {
  uint64_t batches_sealed = 0;
  uint64_t events_sealed = 0;
  uint64_t seal_errors = 0;  // batches that could not be spooled (their events are a gap)
  uint64_t batches_acked = 0;
  uint64_t events_acked = 0;
  uint64_t duplicates = 0;  // acked as stored by an earlier upload
  // Sealed again under a new number: the collector had the old one for
  // another batch (this sensor's numbering went back).
  uint64_t renumbered = 0;
  uint64_t bytes_sent = 0;  // compressed request bodies, retries included
  uint64_t send_errors = 0;  // no answer: connection, TLS, timeout
  uint64_t refused = 0;      // answers other than 200, retried
  uint64_t rejected_batches = 0;  // 400/413: dropped, reported as gaps
  uint64_t gaps_reported = 0;     // gap records put in batches
  uint64_t policy_fetches = 0;
  uint64_t policy_fetch_errors = 0;
  uint64_t dumps_requested = 0;  // dump requests handed to the handler
  uint64_t dumps_sent = 0;       // dump uploads the collector answered 200
  uint64_t dumps_refused = 0;    // dump uploads it refused for good (4xx)
  uint64_t last_acked_sequence = 0;
  long last_status = 0;  // of the last answer
  SpoolStats spool;
};

// Empty: offers are ignored.
using PolicyOfferHandler = std::function<void(wire::v1::PolicyDocument)>;
// Empty: dump requests are ignored. Runs on the upload thread: hand off.
using DumpRequestHandler = std::function<void(wire::v1::DumpRequest)>;

class Uploader {
 public:
  static Result<std::unique_ptr<Uploader>> start(UploaderOptions options,
                                                 PolicyOfferHandler on_policy,
                                                 DumpRequestHandler on_dump = {});
  ~Uploader();
  Uploader(const Uploader&) = delete;
  Uploader& operator=(const Uploader&) = delete;

  // Output thread.
  void add(wire::v1::Event event, bool has_alerts, uint64_t now_ns);
  void tick(uint64_t now_ns);
  // Output thread: how long from now until tick() has work (a batch's age
  // limit, the heartbeat); at most a second, in which a loss report or a
  // policy outcome from another thread waits for its batch.
  std::chrono::nanoseconds tick_due_in(uint64_t now_ns) const;  // closes batches by age; heartbeats; reports
  void set_health(std::string_view health_json);

  // Any thread.
  void set_policy(const std::string& name, uint64_t version, const std::string& sha256);
  void report_policy_status(uint64_t version, const std::string& sha256, bool applied,
                            const std::string& error);
  // A dump made for a request (or the reason it could not be made).
  void submit_dump(wire::v1::DumpUpload dump);
  UploaderStats stats() const;

  // Seals the open batches, delivers for up to stop_grace, joins. The
  // output thread must be stopped first.
  void stop();

 private:
  Uploader(UploaderOptions options, PolicyOfferHandler on_policy, DumpRequestHandler on_dump,
           std::unique_ptr<Spool> spool, SequenceCounter sequence,
           std::unique_ptr<HttpsClient> client);
  void seal(ClosedBatch closed, uint64_t now_ns);
  // A number (above `above`) for the batch, and the batch spooled under it.
  struct Spooled {
    uint64_t sequence = 0;  // 0: no number could be persisted
    Status status;
  };
  Spooled number_and_spool(wire::v1::Batch& batch, uint32_t priority, uint32_t alert_events,
                           uint64_t above);
  void renumber(const SpoolRecord& record, uint64_t above);
  void add_losses(const std::vector<SpoolLoss>& losses);
  void add_gap(uint64_t first, uint64_t last, uint64_t events, uint64_t alert_events,
               wire::v1::Gap::Reason reason);
  void run();
  bool deliver(const SpoolRecord& record);
  void consider_offer(const wire::v1::PolicyOffer& offer);
  void take_dump_requests(const wire::v1::Ack& ack);
  // Posts the oldest submitted dump when its retry time has come.
  void send_dump();
  void wait(std::chrono::milliseconds d);
  // A batch sealed or a dump submitted: the upload thread has work.
  void notify_work();

  const UploaderOptions options_;
  const PolicyOfferHandler on_policy_;
  const DumpRequestHandler on_dump_;
  std::unique_ptr<Spool> spool_;
  BatchBuilder builder_;  // output thread
  // Numbers are taken and spooled in one step, so the spool gets them in
  // order: the output thread seals, the upload thread renumbers.
  std::mutex number_mu_;
  SequenceCounter sequence_;  // guarded by number_mu_
  uint64_t last_sealed_ns_ = 0;  // output thread
  std::unique_ptr<HttpsClient> client_;  // upload thread
  Backoff backoff_;                      // upload thread
  std::set<uint64_t> dumps_taken_;       // upload thread: requests handed over once
  Backoff dump_backoff_;                 // upload thread
  std::chrono::steady_clock::time_point next_dump_attempt_;  // upload thread

  // What the next sealed batch reports, from any thread.
  mutable std::mutex report_mu_;
  wire::v1::PolicyRef policy_;
  std::map<std::string, int64_t> health_;
  std::vector<wire::v1::Gap> gaps_;
  std::optional<wire::v1::PolicyStatus> policy_status_;
  std::deque<wire::v1::DumpUpload> dumps_;  // submitted, not yet delivered
  // An offer being applied, or refused: not fetched again.
  uint64_t offer_taken_version_ = 0;
  std::string offer_taken_sha_;
  UploaderStats stats_;  // guarded by report_mu_ too

  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by wake_mu_
  uint64_t work_ = 0;      // guarded by wake_mu_: notify_work() calls
  std::chrono::steady_clock::time_point stop_deadline_;
  std::thread thread_;
};

}  // namespace yagura
