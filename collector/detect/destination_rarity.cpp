#include "collector/detect/destination_rarity.h"

#include <algorithm>

namespace yagura::collector {

Result<bool> DestinationRarity::learning(uint64_t now_ns) {
  if (fleet_since_ns_ == 0) {
    auto hosts = store_.hosts();
    if (!hosts) return hosts.error();
    for (const HostRecord& h : *hosts)
      if (h.first_seen_ns && (fleet_since_ns_ == 0 || h.first_seen_ns < fleet_since_ns_))
        fleet_since_ns_ = h.first_seen_ns;
  }
  return fleet_since_ns_ == 0 || now_ns - std::min(now_ns, fleet_since_ns_) < learning_ns_;
}

Result<bool> DestinationRarity::first_contact(ActivityKey kind, const std::string& value,
                                              uint64_t event_ns, uint64_t now_ns) {
  const std::string id = std::to_string(static_cast<int>(kind)) + ':' + value;
  if (known_.find(id)) return false;
  auto hosts = store_.hosts_with(kind, value);
  if (!hosts) return hosts.error();
  known_.put(id, true);
  for (const HostActivity& h : *hosts)
    if (h.first_ns < event_ns) return false;
  auto still_learning = learning(now_ns);
  if (!still_learning) return still_learning.error();
  return !*still_learning;
}

}  // namespace yagura::collector
