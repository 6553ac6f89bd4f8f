// FilterTables: the contents of the kernel filter maps (bpf/filter.bpf.h),
// built from a KernelFilterConfig. Names are resolved here, once per build:
// users to uids, executables and read-watched files to (dev, inode),
// cgroup paths to cgroup ids, globs to the paths that exist now. What
// cannot be resolved on this host (a user or file that does not exist) is
// skipped with a warning, so one configuration serves a whole fleet.
//
//   FilterTables t = build_filter_tables(config, FilterHost::local());
//   for (auto& w : t.warnings) log(w);
//   kernel_filter.publish(t);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bpf/events.h"
#include "sensor/filter/filter_config.h"

namespace yagura {

struct InodeId {
  uint64_t ino = 0;
  uint32_t dev = 0;  // kernel encoding: major << 20 | minor

  auto operator<=>(const InodeId&) const = default;
};

struct WatchPrefix {
  std::string prefix;  // at most YG_LPM_MAX bytes
  uint32_t flags = 0;  // enum yg_watch_flags; 0 for an exclusion

  auto operator<=>(const WatchPrefix&) const = default;
};

struct FilterTables {
  yg_filter_cfg cfg{};
  std::vector<WatchPrefix> watch_paths;
  std::vector<InodeId> read_inodes;
  std::vector<InodeId> ignore_exes;
  std::vector<uint32_t> ignore_uids;
  std::vector<uint64_t> ignore_cgroups;
  std::vector<std::string> warnings;

  // Same map contents (warnings aside): no need to publish again.
  bool same_contents(const FilterTables& other) const;
};

// How names are resolved; FilterHost::local() asks this machine.
struct FilterHost {
  std::function<std::optional<uint32_t>(const std::string& user)> uid_of;
  std::function<std::optional<InodeId>(const std::string& path)> inode_of;  // follows symlinks
  std::function<std::vector<std::string>(const std::string& pattern)> glob;
  std::string cgroup2_root;  // mount point of the cgroup v2 hierarchy

  static FilterHost local(std::string cgroup2_root);
};

FilterTables build_filter_tables(const KernelFilterConfig& config, const FilterHost& host);

// The LPM trie key for a prefix or a path: its first YG_LPM_MAX bytes.
yg_lpm_key lpm_key(const std::string& path);

}  // namespace yagura
