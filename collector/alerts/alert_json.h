// An alert as one line of JSON: what the outputs deliver (stdout, the JSON
// lines file, webhook bodies), what the API answers and what the alert store
// keeps. docs/detections.md documents the members.
//
// Strings are bytes (a command line may hold any): a byte that is not UTF-8
// is written "\udcXX", as the sensor writes events (common/json_bytes.h).
// The triggering events are embedded as JSON values, spliced in as the
// sensor sent them; an event that is not valid JSON (it never should be)
// is embedded as a string instead, so the line always parses. Times are
// given twice: RFC 3339 for people ("first_time") and nanoseconds for
// programs ("first_time_ns"); the numbers are what alert_from_json reads.
//
//   std::string line = alert_to_json(alert);  // {"id":7,"rule":"exec.from-temp",...}
//   auto back = alert_from_json(line);        // the same Alert; events as
//                                             // equivalent compact JSON text
#pragma once

#include <string>
#include <string_view>

#include "collector/alerts/alert.h"
#include "common/result.h"

namespace yagura::collector {

// One JSON object, no newline.
std::string alert_to_json(const Alert& alert);

// Reads what alert_to_json wrote. An event comes back as compact JSON text
// with its members in their order (an event embedded as a string: that
// string). Unknown members are ignored.
Result<Alert> alert_from_json(std::string_view text);

}  // namespace yagura::collector
