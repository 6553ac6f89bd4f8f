// Routing of the alert, detection and report routes, and the alert routes
// themselves (GET /v1/admin/alerts, GET /v1/admin/alerts/ID, POST
// /v1/admin/alerts/ID/close and /reopen).
#include "collector/api/admin_alerts.h"

#include "collector/alerts/alert_json.h"
#include "collector/api/api_responses.h"
#include "collector/api/json_body.h"
#include "collector/ingest/policy_targets.h"

namespace yagura::collector {
namespace {

constexpr std::string_view kAlerts = "/v1/admin/alerts";
constexpr std::string_view kRules = "/v1/admin/detections/rules";
constexpr std::string_view kSuppressions = "/v1/admin/detections/suppressions";
constexpr std::string_view kReports = "/v1/admin/reports";
constexpr size_t kDefaultAlertLimit = 100;
constexpr size_t kMaxAlertLimit = 10000;

bool under(std::string_view path, std::string_view base) {
  return path == base || (path.starts_with(base) && path.size() > base.size() &&
                          path[base.size()] == '/');
}

// "ID/verb" after `base` + "/": the id and the verb ("" when there is none).
std::pair<std::string_view, std::string_view> id_and_verb(std::string_view path,
                                                          std::string_view base) {
  std::string_view rest = path.substr(base.size() + 1);
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return {rest, {}};
  return {rest.substr(0, slash), rest.substr(slash + 1)};
}

ApiResponse method_not_allowed(const char* method, const std::string& path) {
  return error_response(405, std::string("use ") + method + " on " + path);
}

ApiResponse no_alert_store() {
  return error_response(503, "alerts are not available: the collector has no alert store");
}

ApiResponse no_detection() {
  return error_response(503, "detection is switched off on this collector");
}

ApiResponse route_alerts(AlertStore& alerts, const ApiRequest& request, const std::string& path,
                         const QueryParams& params, uint64_t now_ns) {
  if (path == kAlerts) {
    if (request.method != "GET") return method_not_allowed("GET", path);
    return list_alerts(alerts, params);
  }
  if (Status s = params.check({}); !s) return error_response(400, s.error().message);
  auto [id, verb] = id_and_verb(path, kAlerts);
  if (verb.empty()) {
    if (request.method != "GET") return method_not_allowed("GET", path);
    return get_alert(alerts, id);
  }
  if (verb != "close" && verb != "reopen") return error_response(404, "no such resource: " + path);
  if (request.method != "POST") return method_not_allowed("POST", path);
  return set_alert_status(alerts, id, verb == "close" ? AlertStatus::kClosed : AlertStatus::kOpen,
                          request.body, request.peer, now_ns);
}

ApiResponse route_detections(DetectionAdmin& detections, AlertStore* alerts,
                             const ApiRequest& request, const std::string& path,
                             const QueryParams& params, uint64_t now_ns) {
  if (Status s = params.check({}); !s) return error_response(400, s.error().message);
  if (path == kRules) {
    if (request.method != "GET") return method_not_allowed("GET", path);
    return list_rules(detections, alerts);
  }
  if (under(path, kRules)) {
    auto [id, verb] = id_and_verb(path, kRules);
    if (verb != "enable" && verb != "disable")
      return error_response(404, "no such resource: " + path);
    if (request.method != "POST") return method_not_allowed("POST", path);
    return set_rule_enabled(detections, std::string(id), verb == "enable", request.body,
                            request.peer);
  }
  if (path == kSuppressions) {
    if (request.method == "POST") return add_suppression(detections, request.body, request.peer, now_ns);
    if (request.method != "GET") return method_not_allowed("GET or POST", path);
    return list_suppressions(detections);
  }
  if (under(path, kSuppressions)) {
    auto [id, verb] = id_and_verb(path, kSuppressions);
    if (verb != "remove") return error_response(404, "no such resource: " + path);
    if (request.method != "POST") return method_not_allowed("POST", path);
    return remove_suppression(detections, id);
  }
  return error_response(404, "no such resource: " + path);
}

Result<uint64_t> alert_id(std::string_view text) {
  auto id = parse_uint(text);
  if (!id || *id == 0) return Error{"an alert id is a positive number", 0};
  return *id;
}

}  // namespace

bool is_alert_admin_path(std::string_view path) {
  return under(path, kAlerts) || under(path, "/v1/admin/detections") || under(path, kReports);
}

ApiResponse route_alert_admin(const AlertRoutes& routes, const ApiRequest& request,
                              const std::string& path, const QueryParams& params,
                              uint64_t now_ns) {
  if (under(path, kAlerts)) {
    if (routes.alerts == nullptr) return no_alert_store();
    return route_alerts(*routes.alerts, request, path, params, now_ns);
  }
  if (path == kReports) {
    if (request.method != "GET") return method_not_allowed("GET", path);
    if (routes.alerts == nullptr) return no_alert_store();
    return team_report(routes.events, *routes.alerts, params, routes.reports, now_ns);
  }
  if (under(path, "/v1/admin/detections")) {
    if (routes.detections == nullptr) return no_detection();
    return route_detections(*routes.detections, routes.alerts, request, path, params, now_ns);
  }
  return error_response(404, "no such resource: " + path);
}

ApiResponse list_alerts(AlertStore& alerts, const QueryParams& params) {
  if (Status s = params.check(
          {"sensor", "rule", "tag", "severity", "status", "since", "until", "limit"}, {"tag"});
      !s) {
    return error_response(400, s.error().message);
  }
  AlertFilter filter{.sensor_id = params.get("sensor").value_or(""),
                     .rule_id = params.get("rule").value_or("")};
  for (const std::string& tag : params.all("tag")) {
    auto kv = parse_target(tag);
    if (!kv) return error_response(400, "tag: " + kv.error().message);
    if (auto [it, added] = filter.tags.insert(*kv); !added && it->second != kv->second)
      return error_response(400, "tag: " + kv->first + " given with two values");
  }
  if (auto text = params.get("severity")) {
    filter.min_severity = parse_severity(*text);
    if (!filter.min_severity)
      return error_response(400, "severity: one of low, medium, high, critical");
  }
  if (auto text = params.get("status")) {
    filter.status = parse_alert_status(*text);
    if (!filter.status) return error_response(400, "status: open or closed");
  }
  for (auto [name, field] : {std::pair{"since", &filter.since_ns}, {"until", &filter.until_ns}}) {
    if (auto text = params.get(name)) {
      auto t = parse_time(*text);
      if (!t) return error_response(400, std::string(name) + ": " + t.error().message);
      *field = *t;
    }
  }
  if (filter.until_ns != 0 && filter.since_ns >= filter.until_ns)
    return error_response(400, "since must be before until");
  auto limit = params.limit(kDefaultAlertLimit, kMaxAlertLimit);
  if (!limit) return error_response(400, limit.error().message);
  filter.limit = *limit;

  auto found = alerts.alerts(filter);
  if (!found) return unavailable(found.error());
  // alert_to_json() is the one form of an alert: spliced, not re-parsed.
  std::string body = "{\"alerts\":[";
  for (size_t i = 0; i < found->size(); ++i) {
    if (i > 0) body += ',';
    body += alert_to_json((*found)[i]);
  }
  body += "]}";
  return ApiResponse{200, "application/json", std::move(body)};
}

ApiResponse get_alert(AlertStore& alerts, std::string_view id_text) {
  auto id = alert_id(id_text);
  if (!id) return error_response(400, id.error().message);
  auto found = alerts.alerts(AlertFilter{.id = *id});
  if (!found) return unavailable(found.error());
  if (found->empty()) return error_response(404, "no alert " + std::to_string(*id));
  return ApiResponse{200, "application/json", alert_to_json(found->front())};
}

ApiResponse set_alert_status(AlertStore& alerts, std::string_view id_text, AlertStatus status,
                             const std::string& body, const std::string& admin, uint64_t now_ns) {
  auto id = alert_id(id_text);
  if (!id) return error_response(400, id.error().message);
  auto request = JsonBody::parse(body, {"note"});
  if (!request) return error_response(400, request.error().message);
  auto note = request->text("note");
  if (!note) return error_response(400, note.error().message);
  auto changed = alerts.set_status(*id, status, admin, *note, now_ns);
  if (!changed) return unavailable(changed.error());
  if (!*changed) return error_response(404, "no alert " + std::to_string(*id));
  return get_alert(alerts, id_text);
}

}  // namespace yagura::collector
