// The admin routes (/v1/admin/*), one function each: read the query or
// body, ask the store, answer. CollectorApi has already checked the method
// and that the peer is an admin. docs/protocol.md describes each answer.
#pragma once

#include <cstdint>
#include <string>

#include "collector/api/api_request.h"
#include "collector/api/query_params.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

// POST /v1/admin/policies: body a wire PolicyPush.
ApiResponse push_policy(EventStore& store, const std::string& body, const std::string& admin,
                        uint64_t now_ns);
// GET /v1/admin/policies
ApiResponse list_policies(EventStore& store, const QueryParams& params);
// GET /v1/admin/hosts[?sensor=S][&tag=k=v...][&exe_sha256=H|&address=IP|&domain=D|&file=P]
ApiResponse list_hosts(EventStore& store, const QueryParams& params);
// GET /v1/admin/events?sensor=S&from=T&to=T[&type=X][&limit=N]
ApiResponse host_events(EventStore& store, const QueryParams& params);
// GET /v1/admin/process?sensor=S&key=TGID:START[&boot_id=B][&limit=N]
ApiResponse process_view(EventStore& store, const QueryParams& params);
// GET /v1/admin/gaps[?sensor=S]
ApiResponse list_gaps(EventStore& store, const QueryParams& params);

}  // namespace yagura::collector
