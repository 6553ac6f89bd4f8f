#include "collector/reports/report_render.h"

#include <nlohmann/json.hpp>

#include "common/host.h"
#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

constexpr Severity kSeveritiesDown[] = {Severity::kCritical, Severity::kHigh, Severity::kMedium,
                                        Severity::kLow};

// ---- JSON ----

json by_severity(const SeverityCounts& counts) {
  json j = json::object();
  for (Severity s : kSeveritiesDown) j[severity_name(s)] = counts[static_cast<size_t>(s)];
  return j;
}

json alert_brief(const Alert& a) {
  return {{"id", a.id},
          {"severity", severity_name(a.severity)},
          {"rule", from_bytes(a.rule_id)},
          {"title", from_bytes(a.title)},
          {"sensor_id", from_bytes(a.sensor_id)},
          {"hostname", from_bytes(a.hostname)},
          {"first", format_rfc3339(a.first_ns)},
          {"time", format_rfc3339(a.last_ns)},
          {"count", a.count},
          {"summary", from_bytes(a.summary)}};
}

json tags_json(const Tags& tags) {
  json j = json::object();
  for (const auto& [k, v] : tags) j[from_bytes(k)] = from_bytes(v);
  return j;
}

json report_json(const TeamReport& r) {
  json hosts = json::array();
  json silent = json::array();
  for (const ReportHost& h : r.hosts) {
    hosts.push_back({{"sensor_id", from_bytes(h.sensor_id)},
                     {"hostname", from_bytes(h.hostname)},
                     {"tags", tags_json(h.tags)},
                     {"last_seen", format_rfc3339(h.last_seen_ns)},
                     {"not_reporting", h.silent},
                     {"open_alerts", h.open_alerts},
                     {"alerts_in_period", h.period_alerts}});
    if (h.silent) {
      silent.push_back({{"sensor_id", from_bytes(h.sensor_id)},
                        {"hostname", from_bytes(h.hostname)},
                        {"last_seen", format_rfc3339(h.last_seen_ns)}});
    }
  }
  json rules = json::array();
  for (const ReportRule& rule : r.top_rules) {
    rules.push_back({{"rule", from_bytes(rule.rule_id)},
                     {"title", from_bytes(rule.title)},
                     {"severity", severity_name(rule.severity)},
                     {"alerts", rule.alerts},
                     {"occurrences", rule.occurrences}});
  }
  json open = json::array();
  for (const Alert& a : r.open_alerts) open.push_back(alert_brief(a));
  json gaps = json::array();
  for (const ReportGaps& g : r.gaps) {
    json reported = json::array();
    for (const ReportedGap& gap : g.reported) {
      reported.push_back({{"first_sequence", gap.first_sequence},
                          {"last_sequence", gap.last_sequence},
                          {"events", gap.events},
                          {"reason", gap.reason},
                          {"reported", format_rfc3339(gap.reported_ns)}});
    }
    json missing = json::array();
    for (const SequenceRange& m : g.missing) {
      missing.push_back({{"first_sequence", m.first}, {"last_sequence", m.last}});
    }
    gaps.push_back({{"sensor_id", from_bytes(g.sensor_id)},
                    {"hostname", from_bytes(g.hostname)},
                    {"reported", std::move(reported)},
                    {"missing", std::move(missing)},
                    {"lost_events", g.lost_events}});
  }
  return {{"scope", from_bytes(r.scope)},
          {"since", format_rfc3339(r.since_ns)},
          {"until", format_rfc3339(r.until_ns)},
          {"generated", format_rfc3339(r.generated_ns)},
          {"silent_after_seconds", r.silent_after_ns / 1000000000},
          {"open_by_severity", by_severity(r.open_by_severity)},
          {"raised_by_severity", by_severity(r.raised_by_severity)},
          {"top_rules", std::move(rules)},
          {"open_alerts_total", r.open_total},
          {"open_alerts", std::move(open)},
          {"hosts_not_reporting", std::move(silent)},
          {"sensors_with_gaps", std::move(gaps)},
          {"hosts", std::move(hosts)}};
}

// ---- One document, two markups ----
//
// Markdown and HTML show the same sections; each renderer escapes every
// cell and line in one place, so no string reaches the output unescaped.

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  int severity_column = -1;  // HTML colours it
};

struct Section {
  std::string title;
  std::string text;  // a line before the table; may be empty
  Table table;
  std::string empty;  // said instead of an empty table
};

struct Document {
  std::string title;
  std::vector<std::string> intro;
  std::vector<Section> sections;
};

std::string utc(uint64_t ns) {
  // Whole seconds read better in a report; "2026-11-22 06:01:02 UTC".
  std::string t = format_rfc3339(ns);
  return t.substr(0, 10) + " " + t.substr(11, 8) + " UTC";
}

