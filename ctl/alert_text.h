// The collector's alert, rule and suppression answers (JSON, docs/protocol.md)
// as text for a terminal: a table of alerts, one alert in full (lineage with
// command lines, events in short, related hosts, next steps), the rules with
// their counters, the suppressions.
//
// Every string shown comes from the hosts and may come from an attacker: a
// command line can hold terminal escape sequences. terminal_text() replaces
// control characters (C0, DEL, C1) and bytes that are not UTF-8 with '?',
// so nothing printed can move the cursor, retitle the window or hide a line.
//
//   auto j = parse_answer(body);          // accepts "\udcXX" raw bytes
//   std::fputs(alerts_table(*j).c_str(), stdout);
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::ctl {

// Parses an API answer, its "\udcXX" escapes kept as the bytes they stand
// for (strings read from it hold raw bytes).
Result<nlohmann::json> parse_answer(std::string_view body);

// Safe to print: see above. Newlines and tabs become spaces.
std::string terminal_text(std::string_view bytes);

// {"alerts": [...]}: id, severity, last seen, host, team, rule, count,
// summary; one line each. `team_key` names the tag shown as the team.
std::string alerts_table(const nlohmann::json& answer, const std::string& team_key = "team");
// One alert object, in full.
std::string alert_details(const nlohmann::json& alert);
// {"rules": [...]}
std::string rules_table(const nlohmann::json& answer);
// {"suppressions": [...]}
std::string suppressions_table(const nlohmann::json& answer);

}  // namespace yagura::ctl
