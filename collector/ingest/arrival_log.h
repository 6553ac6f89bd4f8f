// What `yagura-collector --show-arrivals` prints: one line per stored batch
// (sensor, sequence, events by type, how many carry the sensor policy's
// alerts, gaps), and each alert the detection engine raises, in the form a
// CSIRT reads first: severity, rule, host and its tags, what happened, the
// process lineage and the first next step.
//
//   s1 #42 stored: 120 events (exec 12, network 80, ...), 1 with policy alerts
//   ALERT #7 critical reverse-shell.socket-stdio on web-01 [role=web team=payments]
//     bash (pid 4242, alice) ran bash -i with stdin and stdout on a socket
//     lineage: bash -i <- bash -c ... <- sshd: alice [priv]
//     next: yaguractl dump request --sensor web-01 --process 4200:12 ...
#pragma once

#include <string>

#include "collector/alerts/alert.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

std::string describe_arrival(const IncomingBatch& batch, StoreOutcome outcome);
std::string describe_alert(const Alert& alert);

}  // namespace yagura::collector