std::string tags_text(const Tags& tags) {
  std::string out;
  for (const auto& [k, v] : tags) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

std::string counts_row_total(const SeverityCounts& c) {
  return std::to_string(c[0] + c[1] + c[2] + c[3]);
}

Document report_document(const TeamReport& r) {
  Document doc;
  doc.title = "Yagura report: " + r.scope;
  doc.intro.push_back("Period " + utc(r.since_ns) + " to " + utc(r.until_ns) + ", generated " +
                      utc(r.generated_ns) + ".");
  size_t silent = 0;
  for (const ReportHost& h : r.hosts) silent += h.silent;
  doc.intro.push_back(std::to_string(r.hosts.size()) + " hosts, " + std::to_string(silent) +
                      " not reporting, " + std::to_string(r.gaps.size()) +
                      " sensors with gaps, " + std::to_string(r.open_total) + " open alerts.");

  Section summary{"Alerts by severity", "", {{"", "critical", "high", "medium", "low", "total"}}, ""};
  auto counts_row = [](std::string name, const SeverityCounts& c) {
    std::vector<std::string> row{std::move(name)};
    for (Severity s : kSeveritiesDown) row.push_back(std::to_string(c[static_cast<size_t>(s)]));
    row.push_back(counts_row_total(c));
    return row;
  };
  summary.table.rows.push_back(counts_row("open now", r.open_by_severity));
  summary.table.rows.push_back(counts_row("raised in the period", r.raised_by_severity));
  doc.sections.push_back(std::move(summary));

  Section open{"Open alerts", "", {{"id", "severity", "last seen", "host", "rule", "count", "summary"}, {}, 1},
               "No open alert."};
  if (r.open_alerts.size() < r.open_total) {
    open.text = "The newest " + std::to_string(r.open_alerts.size()) + " of " +
                std::to_string(r.open_total) + ".";
  }
  for (const Alert& a : r.open_alerts) {
    open.table.rows.push_back({std::to_string(a.id), severity_name(a.severity), utc(a.last_ns),
                               a.hostname.empty() ? a.sensor_id : a.hostname, a.rule_id,
                               std::to_string(a.count), a.summary});
  }
  doc.sections.push_back(std::move(open));

  Section rules{"Top rules in the period", "",
                {{"rule", "title", "severity", "alerts", "occurrences"}, {}, 2},
                "No alert raised in the period."};
  for (const ReportRule& rule : r.top_rules) {
    rules.table.rows.push_back({rule.rule_id, rule.title, severity_name(rule.severity),
                                std::to_string(rule.alerts), std::to_string(rule.occurrences)});
  }
  doc.sections.push_back(std::move(rules));

  Section silent_hosts{"Hosts not reporting",
                       "No batch for more than " + std::to_string(r.silent_after_ns / kReportMinuteNs) +
                           " minutes.",
                       {{"host", "sensor", "last seen"}},
                       "Every host reported."};
  for (const ReportHost& h : r.hosts) {
    if (h.silent) silent_hosts.table.rows.push_back({h.hostname, h.sensor_id, utc(h.last_seen_ns)});
  }
  doc.sections.push_back(std::move(silent_hosts));

  Section gaps{"Sensors with gaps", "Gaps reported in the period, and sequences never received.",
               {{"host", "sensor", "reported gaps", "events lost", "missing sequences"}},
               "No sensor lost data."};
  for (const ReportGaps& g : r.gaps) {
    uint64_t missing = 0;
    for (const SequenceRange& m : g.missing) missing += m.last - m.first + 1;
    std::string reasons;
    for (const ReportedGap& gap : g.reported) {
      if (reasons.find(gap.reason) == std::string::npos)
        reasons += (reasons.empty() ? "" : ", ") + gap.reason;
    }
    gaps.table.rows.push_back(
        {g.hostname, g.sensor_id,
         std::to_string(g.reported.size()) + (reasons.empty() ? "" : " (" + reasons + ")"),
         std::to_string(g.lost_events), std::to_string(missing)});
  }
  doc.sections.push_back(std::move(gaps));

  Section hosts{"Hosts", "",
                {{"host", "sensor", "tags", "last seen", "open alerts", "alerts in the period"}},
                "No host."};
  for (const ReportHost& h : r.hosts) {
    hosts.table.rows.push_back({h.hostname, h.sensor_id, tags_text(h.tags), utc(h.last_seen_ns),
                                std::to_string(h.open_alerts), std::to_string(h.period_alerts)});
  }
  doc.sections.push_back(std::move(hosts));
  return doc;
}

// Valid UTF-8 kept; a byte that is not becomes U+FFFD, a control character
// (C0, DEL, C1) a space: a newline would end a Markdown table row, an
// escape sequence would reach the terminal of whoever cats the report.
std::string clean_text(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size();) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool ok = len != 0 && i + len <= in.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(in[i + k]) & 0xc0) == 0x80;
    if (ok && len == 2 && c == 0xc2 && static_cast<unsigned char>(in[i + 1]) < 0xa0) {
      out += ' ';  // U+0080..U+009F
      i += 2;
      continue;
    }
    if (ok && len == 3) {  // no overlong forms, no surrogates
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    out.append(in.substr(i, len));
    i += len;
  }
  return out;
}

