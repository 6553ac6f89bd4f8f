// The collector's HTTP API behind the TLS server: routes each ApiRequest to
// ingest, policy distribution or an admin query, and turns every outcome
// into a status code, never an exception.
//
// Routes (docs/protocol.md is the reference):
//   POST /v1/batches           any sensor; the batch must name the peer
//   GET  /v1/policy?version=N  a sensor fetches a policy targeted at it
//   POST /v1/dumps             a sensor answers a dump request (dump_ingest.h)
//   /v1/admin/...              peers named in `admins` only (else 403):
//     POST, GET policies; GET hosts, events, process, gaps;
//     POST, GET dumps; GET dumps/ID (admin_dumps.h)
//     alerts, detections and reports (admin_alerts.h)
// Unknown path 404, wrong method 405, anything unexpected 500.
//
//   auto store = SqliteStore::open(path);
//   CollectorApi api(**store, {.admins = {"csirt-alice"}});
//   server.run(api);  // handle() from many threads
#pragma once

#include <set>
#include <string>

#include "collector/alerts/alert_store.h"
#include "collector/api/admin_alerts.h"
#include "collector/api/api_request.h"
#include "collector/api/query_params.h"
#include "collector/detect/detection_admin.h"
#include "collector/ingest/batch_ingest.h"
#include "collector/ingest/dump_ingest.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

struct CollectorApiConfig {
  // Client-certificate common names allowed on /v1/admin/*.
  std::set<std::string> admins;
  IngestLimits limits;
  NowFn now = system_now_ns;
  BatchObserver on_stored;
  // Checks uploaded dumps; unset, they are kept as unverified.
  DumpVerifier verify_dump;
  // An uploaded dump that decompresses to more is refused (413).
  size_t max_dump_bytes = kDefaultMaxDumpBytes;
  // Null: /v1/admin/alerts and /v1/admin/reports answer 503. Must outlive
  // the API.
  AlertStore* alerts = nullptr;
  // Null (detection switched off): /v1/admin/detections/* answer 503.
  DetectionAdmin* detections = nullptr;
  // For /v1/admin/reports requests that do not say.
  ReportDefaults reports;
};

class CollectorApi : public RequestHandler {
 public:
  // `store` must outlive this object.
  CollectorApi(EventStore& store, CollectorApiConfig config);

  ApiResponse handle(const ApiRequest& request) override;

 private:
  ApiResponse route(const ApiRequest& request);
  ApiResponse post_batch(const ApiRequest& request);
  ApiResponse get_policy(const std::string& peer, const QueryParams& params);
  ApiResponse post_dump(const ApiRequest& request);
  ApiResponse admin_dumps(const ApiRequest& request, const std::string& path,
                          const QueryParams& params);
  bool is_admin(const std::string& peer) const { return config_.admins.count(peer) != 0; }

  EventStore& store_;
  CollectorApiConfig config_;
  BatchIngest ingest_;
  DumpIngest dumps_;
};

}  // namespace yagura::collector
