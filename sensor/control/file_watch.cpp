#include "sensor/control/file_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace yagura {

Result<FileWatch> FileWatch::open(const std::vector<std::string>& paths) {
  UniqueFd fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd.valid()) return Error::from_errno("inotify_init1");
  std::set<std::string> names;
  std::set<std::string> dirs;
  for (const std::string& p : paths) {
    const std::filesystem::path path(p);
    names.insert(path.filename().string());
    dirs.insert(path.has_parent_path() ? path.parent_path().string() : ".");
  }
  // Deliberately not IN_MODIFY: a file being written fires it per write;
  // IN_CLOSE_WRITE fires once, when the writer is done.
  constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM |
                             IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  for (const std::string& d : dirs) {
    if (inotify_add_watch(fd.get(), d.c_str(), kMask) < 0)
      return Error::from_errno("watching " + d);
  }
  return FileWatch(std::move(fd), std::move(names));
}

bool FileWatch::changed() {
  bool hit = false;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = read(fd_.get(), buf, sizeof(buf));
    if (n <= 0) break;  // EAGAIN: drained
    for (char* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      // A directory removed or moved away takes its files with it.
      if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW)) hit = true;
      if (ev->len > 0 && names_.count(ev->name)) hit = true;
      p += sizeof(inotify_event) + ev->len;
    }
  }
  return hit;
}

}  // namespace yagura
