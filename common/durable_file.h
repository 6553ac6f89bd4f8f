// Replacing a small file so that a crash or power loss leaves either the
// old contents or the new, never a mix or a truncated file: write a unique
// temporary in the same directory, fsync it, rename it over the file, fsync
// the directory (without which the rename itself may not survive).
//
//   if (Status s = replace_file_durably(dir + "/state", text); !s) log(s.error().message);
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura {

// The new file gets `mode`; the directory must exist.
Status replace_file_durably(const std::string& path, std::string_view contents, int mode = 0600);

// Writes all of `data`, retrying short writes and EINTR.
Status write_all(int fd, std::string_view data, const std::string& what);

// Makes a file's creation, rename or removal in `dir` durable.
Status fsync_dir(const std::string& dir);

// mkdir -p, creating what is missing with 0700.
Status make_dirs(const std::string& dir);

// A full disk or quota: errors that removing old data can cure.
bool out_of_space(int code);

}  // namespace yagura
