// The sensor's health line, flattened into the counters a batch carries:
// every number and boolean leaf under its dotted path
// ({"pipeline":{"event_queue":{"dropped":3}}} -> "pipeline.event_queue.dropped": 3).
// Arrays and strings are left out: the collector keeps the full line only
// through these counters, which are what gap accounting needs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace yagura {

// Empty when the line is not a JSON object.
std::map<std::string, int64_t> flatten_health(std::string_view health_json);

}  // namespace yagura
