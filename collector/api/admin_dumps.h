// The CSIRT's side of remote dumps (/v1/admin/dumps): ask a sensor for a
// forensic dump, follow the requests, fetch what came. The sensor's side is
// dump_ingest.h; the request reaches it in the Ack of its next batch.
// CollectorApi has already checked the method and that the peer is an
// admin.
//
//   POST /v1/admin/dumps  {"sensor": "web-01", "scope": {...}, "reason": "INC-42 ..."}
//     201 {"id": N, "sensor": S, "state": "pending"}
//     400 not a JSON object of exactly those keys, an empty sensor or
//         reason, a scope that is not an object; 404 a sensor that never
//         sent a batch (it could never pick the request up); 413 a body
//         over 64 KiB (the request travels in every Ack until answered).
//     The scope is passed to the sensor as given: its dump library alone
//     says what a scope means, and refuses a bad one in its answer.
//   GET /v1/admin/dumps[?sensor=S][&reason=TEXT]   (reason: contains TEXT)
//     200 {"dumps": [...]}, newest first, each {id, sensor, reason,
//     requested_by, requested, scope, state ("pending", "delivered",
//     "failed"), completed (when the sensor answered), bytes, events,
//     key_fingerprint, expected_key, verification, error}; fields that do
//     not apply yet are null. 404 an unknown sensor.
//   GET /v1/admin/dumps/ID
//     200 the dump file, decompressed, exactly as the sensor signed it
//     (application/x-ndjson), also when its verification failed; 409 still
//     pending; 404 no such request, or it failed (no file).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/api/api_request.h"
#include "collector/api/query_params.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

ApiResponse request_dump(EventStore& store, const std::string& body, const std::string& admin,
                         uint64_t now_ns);
ApiResponse list_dumps(EventStore& store, const QueryParams& params);
// `id` is the path segment after /v1/admin/dumps/.
ApiResponse fetch_dump(EventStore& store, std::string_view id, const QueryParams& params);

}  // namespace yagura::collector
