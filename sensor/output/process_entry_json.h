// One process of the sensor's process table as a JSON object: the process
// table section of a forensic dump, which shows what ran before the dump's
// window (or before the sensor started) and what its events refer to.
//
//   std::string line;
//   table.for_each([&](const ProcessEntry& p) {
//     line.clear();
//     append_process_entry(line, p, clock);
//   });
//
// {"key":"4242:990","pid":4242,"parent":{"key":"1:5","pid":1},"start_time":"...",
//  "comm":"nginx","exe":"/usr/sbin/nginx","args":[...],"command_line":"...",
//  "cwd":"/","uid":33,"euid":33,"gid":33,"egid":33,"exited":false}
// plus "exit_time" for an exited process the table still holds.
#pragma once

#include <string>

#include "common/host.h"
#include "sensor/process/process_table.h"

namespace yagura {

void append_process_entry(std::string& out, const ProcessEntry& entry, const WallClock& clock);

}  // namespace yagura
