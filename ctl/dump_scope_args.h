// The scope options shared by `yaguractl dump` (local, through the
// sensor's control socket) and `yaguractl dump request` (through the
// collector): --from --to --process --pid --descendants --lineage --exe
// --user --destination, turned into a validated DumpScope
// (dump/dump_scope.h says what each means).
//
//   {"dump", "...", "...", with_scope_options({required_value("out")}), 0, 0, dump},
//   auto scope = scope_from_args(args);   // usage error on a bad value
#pragma once

#include <vector>

#include "common/result.h"
#include "ctl/command_line.h"
#include "dump/dump_scope.h"

namespace yagura::ctl {

std::vector<OptionSpec> with_scope_options(std::vector<OptionSpec> options);

// Times are RFC 3339 or relative to now ("-2h").
Result<dump::DumpScope> scope_from_args(const ParsedArgs& args);

}  // namespace yagura::ctl
