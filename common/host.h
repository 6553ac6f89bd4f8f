// Who this host is and what time it is: the identity stamped on every event,
// and the conversion of the kernel's CLOCK_BOOTTIME stamps to UTC.
//
//   auto host = read_host_identity();
//   if (!host) return host.error();
//   WallClock clock;  // measures realtime - boottime now
//   std::string t = format_rfc3339(clock.to_wall_ns(event.ktime_ns));
//   // "2026-11-22T06:01:02.123456789Z"
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/result.h"

namespace yagura {

struct HostIdentity {
  std::string hostname;
  // Changes at every boot; with it a ProcessKey (tgid, boot-time start) is
  // unique across the fleet and across reboots of one host.
  std::string boot_id;
  std::string kernel_release;
  std::map<std::string, std::string> tags;  // from configuration, not read here
};

// Hostname and kernel release from uname(2), boot_id from
// /proc/sys/kernel/random/boot_id. Fails when any of them cannot be read:
// events without a boot_id would have keys that collide across reboots.
Result<HostIdentity> read_host_identity();

// Converts CLOCK_BOOTTIME nanoseconds to UTC nanoseconds since the epoch by
// adding a fixed offset (realtime - boottime). Boottime keeps counting through
// suspend, so the offset only moves when the wall clock is stepped; a stepped
// clock is followed by building a new WallClock.
struct WallClock {
  // Measures the offset now.
  WallClock();
  // Uses the given offset: for tests and for replaying recorded events.
  explicit WallClock(int64_t offset) : offset_ns(offset) {}

  // Clamped at the epoch: a stamp that would fall before 1970 reads as 0.
  uint64_t to_wall_ns(uint64_t boottime_ns) const;

  int64_t offset_ns;
};

// UTC now, in nanoseconds since the epoch: the time of records that are not
// kernel events (journal health lines, dumps, batches).
uint64_t realtime_ns();

// RFC 3339 in UTC with nanoseconds, always 30 characters:
// "2026-11-22T06:01:02.123456789Z".
void append_rfc3339(std::string& out, uint64_t epoch_ns);
std::string format_rfc3339(uint64_t epoch_ns);

}  // namespace yagura
