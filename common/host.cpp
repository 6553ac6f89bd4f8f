#include "common/host.h"

#include <fcntl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "common/unique_fd.h"

namespace yagura {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

Result<std::string> read_boot_id() {
  const char* path = "/proc/sys/kernel/random/boot_id";
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(std::string("open ") + path);
  char buf[64];
  ssize_t n;
  do {
    n = ::read(fd.get(), buf, sizeof(buf));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::from_errno(std::string("read ") + path);
  std::string id(buf, static_cast<size_t>(n));
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (id.empty()) return Error{std::string(path) + " is empty"};
  return id;
}

int64_t now_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return ts.tv_sec * kNsPerSec + ts.tv_nsec;
}

}  // namespace

Result<HostIdentity> read_host_identity() {
  // nodename is the hostname of our UTS namespace: the host's when the sensor
  // runs as it should, in the initial namespaces.
  utsname u{};
  if (::uname(&u) != 0) return Error::from_errno("uname");
  auto boot_id = read_boot_id();
  if (!boot_id) return boot_id.error();
  HostIdentity host;
  host.hostname = u.nodename;
  host.kernel_release = u.release;
  host.boot_id = std::move(*boot_id);
  return host;
}

WallClock::WallClock() : offset_ns(0) {
  // The two clocks cannot be read at once. Bracket a realtime read between two
  // boottime reads and keep the tightest of a few tries, so preemption between
  // the reads does not end up in the offset.
  int64_t best_gap = INT64_MAX;
  for (int i = 0; i < 3; ++i) {
    int64_t b0 = now_ns(CLOCK_BOOTTIME);
    int64_t r = now_ns(CLOCK_REALTIME);
    int64_t b1 = now_ns(CLOCK_BOOTTIME);
    if (b1 - b0 < best_gap) {
      best_gap = b1 - b0;
      offset_ns = r - (b0 + (b1 - b0) / 2);
    }
  }
}

uint64_t realtime_ns() { return static_cast<uint64_t>(now_ns(CLOCK_REALTIME)); }

uint64_t WallClock::to_wall_ns(uint64_t boottime_ns) const {
  if (offset_ns < 0 && boottime_ns < static_cast<uint64_t>(-offset_ns)) return 0;
  return boottime_ns + static_cast<uint64_t>(offset_ns);
}

void append_rfc3339(std::string& out, uint64_t epoch_ns) {
  using namespace std::chrono;
  const uint64_t secs = epoch_ns / kNsPerSec;
  const auto days = static_cast<int64_t>(secs / 86400);
  const auto sec_of_day = static_cast<unsigned>(secs % 86400);
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[40];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02u:%02u:%02u.%09uZ",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), sec_of_day / 3600, sec_of_day / 60 % 60,
                        sec_of_day % 60, static_cast<unsigned>(epoch_ns % kNsPerSec));
  out.append(buf, static_cast<size_t>(n));
}

std::string format_rfc3339(uint64_t epoch_ns) {
  std::string s;
  append_rfc3339(s, epoch_ns);
  return s;
}

}  // namespace yagura
