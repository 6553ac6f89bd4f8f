#include "sensor/filter/path_watch.h"

#include <algorithm>

namespace yagura {

PathWatch::PathWatch(const FilterTables& tables) : prefixes_(tables.watch_paths) {
  std::stable_sort(prefixes_.begin(), prefixes_.end(), [](const auto& a, const auto& b) {
    return a.prefix.size() > b.prefix.size();
  });
}

uint32_t PathWatch::flags_for(std::string_view path) const {
  // The trie compares at most YG_LPM_MAX bytes; so does this.
  path = path.substr(0, YG_LPM_MAX);
  for (const WatchPrefix& w : prefixes_)
    if (path.starts_with(w.prefix)) return w.flags;
  return 0;
}

}  // namespace yagura
