// Renders an Event as one line of JSON, schema v2 (docs/events.md is the
// reference for every field). Field names follow the Sigma taxonomy for Linux
// one to one: Image = process.exe, CommandLine = process.command_line,
// DestinationIp = network.destination.ip, TargetFilename = file.path, ...
//
// Strings are written with append_json_string (json_string.h): any bytes,
// always valid UTF-8, lossless. Times are RFC 3339 UTC, converted from the
// kernel's boot-time stamps by the WallClock given at construction. An event
// a policy judged ends with its verdict: "policy" and "alerts".
//
//   JsonWriter writer(*read_host_identity(), WallClock());
//   std::string batch;
//   for (const Event& e : events) {
//     writer.append(e, batch);
//     batch += '\n';
//   }
#pragma once

#include <string>

#include "common/event.h"
#include "common/host.h"

namespace yagura {

inline constexpr int kJsonSchemaVersion = 2;

class JsonWriter {
 public:
  JsonWriter(const HostIdentity& host, WallClock clock);

  // Appends one JSON object for `event` to `out`, without a newline. Appending
  // to a reused buffer keeps the per-event cost to the growth of that buffer.
  void append(const Event& event, std::string& out) const;

 private:
  std::string host_json_;  // the "host" object, the same for every event
  WallClock clock_;
};

}  // namespace yagura
