// One event as one line of text for the process tree of `dump show`
// (dump_text.h): what the process did, without who and when, which the
// tree already says.
//
//   describe_activity(event)
//   // "connect tcp 10.0.0.5:40312 -> 93.184.215.14:443 (example.com) established"
//   // "file open /etc/cron.d/job [write,create,truncate]  (dropped by policy)"
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace yagura::dump {

// Ends with "  (dropped by policy)" when the policy dropped the event and
// "  ALERT <id> (<severity>)" for each alert rule that fired on it.
std::string describe_activity(const nlohmann::json& event);

}  // namespace yagura::dump
