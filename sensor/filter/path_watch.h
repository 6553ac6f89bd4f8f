// PathWatch: the watched-prefix test of the kernel's LPM trie, in
// userspace, over the same FilterTables. The kernel judges a path built from
// a directory and a name as given; when that name holds "..", the sensor
// normalizes the path and judges it again here, so "../" can neither smuggle
// a change out of sight nor drag an unwatched one in.
//
//   PathWatch watch(tables);
//   if (!watch.watches_writes("/etc/cron.d/job")) drop(event);
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sensor/filter/filter_tables.h"

namespace yagura {

class PathWatch {
 public:
  explicit PathWatch(const FilterTables& tables);

  // enum yg_watch_flags of the longest watched or excluded prefix, 0 if none.
  uint32_t flags_for(std::string_view path) const;
  bool watches_writes(std::string_view path) const { return flags_for(path) & YG_WATCH_WRITE; }

 private:
  std::vector<WatchPrefix> prefixes_;  // longest first
};

}  // namespace yagura
