// What `yagura-collector --show-arrivals` prints as batches are stored: one
// line per batch (sensor, sequence, events by type, gaps), and one line per
// alert with what a CSIRT reads first: severity, rule, host and its tags,
// the process and its parent.
//
//   s1 #42 stored: 120 events (exec 12, network 80, ...)
//   ALERT high exec-from-tmp "Execution from a temporary directory" on web-01
//     [role=web team=payments]: /tmp/x (pid 4242 key 4242:99) <- /usr/bin/bash
#pragma once

#include <string>

#include "collector/store/event_store.h"

namespace yagura::collector {

std::string describe_arrival(const IncomingBatch& batch, StoreOutcome outcome);

}  // namespace yagura::collector
