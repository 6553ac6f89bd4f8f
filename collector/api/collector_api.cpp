#include "collector/api/collector_api.h"

#include <cerrno>
#include <exception>

#include "collector/api/admin_dumps.h"
#include "collector/api/admin_handlers.h"
#include "collector/api/api_responses.h"
#include "collector/api/query_params.h"
#include "collector/ingest/policy_targets.h"

namespace yagura::collector {
namespace {

int ingest_status(int code) {
  switch (code) {
    case ENOTSUP:
      return 415;
    case E2BIG:
      return 413;
    case EBADMSG:
      return 400;
    case EPERM:
      return 403;
    default:
      return 503;  // EIO: the store failed
  }
}

ApiResponse not_admin(const std::string& peer) {
  return error_response(403, "\"" + peer + "\" is not an administrator");
}

constexpr std::string_view kAdminDumps = "/v1/admin/dumps";

}  // namespace

CollectorApi::CollectorApi(EventStore& store, CollectorApiConfig config)
    : store_(store),
      config_(std::move(config)),
      ingest_(store, config_.limits, config_.now, config_.on_stored),
      dumps_(store, config_.max_dump_bytes, config_.verify_dump, config_.now) {}

ApiResponse CollectorApi::handle(const ApiRequest& request) {
  // The server must get an answer whatever happens behind it: a bug here
  // costs one request a 500, never the process.
  try {
    return route(request);
  } catch (const std::exception& e) {
    return error_response(500, std::string("internal error: ") + e.what());
  } catch (...) {
    return error_response(500, "internal error");
  }
}

ApiResponse CollectorApi::route(const ApiRequest& request) {
  auto target = RequestTarget::parse(request.target);
  if (!target) return error_response(400, target.error().message);
  const std::string& path = target->path;
  const QueryParams& params = target->params;
  const std::string& method = request.method;

  if (path == "/v1/batches") {
    if (method != "POST") return error_response(405, "use POST on " + path);
    if (Status s = params.check({}); !s) return error_response(400, s.error().message);
    return post_batch(request);
  }
  if (path == "/v1/policy") {
    if (method != "GET") return error_response(405, "use GET on " + path);
    return get_policy(request.peer, params);
  }
  if (path == "/v1/dumps") {
    if (method != "POST") return error_response(405, "use POST on " + path);
    if (Status s = params.check({}); !s) return error_response(400, s.error().message);
    return post_dump(request);
  }
  if (path == kAdminDumps || path.starts_with(std::string(kAdminDumps) + "/")) {
    if (!is_admin(request.peer)) return not_admin(request.peer);
    return admin_dumps(request, path, params);
  }
  if (is_alert_admin_path(path)) {
    if (!is_admin(request.peer)) return not_admin(request.peer);
    const AlertRoutes routes{store_, config_.alerts, config_.detections, config_.reports};
    return route_alert_admin(routes, request, path, params, config_.now());
  }

  using Handler = ApiResponse (*)(EventStore&, const QueryParams&);
  struct AdminGet {
    const char* path;
    Handler handler;
  };
  static constexpr AdminGet kAdminGets[] = {
      {"/v1/admin/policies", list_policies}, {"/v1/admin/hosts", list_hosts},
      {"/v1/admin/events", host_events},     {"/v1/admin/process", process_view},
      {"/v1/admin/gaps", list_gaps},
  };
  for (const AdminGet& entry : kAdminGets) {
    if (path != entry.path) continue;
    if (!is_admin(request.peer)) return not_admin(request.peer);
    if (method == "POST" && path == "/v1/admin/policies") {
      if (Status s = params.check({}); !s) return error_response(400, s.error().message);
      return push_policy(store_, request.body, request.peer, config_.now());
    }
    if (method != "GET") {
      return error_response(
          405, path == "/v1/admin/policies" ? "use GET or POST on " + path : "use GET on " + path);
    }
    return entry.handler(store_, params);
  }
  return error_response(404, "no such resource: " + path);
}

ApiResponse CollectorApi::post_batch(const ApiRequest& request) {
  auto ack = ingest_.ingest(request.peer, request.content_encoding, request.body);
  if (!ack) return error_response(ingest_status(ack.error().code), ack.error().message);
  return protobuf_response(*ack);
}

// The sensor is told where its request stands, also when the dump failed
// verification: it made and sent the dump, there is nothing to retry.
ApiResponse CollectorApi::post_dump(const ApiRequest& request) {
  auto receipt = dumps_.ingest(request.peer, request.content_encoding, request.body);
  if (!receipt) return error_response(ingest_status(receipt.error().code), receipt.error().message);
  const DumpRecord& d = receipt->record;
  return json_response(200, {{"id", d.id},
                             {"state", dump_state_name(d.state)},
                             {"duplicate", receipt->duplicate},
                             {"verification", verification_summary(d)},
                             {"error", d.error}});
}

ApiResponse CollectorApi::admin_dumps(const ApiRequest& request, const std::string& path,
                                      const QueryParams& params) {
  if (path != kAdminDumps) {
    if (request.method != "GET") return error_response(405, "use GET on " + path);
    return fetch_dump(store_, std::string_view(path).substr(kAdminDumps.size() + 1), params);
  }
  if (request.method == "POST") {
    if (Status s = params.check({}); !s) return error_response(400, s.error().message);
    return request_dump(store_, request.body, request.peer, config_.now());
  }
  if (request.method != "GET") return error_response(405, "use GET or POST on " + path);
  return list_dumps(store_, params);
}

// A sensor gets a policy only when it is targeted at its host as last
// reported: policies for other teams are not its business.
ApiResponse CollectorApi::get_policy(const std::string& peer, const QueryParams& params) {
  if (Status s = params.check({"version"}); !s) return error_response(400, s.error().message);
  auto version_text = params.get("version");
  if (!version_text) return error_response(400, "version is required");
  auto version = parse_uint(*version_text);
  if (!version) return error_response(400, "version: " + version.error().message);

  auto host = store_.host(peer);
  if (!host) return unavailable(host.error());
  const std::string not_found = "no policy version " + *version_text + " for \"" + peer + "\"";
  if (!*host) return error_response(404, not_found + " (no batch from it yet)");
  auto policy = store_.policy(*version);
  if (!policy) return unavailable(policy.error());
  if (!*policy || !targets_match((*policy)->targets, (*host)->host.tags)) {
    return error_response(404, not_found);
  }
  wire::v1::PolicyDocument document;
  document.set_version((*policy)->version);
  document.set_sha256((*policy)->sha256);
  document.set_policy((*policy)->policy);
  document.set_signature((*policy)->signature);
  return protobuf_response(document);
}

}  // namespace yagura::collector
