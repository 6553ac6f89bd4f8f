// yaguractl's commands for alerts, detection rules, suppressions and team
// reports at the collector (docs/operations.md#alerts-and-reports), as a
// CSIRT administrator. Readable text by default (alert_text.h), the
// collector's JSON with --json.
//
// Times (--since) are RFC 3339, epoch nanoseconds, or an age: "24h" or
// "-24h" is 24 hours ago. Lengths (--expires, --period): 90s, 30m, 24h, 7d, 2w.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "ctl/command_line.h"

namespace yagura::ctl {

// [--host S] [--rule R] [--tag k=v]... [--severity S] [--status open|closed] [--since T]
// [--limit N] [--json]
int alerts(const ParsedArgs& args);
int alert_show(const ParsedArgs& args);    // ID [--json]
int alert_close(const ParsedArgs& args);   // ID [--note TEXT]
int alert_reopen(const ParsedArgs& args);  // ID [--note TEXT]

int detection_rules(const ParsedArgs& args);    // [--json]
int detection_enable(const ParsedArgs& args);   // RULE [--reason T]
int detection_disable(const ParsedArgs& args);  // RULE [--reason T]
// --rule R [--host S] [--tag k=v]... [--when YAML] [--reason T] [--expires 7d]
int detection_suppress(const ParsedArgs& args);
int detection_suppressions(const ParsedArgs& args);  // [--json]
int detection_unsuppress(const ParsedArgs& args);    // ID

// [--tag k=v] [--period 7d] [--format md|html|json] [--out FILE]
int report(const ParsedArgs& args);

// "90s", "30m", "24h", "7d", "2w" in seconds.
Result<uint64_t> parse_duration_seconds(std::string_view text);
// RFC 3339 and epoch nanoseconds as they are; an age ("24h", "-24h") as
// the epoch nanoseconds that long before `now_ns`.
Result<std::string> since_parameter(std::string_view text, uint64_t now_ns);

}  // namespace yagura::ctl
