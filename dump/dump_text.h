// A dump as text for people (`yaguractl dump show`): a header saying whose
// dump it is, what it covers and whether it can be trusted, then the
// process tree: each process with its command line, user, pid and start,
// the exec, network, DNS, file, tamper and exit activity under it in
// journal order, then its children, indented. Events the policy had
// dropped are marked "(dropped by policy)", alerts "ALERT".
//
// Processes come from the events; what they looked like before the period
// (command line, start, parent) from the dump's process table. A process
// whose parent has no events in the dump starts a tree of its own, with a
// line naming that parent. The sensor's losses in the period (kernel
// drops, queue sheds, rejected records, lost output lines: the counters
// that grew between the first and the last health line) are listed, since
// a gap in the record must be visible in it.
//
// Strings from events are shown through display_text() (json_line.h):
// a control character in a file name cannot forge a line here.
//
//   auto dump = read_dump(bytes);
//   std::cout << render_dump_text(*dump, verify_dump(bytes, keys));
#pragma once

#include <string>

#include "dump/dump_reader.h"
#include "dump/dump_verifier.h"

namespace yagura::dump {

std::string render_dump_text(const DumpFile& dump, const DumpVerification& verification);

}  // namespace yagura::dump
