// yaguractl's incident dump commands on the host and on a dump file:
//   dump         asks the local sensor (control socket, root only) for a
//                signed dump of what the scope selects, writes it to --out
//   dump verify  checks a dump's integrity and signature, and with --key its
//                origin (the sensor's registered key fingerprint)
//   dump show    a dump as a readable process tree, or --json: its events
//                as JSON lines
#pragma once

#include "ctl/command_line.h"

namespace yagura::ctl {

int dump(const ParsedArgs& args);         // --out FILE [--force] [--reason T] [--socket P] [scope]
int dump_verify(const ParsedArgs& args);  // [--key FINGERPRINT ...] [--json] FILE
int dump_show(const ParsedArgs& args);    // [--json] FILE
int sensor_status(const ParsedArgs& args);  // [--socket P]

}  // namespace yagura::ctl
