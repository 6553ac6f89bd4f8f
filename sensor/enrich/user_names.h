// uid → user name and gid → group name, through the system's name service
// (getpwuid_r / getgrgid_r), cached so that events do not each pay for an
// NSS lookup.
//
// Contract:
// - Single-threaded: one instance belongs to one thread.
// - An id with no entry resolves to "" and that answer is cached too, so
//   unknown ids (containers with their own /etc/passwd) cost one lookup per TTL.
// - Entries expire after Options::ttl, so a renamed user is picked up.
// - Each map keeps at most Options::max_entries ids, dropping the least
//   recently used.
// - A lookup runs on the caller's thread; with a remote NSS backend (LDAP,
//   sssd) a cache miss can take as long as that backend does.
//
//   UserNames names;
//   event.enrichment.user_name = names.user(task.creds.uid);
//   event.enrichment.group_name = names.group(task.creds.gid);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>

#include "common/lru_map.h"

namespace yagura {

// The system's answers, uncached: "" when the id has no entry.
std::string system_user_name(uint32_t uid);
std::string system_group_name(uint32_t gid);

struct UserNamesOptions {
  size_t max_entries = 1024;  // per map
  std::chrono::steady_clock::duration ttl = std::chrono::seconds(300);
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
  // The name service; tests substitute fakes.
  std::function<std::string(uint32_t)> user_lookup = system_user_name;
  std::function<std::string(uint32_t)> group_lookup = system_group_name;
};

class UserNames {
 public:
  using Options = UserNamesOptions;

  explicit UserNames(Options options = Options());

  std::string user(uint32_t uid);
  std::string group(uint32_t gid);

 private:
  struct Entry {
    std::string name;
    std::chrono::steady_clock::time_point expires;
  };
  using Cache = LruMap<uint32_t, Entry>;

  std::string get(Cache& cache, uint32_t id, const std::function<std::string(uint32_t)>& lookup);

  Options options_;
  Cache users_{options_.max_entries};
  Cache groups_{options_.max_entries};
};

}  // namespace yagura
