// Makes sure tracefs is mounted: libbpf resolves syscall tracepoints through
// it, and minimal hosts (and this CI machine) boot without it.
#pragma once

#include <string>

#include "common/result.h"

namespace yagura {

// Returns the tracefs directory in use, mounting it at /sys/kernel/tracing
// when neither that nor /sys/kernel/debug/tracing is mounted.
Result<std::string> ensure_tracefs();

}  // namespace yagura
