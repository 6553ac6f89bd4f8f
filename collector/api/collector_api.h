// The collector's HTTP API behind the TLS server: routes each ApiRequest to
// ingest, policy distribution or an admin query, and turns every outcome
// into a status code, never an exception.
//
// Routes (docs/protocol.md is the reference):
//   POST /v1/batches           any sensor; the batch must name the peer
//   GET  /v1/policy?version=N  a sensor fetches a policy targeted at it
//   /v1/admin/...              peers named in `admins` only (else 403):
//     POST, GET policies; GET hosts, events, process, gaps
// Unknown path 404, wrong method 405, anything unexpected 500.
//
//   auto store = SqliteStore::open(path);
//   CollectorApi api(**store, {.admins = {"csirt-alice"}});
//   server.run(api);  // handle() from many threads
#pragma once

#include <set>
#include <string>

#include "collector/api/api_request.h"
#include "collector/api/query_params.h"
#include "collector/ingest/batch_ingest.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

struct CollectorApiConfig {
  // Client-certificate common names allowed on /v1/admin/*.
  std::set<std::string> admins;
  IngestLimits limits;
  NowFn now = system_now_ns;
  BatchObserver on_stored;
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

  EventStore& store_;
  CollectorApiConfig config_;
  BatchIngest ingest_;
};

}  // namespace yagura::collector
