// `yaguractl policy check` and `yaguractl policy test`: what a CSIRT runs
// before it signs and pushes a policy.
//
//   yaguractl policy check fleet.yaml              # errors (file:line:col), lint warnings
//   yaguractl policy test fleet.yaml events.jsonl  # which rules each recorded event hits
#pragma once

#include "ctl/command_line.h"

namespace yagura::ctl {

// Parses, compiles and lints a policy; with --trusted also checks its
// signature. Exit 1 on an error, or on a warning with --strict.
int policy_check(const ParsedArgs& args);

// Replays recorded JSON event lines (the sensor's output) through a policy
// and prints, per event, the rules it hit and the verdict, then every
// rule's counts. Rate limits run on the events' own clock (ktime_ns).
int policy_test(const ParsedArgs& args);

}  // namespace yagura::ctl
