// Whether a destination is new to the whole fleet: no host the collector
// stores contacted the address (or domain) before this event. The store
// answers (EventStore::hosts_with), so what counts as known survives a
// restart of the collector; destinations found known are remembered in a
// bounded cache so a busy destination costs one query, not one per event.
//
// Until the collector has seen the fleet for `learning` (its oldest host's
// first batch), nothing is rare: everything is new on the first day.
//
//   DestinationRarity rarity(store, params);
//   if (auto rare = rarity.first_contact(ActivityKey::kRemoteIp, ip, event_ns, now); rare && *rare)
//     raise();
#pragma once

#include <cstdint>
#include <string>

#include "collector/detect/detectors.h"
#include "collector/detect/lru_map.h"
#include "collector/store/event_store.h"
#include "common/result.h"

namespace yagura::collector {

class DestinationRarity {
 public:
  DestinationRarity(EventStore& store, const DetectorParams& params)
      : store_(store), learning_ns_(params.learning_ns), known_(params.memory) {}

  // True when `value` was first contacted at `event_ns`, by any host, and
  // the learning period is over at `now_ns`.
  Result<bool> first_contact(ActivityKey kind, const std::string& value, uint64_t event_ns,
                             uint64_t now_ns);

 private:
  Result<bool> learning(uint64_t now_ns);

  EventStore& store_;
  uint64_t learning_ns_;
  uint64_t fleet_since_ns_ = 0;  // the oldest host's first batch; 0: not read yet
  LruMap<std::string, bool> known_;
};

}  // namespace yagura::collector
