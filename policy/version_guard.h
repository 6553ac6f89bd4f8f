// Rollback protection: a sensor refuses a policy older than the one it last
// accepted, so that whoever can replay an old signed policy (a stale copy
// on a mirror, an intercepted push) cannot undo a newer one.
//
// The last accepted policy is kept in <state_dir>/policy-state:
//
//   version 42
//   sha256 <lower-case hex SHA-256 of the policy file bytes>
//
// written atomically (temporary file in the same directory, fsync, rename,
// fsync of the directory), so a crash leaves the old state or the new one.
//
// The rules, for a candidate policy against the accepted one:
//   higher version                  accepted
//   same version, same sha256       accepted (a restart, a re-push)
//   same version, other sha256      refused: a changed policy needs a new version
//   lower version                   refused: rollback
//   no state file                   accepted (first policy on this host)
//   unreadable or corrupt state     refused: fail closed, the guard cannot
//                                   tell a rollback from an upgrade
// allow_rollback (the local operator's `policy.allow_rollback`) accepts in
// every case; it is a local override, never something a pushed policy sets.
//
//   VersionGuard guard("/var/lib/yagura");
//   if (Status s = guard.check(42, sha, cfg.allow_rollback); !s) refuse(s.error());
//   apply(policy);
//   if (Status s = guard.record({42, sha}); !s) log(s.error());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::policy {

struct AcceptedPolicy {
  uint64_t version = 0;
  std::string sha256;  // 64 lower-case hex digits
};

class VersionGuard {
 public:
  explicit VersionGuard(const std::string& state_dir);

  // The last recorded policy, nullopt when there is no state file.
  Result<std::optional<AcceptedPolicy>> accepted() const;

  // Whether a policy of this version and file hash may be applied.
  Status check(uint64_t version, std::string_view sha256, bool allow_rollback) const;

  // Remembers `policy` as accepted; call once the sensor has applied it.
  Status record(const AcceptedPolicy& policy);

  const std::string& state_path() const { return state_path_; }

 private:
  std::string state_dir_;
  std::string state_path_;
};

}  // namespace yagura::policy
