// GET /v1/admin/reports: the team report (team_report.h) on demand, for one
// tag value or every host, over the period ending now.
#include "collector/api/admin_alerts.h"
#include "collector/api/api_responses.h"
#include "collector/ingest/policy_targets.h"
#include "collector/reports/report_render.h"

namespace yagura::collector {

ApiResponse team_report(EventStore& events, AlertStore& alerts, const QueryParams& params,
                        const ReportDefaults& defaults, uint64_t now_ns) {
  if (Status s = params.check({"tag", "period", "format"}); !s)
    return error_response(400, s.error().message);
  TeamReportRequest request{.now_ns = now_ns, .silent_after_ns = defaults.silent_after_ns};
  if (auto tag = params.get("tag")) {
    auto kv = parse_target(*tag);
    if (!kv) return error_response(400, "tag: " + kv.error().message);
    request.tag_key = kv->first;
    request.tag_value = kv->second;
  }
  uint64_t period = defaults.period_ns;
  if (auto text = params.get("period")) {
    auto d = parse_duration(*text);
    if (!d) return error_response(400, "period: " + d.error().message);
    period = *d;
  }
  request.since_ns = now_ns > period ? now_ns - period : 0;
  request.until_ns = now_ns;
  auto format = parse_report_format(params.get("format").value_or("json"));
  if (!format) return error_response(400, "format: one of json, md, html");

  auto report = build_team_report(events, alerts, request);
  if (!report) return unavailable(report.error());
  return ApiResponse{200, report_content_type(*format), render_report(*report, *format)};
}

}  // namespace yagura::collector
