#include "sensor/capture/tracefs.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

namespace yagura {
namespace {

constexpr long kTracefsMagic = 0x74726163;

bool is_tracefs(const char* dir) {
  struct statfs st {};
  return statfs(dir, &st) == 0 && st.f_type == kTracefsMagic;
}

}  // namespace

Result<std::string> ensure_tracefs() {
  constexpr const char* kDir = "/sys/kernel/tracing";
  if (is_tracefs(kDir)) return std::string(kDir);
  if (is_tracefs("/sys/kernel/debug/tracing")) return std::string("/sys/kernel/debug/tracing");
  struct stat st {};
  if (stat(kDir, &st) != 0)
    return Error::from_errno(std::string("tracefs: ") + kDir + " missing (kernel without tracefs?)");
  if (mount("tracefs", kDir, "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return Error::from_errno(std::string("tracefs: mount on ") + kDir +
                             " failed (needs CAP_SYS_ADMIN)");
  return std::string(kDir);
}

}  // namespace yagura
