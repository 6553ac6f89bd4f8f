#include "sensor/capture/cgroup2.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace yagura {
namespace {

constexpr long kCgroup2Magic = 0x63677270;

bool is_cgroup2_root(const std::string& dir) {
  struct statfs st {};
  // A cgroup2 mount of a sub-cgroup (in a container) is not the root; the
  // mount's root field is checked by the caller.
  return statfs(dir.c_str(), &st) == 0 && st.f_type == kCgroup2Magic;
}

// mountinfo: id parent major:minor root mountpoint options... - fstype ...
std::string find_in_mountinfo() {
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    auto sep = line.find(" - ");
    if (sep == std::string::npos) continue;
    std::istringstream tail(line.substr(sep + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, sep));
    std::string id, parent, devs, root, mountpoint;
    head >> id >> parent >> devs >> root >> mountpoint;
    if (root == "/" && is_cgroup2_root(mountpoint)) return mountpoint;
  }
  return {};
}

}  // namespace

Result<std::string> ensure_cgroup2() {
  if (std::string found = find_in_mountinfo(); !found.empty()) return found;
  const std::string dir = "/run/yagura/cgroup2";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cgroup2: cannot create " + dir + ": " + ec.message()};
  if (mount("cgroup2", dir.c_str(), "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return Error::from_errno("cgroup2: no cgroup v2 hierarchy mounted, and mounting one on " + dir +
                             " failed");
  return dir;
}

}  // namespace yagura
