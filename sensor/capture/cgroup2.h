// Finds the cgroup v2 hierarchy, where the socket programs are attached (at
// its root, so they see every process). Hybrid hosts have it at
// /sys/fs/cgroup/unified, unified ones at /sys/fs/cgroup; a host with none
// mounted gets a private mount under /run/yagura.
#pragma once

#include <string>

#include "common/result.h"

namespace yagura {

// The mount point of the cgroup v2 root, mounting it when needed.
Result<std::string> ensure_cgroup2();

}  // namespace yagura
