// The report a CSIRT otherwise assembles by hand for each team every month:
// for the hosts with one tag value (team=web) or for every host, over a
// period, what is open and how bad, what was raised, which rules fire the
// most, which hosts stopped reporting and which sensors lost data.
//
// Building reads the stores once and keeps plain values; rendering is
// report_render.h (JSON, Markdown, HTML). Alerts are matched by the tags
// they were raised with, hosts by their tags as last reported.
//
//   TeamReportRequest r{.tag_key = "team", .tag_value = "web",
//                       .since_ns = now - 7 * kDayNs, .until_ns = now, .now_ns = now};
//   auto report = build_team_report(events, alerts, r);
//   if (report) write(render_report_html(*report));
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "collector/alerts/alert_store.h"
#include "collector/store/event_store.h"
#include "common/result.h"

namespace yagura::collector {

inline constexpr uint64_t kReportMinuteNs = 60ull * 1000000000ull;
inline constexpr uint64_t kReportDayNs = 24 * 60 * kReportMinuteNs;
inline constexpr uint64_t kDefaultSilentAfterNs = 15 * kReportMinuteNs;
inline constexpr size_t kDefaultReportOpenAlerts = 100;
inline constexpr size_t kReportTopRules = 10;

struct TeamReportRequest {
  std::string tag_key;  // empty: every host
  std::string tag_value;
  uint64_t since_ns = 0;  // the period, [since, until)
  uint64_t until_ns = 0;
  uint64_t now_ns = 0;  // "not reporting" and "open" are judged now
  uint64_t silent_after_ns = kDefaultSilentAfterNs;
  size_t max_open_alerts = kDefaultReportOpenAlerts;  // listed; all are counted
};

// Indexed by Severity: low, medium, high, critical.
using SeverityCounts = std::array<uint64_t, 4>;

struct ReportHost {
  std::string sensor_id;
  std::string hostname;
  Tags tags;
  uint64_t last_seen_ns = 0;
  bool silent = false;        // last seen more than silent_after ago
  uint64_t open_alerts = 0;   // open now
  uint64_t period_alerts = 0; // first seen in the period
};

struct ReportRule {
  std::string rule_id;
  std::string title;
  Severity severity = Severity::kLow;  // the highest it was raised with
  uint64_t alerts = 0;                 // first seen in the period
  uint64_t occurrences = 0;            // their counts, summed
};

struct ReportGaps {
  std::string sensor_id;
  std::string hostname;
  std::vector<ReportedGap> reported;    // reported in the period
  std::vector<SequenceRange> missing;   // never arrived, still unexplained
  uint64_t lost_events = 0;             // the reported gaps' events, summed
};

struct TeamReport {
  std::string scope;  // "team=web", or "all"
  uint64_t since_ns = 0;
  uint64_t until_ns = 0;
  uint64_t generated_ns = 0;
  uint64_t silent_after_ns = 0;

  std::vector<ReportHost> hosts;  // by sensor_id
  SeverityCounts open_by_severity{};
  SeverityCounts raised_by_severity{};  // first seen in the period
  // Most alerts first, then most occurrences; at most kReportTopRules.
  std::vector<ReportRule> top_rules;
  // Open now, newest first, at most max_open_alerts of open_total.
  std::vector<Alert> open_alerts;
  uint64_t open_total = 0;
  std::vector<ReportGaps> gaps;  // sensors with any, by sensor_id
};

Result<TeamReport> build_team_report(EventStore& events, AlertStore& alerts,
                                     const TeamReportRequest& request);

// The scope's name in reports and file names: "team=web" or "all".
std::string report_scope(const std::string& tag_key, const std::string& tag_value);

}  // namespace yagura::collector
