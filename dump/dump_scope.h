// What a dump covers: the selection criteria a CSIRT gives, as typed on
// yaguractl's command line or sent in a collector's request as JSON. All
// are optional and combine with AND; no criterion at all is every event in
// the journal.
//
//   time         [from, to): event "time", UTC
//   process      a process key ("tgid:start_ns"), or a pid standing for the
//                key(s) that pid had in the period; the mode says how far:
//                process (that process only), descendants (it and every
//                process below it), lineage (descendants and its ancestors)
//   exe          process.exe: an exact path, or a glob where * matches any
//                run of characters, '/' included ("/tmp/*", "*/curl")
//   user         process.user, or process.uid when all digits
//   destination  an IP address, CIDR network or domain (destination.h)
//
// JSON form (a dump's "request" section, a collector's dump request), only
// the criteria given, times absolute:
//   {"from":"2026-11-22T06:00:00.000000000Z","to":"...","process":"4242:990000000000",
//    "mode":"descendants","exe":"/usr/bin/*","user":"alice","destination":"10.0.0.0/8"}
// ("pid":4242 instead of "process"). Unknown members are refused: a newer
// criterion read as no criterion would widen a dump silently.
//
//   DumpScope scope;
//   Status s = set_scope_option(scope, "from", "-2h", now_ns);  // also RFC 3339
//   if (s) s = set_scope_option(scope, "process", "4242:990000000000", now_ns);
//   if (s) s = set_scope_option(scope, "mode", "descendants", now_ns);
//   if (s) s = validate_scope(scope);
//   nlohmann::json request = scope_to_json(scope);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::dump {

enum class ProcessMode { kProcess, kDescendants, kLineage };

struct DumpScope {
  std::optional<uint64_t> from_ns;  // UTC ns since the epoch, inclusive
  std::optional<uint64_t> to_ns;    // exclusive
  std::string process_key;          // "tgid:start_ns"; empty: none
  std::optional<uint32_t> pid;      // instead of process_key
  ProcessMode mode = ProcessMode::kProcess;
  std::string exe;
  std::string user;
  std::string destination;

  bool has_process() const { return !process_key.empty() || pid.has_value(); }
};

// Sets one criterion from its command-line spelling. `name` is one of
// from, to, process, pid, mode, exe, user, destination. Times are RFC 3339
// or relative to `now_ns`: "now", "-90s", "-30m", "-2h", "-7d".
Status set_scope_option(DumpScope& scope, std::string_view name, std::string_view value,
                        uint64_t now_ns);

// The checks no single option can make: from before to, a process key or
// a pid but not both, a mode only with one of them.
Status validate_scope(const DumpScope& scope);

nlohmann::json scope_to_json(const DumpScope& scope);
// Validated as a whole.
Result<DumpScope> scope_from_json(const nlohmann::json& json);

// One line for people: "from ... to ..., process 4242:99 and descendants, user alice".
std::string describe_scope(const DumpScope& scope);

const char* mode_name(ProcessMode mode);

}  // namespace yagura::dump
