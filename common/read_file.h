// Reads a whole regular file. The error names the path; its code is the
// errno (ENOENT for a missing file, so callers can tell "absent" apart).
//
//   auto text = read_file("/etc/yagura/policy.yaml");
//   if (!text && text.error().code == ENOENT) use_default();
#pragma once

#include <string>

#include "common/result.h"

namespace yagura {

Result<std::string> read_file(const std::string& path);

}  // namespace yagura
