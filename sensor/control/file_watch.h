// Tells when any of a few files changed: written, replaced by a rename,
// created or removed. Watches the files' directories, not the files, so a
// file replaced atomically (written aside, renamed over) is still seen, and
// a file that does not exist yet is seen when it appears.
//
//   auto watch = FileWatch::open({"/etc/yagura/policy.yaml", "/etc/yagura/policy.yaml.sig"});
//   poll({watch->fd(), POLLIN}, ...);          // to sleep until something happens
//   if (watch->changed()) schedule_reload();   // non-blocking; drains the events
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/unique_fd.h"

namespace yagura {

class FileWatch {
 public:
  static Result<FileWatch> open(const std::vector<std::string>& paths);

  // True when a watched file changed since the last call. Never blocks.
  bool changed();
  // Readable when there are events for changed() to look at (some may
  // concern other files in the same directories).
  int fd() const { return fd_.get(); }

 private:
  FileWatch(UniqueFd fd, std::set<std::string> names)
      : fd_(std::move(fd)), names_(std::move(names)) {}

  UniqueFd fd_;
  std::set<std::string> names_;  // base names of the watched files
};

}  // namespace yagura
