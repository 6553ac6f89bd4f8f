// The CSIRT's routes for detection (docs/protocol.md, "Alerts, detections
// and reports"): alerts to list, read, close and reopen; the detection
// rules with their counters, switched off and on; suppressions; and the
// per-team report. CollectorApi has checked that the peer is an admin; the
// admin's certificate name is who closed, changed or suppressed.
//
//   GET  /v1/admin/alerts[?sensor=&rule=&tag=k=v...&severity=MIN&status=&since=&until=&limit=]
//   GET  /v1/admin/alerts/ID
//   POST /v1/admin/alerts/ID/close | /reopen         {"note": "..."}
//   GET  /v1/admin/detections/rules
//   POST /v1/admin/detections/rules/ID/enable | /disable   {"reason": "..."}
//   GET  /v1/admin/detections/suppressions
//   POST /v1/admin/detections/suppressions           {rule, sensor, tags, condition, reason,
//                                                      expires_in_seconds}
//   POST /v1/admin/detections/suppressions/ID/remove
//   GET  /v1/admin/reports[?tag=k=v][&period=7d][&format=json|md|html]
//
// Alerts and reports answer 503 without an alert store, detections without
// a detection engine (detection switched off).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "collector/alerts/alert_store.h"
#include "collector/api/api_request.h"
#include "collector/api/query_params.h"
#include "collector/detect/detection_admin.h"
#include "collector/reports/team_report.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

struct ReportDefaults {
  uint64_t period_ns = 7 * kReportDayNs;  // when the request gives none
  uint64_t silent_after_ns = kDefaultSilentAfterNs;
};

// What the routes work on; the pointers may be null (not configured).
struct AlertRoutes {
  EventStore& events;
  AlertStore* alerts = nullptr;
  DetectionAdmin* detections = nullptr;
  ReportDefaults reports;
};

// True for the paths route_alert_admin() answers (all under /v1/admin/).
bool is_alert_admin_path(std::string_view path);
ApiResponse route_alert_admin(const AlertRoutes& routes, const ApiRequest& request,
                              const std::string& path, const QueryParams& params, uint64_t now_ns);

// One per route; the method is already checked.
ApiResponse list_alerts(AlertStore& alerts, const QueryParams& params);
ApiResponse get_alert(AlertStore& alerts, std::string_view id);
ApiResponse set_alert_status(AlertStore& alerts, std::string_view id, AlertStatus status,
                             const std::string& body, const std::string& admin, uint64_t now_ns);
ApiResponse list_rules(DetectionAdmin& detections, AlertStore* alerts);
ApiResponse set_rule_enabled(DetectionAdmin& detections, const std::string& rule_id, bool enabled,
                             const std::string& body, const std::string& admin);
ApiResponse list_suppressions(DetectionAdmin& detections);
ApiResponse add_suppression(DetectionAdmin& detections, const std::string& body,
                            const std::string& admin, uint64_t now_ns);
ApiResponse remove_suppression(DetectionAdmin& detections, std::string_view id);
ApiResponse team_report(EventStore& events, AlertStore& alerts, const QueryParams& params,
                        const ReportDefaults& defaults, uint64_t now_ns);

}  // namespace yagura::collector
