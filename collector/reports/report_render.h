// A TeamReport (team_report.h) as JSON for tools, Markdown for a ticket or
// a wiki, and one self-contained HTML page (inline CSS, no script, nothing
// fetched) to mail or archive.
//
// Alert text comes from the hosts: a summary or a host name can hold an
// attacker's command line. Markdown and HTML escape every string taken from
// a report, and replace bytes that are not UTF-8 and control characters, so
// a hostile "</td><script>" prints as text. The JSON keeps raw bytes as
// "\udcXX", as the rest of the API does.
//
//   std::string page = render_report_html(report);
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "collector/reports/team_report.h"

namespace yagura::collector {

enum class ReportFormat { kJson, kMarkdown, kHtml };

// "json", "md", "html".
std::optional<ReportFormat> parse_report_format(std::string_view name);
const char* report_format_extension(ReportFormat format);
const char* report_content_type(ReportFormat format);

std::string render_report_json(const TeamReport& report);
std::string render_report_markdown(const TeamReport& report);
std::string render_report_html(const TeamReport& report);
std::string render_report(const TeamReport& report, ReportFormat format);

}  // namespace yagura::collector
