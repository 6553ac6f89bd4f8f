#include "collector/reports/team_report.h"

#include <algorithm>
#include <map>

namespace yagura::collector {
namespace {

bool in_scope(const Tags& tags, const TeamReportRequest& r) {
  if (r.tag_key.empty()) return true;
  auto it = tags.find(r.tag_key);
  return it != tags.end() && it->second == r.tag_value;
}

size_t severity_index(Severity s) { return static_cast<size_t>(s); }

}  // namespace

std::string report_scope(const std::string& tag_key, const std::string& tag_value) {
  return tag_key.empty() ? "all" : tag_key + "=" + tag_value;
}

Result<TeamReport> build_team_report(EventStore& events, AlertStore& alerts,
                                     const TeamReportRequest& request) {
  TeamReport report;
  report.scope = report_scope(request.tag_key, request.tag_value);
  report.since_ns = request.since_ns;
  report.until_ns = request.until_ns;
  report.generated_ns = request.now_ns;
  report.silent_after_ns = request.silent_after_ns;

  auto hosts = events.hosts();
  if (!hosts) return hosts.error();
  std::map<std::string, size_t> host_index;  // sensor_id -> report.hosts
  for (const HostRecord& h : *hosts) {
    if (!in_scope(h.host.tags, request)) continue;
    host_index[h.sensor_id] = report.hosts.size();
    const bool silent = h.last_seen_ns + request.silent_after_ns < request.now_ns;
    report.hosts.push_back({h.sensor_id, h.host.hostname, h.host.tags, h.last_seen_ns, silent});
  }
  auto count_for = [&](const std::string& sensor_id) -> ReportHost* {
    auto it = host_index.find(sensor_id);
    return it == host_index.end() ? nullptr : &report.hosts[it->second];
  };

  AlertFilter scope_filter;
  if (!request.tag_key.empty()) scope_filter.tags = {{request.tag_key, request.tag_value}};

  AlertFilter open_filter = scope_filter;
  open_filter.status = AlertStatus::kOpen;
  auto open = alerts.alerts(open_filter);
  if (!open) return open.error();
  report.open_total = open->size();
  for (const Alert& a : *open) {
    report.open_by_severity[severity_index(a.severity)]++;
    if (ReportHost* h = count_for(a.sensor_id)) h->open_alerts++;
  }
  if (open->size() > request.max_open_alerts) open->resize(request.max_open_alerts);
  report.open_alerts = std::move(*open);

  // The store's filter answers alerts that overlap the period; those raised
  // in it are the ones that began in it.
  AlertFilter period_filter = scope_filter;
  period_filter.since_ns = request.since_ns;
  period_filter.until_ns = request.until_ns;
  auto period = alerts.alerts(period_filter);
  if (!period) return period.error();
  std::map<std::string, ReportRule> rules;
  for (const Alert& a : *period) {
    if (a.first_ns < request.since_ns || a.first_ns >= request.until_ns) continue;
    report.raised_by_severity[severity_index(a.severity)]++;
    if (ReportHost* h = count_for(a.sensor_id)) h->period_alerts++;
    ReportRule& rule = rules[a.rule_id];
    if (rule.alerts == 0) {
      rule.rule_id = a.rule_id;
      rule.title = a.title;
    }
    rule.severity = std::max(rule.severity, a.severity);
    rule.alerts++;
    rule.occurrences += a.count;
  }
  for (auto& [id, rule] : rules) report.top_rules.push_back(std::move(rule));
  std::stable_sort(report.top_rules.begin(), report.top_rules.end(),
                   [](const ReportRule& a, const ReportRule& b) {
                     if (a.alerts != b.alerts) return a.alerts > b.alerts;
                     return a.occurrences > b.occurrences;
                   });
  if (report.top_rules.size() > kReportTopRules) report.top_rules.resize(kReportTopRules);

  auto gaps = events.gaps("");
  if (!gaps) return gaps.error();
  for (SensorGaps& g : *gaps) {
    const ReportHost* host = count_for(g.sensor_id);
    if (host == nullptr) continue;
    ReportGaps entry{g.sensor_id, host->hostname, {}, std::move(g.missing), 0};
    for (ReportedGap& r : g.reported) {
      if (r.reported_ns < request.since_ns || r.reported_ns >= request.until_ns) continue;
      entry.lost_events += r.events;
      entry.reported.push_back(std::move(r));
    }
    if (!entry.reported.empty() || !entry.missing.empty()) report.gaps.push_back(std::move(entry));
  }
  std::sort(report.gaps.begin(), report.gaps.end(),
            [](const ReportGaps& a, const ReportGaps& b) { return a.sensor_id < b.sensor_id; });
  return report;
}

}  // namespace yagura::collector