std::string md(std::string_view text) {
  std::string out;
  for (char c : clean_text(text)) {
    // Everything Markdown (and GitHub's tables) would read as markup or HTML.
    if (std::string_view("\\`*_[]<>|&~").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string html(std::string_view text) {
  std::string out;
  for (char c : clean_text(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

constexpr const char* kCss =
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}td{word-break:break-word;max-width:50em}"
    ".sev-critical{background:#b00020;color:#fff}.sev-high{background:#e65100;color:#fff}"
    ".sev-medium{background:#ffd54f}.sev-low{background:#e0e0e0}"
    ".empty{color:#666;font-style:italic}";

}  // namespace

std::optional<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "json") return ReportFormat::kJson;
  if (name == "md") return ReportFormat::kMarkdown;
  if (name == "html") return ReportFormat::kHtml;
  return std::nullopt;
}

const char* report_format_extension(ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return "json";
    case ReportFormat::kMarkdown:
      return "md";
    case ReportFormat::kHtml:
      return "html";
  }
  return "json";
}

const char* report_content_type(ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return "application/json";
    case ReportFormat::kMarkdown:
      return "text/markdown; charset=utf-8";
    case ReportFormat::kHtml:
      return "text/html; charset=utf-8";
  }
  return "application/json";
}

std::string render_report_json(const TeamReport& report) {
  std::string text =
      report_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  return restore_byte_escapes(text) + "\n";
}

std::string render_report_markdown(const TeamReport& report) {
  const Document doc = report_document(report);
  std::string out = "# " + md(doc.title) + "\n\n";
  for (const std::string& line : doc.intro) out += md(line) + "\n\n";
  for (const Section& s : doc.sections) {
    out += "## " + md(s.title) + "\n\n";
    if (!s.text.empty()) out += md(s.text) + "\n\n";
    if (s.table.rows.empty()) {
      out += "_" + md(s.empty) + "_\n\n";
      continue;
    }
    auto row = [](const std::vector<std::string>& cells) {
      std::string line = "|";
      for (const std::string& c : cells) line += " " + md(c) + " |";
      return line + "\n";
    };
    out += row(s.table.header);
    out += "|";
    for (size_t i = 0; i < s.table.header.size(); ++i) out += " --- |";
    out += "\n";
    for (const auto& cells : s.table.rows) out += row(cells);
    out += "\n";
  }
  return out;
}

std::string render_report_html(const TeamReport& report) {
  const Document doc = report_document(report);
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" +
                    html(doc.title) + "</title>\n<style>" + kCss + "</style></head>\n<body>\n<h1>" +
                    html(doc.title) + "</h1>\n";
  for (const std::string& line : doc.intro) out += "<p>" + html(line) + "</p>\n";
  for (const Section& s : doc.sections) {
    out += "<h2>" + html(s.title) + "</h2>\n";
    if (!s.text.empty()) out += "<p>" + html(s.text) + "</p>\n";
    if (s.table.rows.empty()) {
      out += "<p class=\"empty\">" + html(s.empty) + "</p>\n";
      continue;
    }
    out += "<table>\n<tr>";
    for (const std::string& h : s.table.header) out += "<th>" + html(h) + "</th>";
    out += "</tr>\n";
    for (const auto& cells : s.table.rows) {
      out += "<tr>";
      for (size_t i = 0; i < cells.size(); ++i) {
        // The class is one of four fixed names, never text from the report.
        const bool severity = static_cast<int>(i) == s.table.severity_column &&
                              parse_severity(cells[i]).has_value();
        out += severity ? "<td class=\"sev-" + std::string(severity_name(*parse_severity(cells[i]))) + "\">"
                        : std::string("<td>");
        out += html(cells[i]) + "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  return out + "</body></html>\n";
}

std::string render_report(const TeamReport& report, ReportFormat format) {
  switch (format) {
    case ReportFormat::kJson:
      return render_report_json(report);
    case ReportFormat::kMarkdown:
      return render_report_markdown(report);
    case ReportFormat::kHtml:
      return render_report_html(report);
  }
  return render_report_json(report);
}

}  // namespace yagura::collector
