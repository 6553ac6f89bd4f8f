// Turns what a rule found into an Alert a person can act on at a glance:
// a one-line summary naming the programs, addresses and files involved;
// the lineage of the process with command lines; the triggering events;
// the dedup key (the rule's group, the host and boot, the root of the
// process tree, the rule's group_by values); related activity on other
// hosts (the same executable, destination or domain, from the store); and
// next steps with the exact yaguractl commands.
//
//   Finding f{.rule = &rule, .sensor_id = id, .host = host, .events = jsons};
//   Alert a = build_alert(f, rules.tree_roots, now_ns, &store);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "collector/alerts/alert.h"
#include "collector/detect/detection_rules.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

// What a rule found, before it is an alert.
struct Finding {
  const DetectionRule* rule = nullptr;
  std::string sensor_id;
  HostInfo host;
  uint64_t time_ns = 0;               // UTC, of the event that completed it (or now)
  std::vector<std::string> events;    // JSON, oldest first; empty for sensor findings
  std::vector<AlertProcess> lineage;  // of the completing event's process
  std::string summary;                // when the events do not say it (detectors)
  std::string group_value;            // the rule's group_by values, or a detector's detail
};

// Related activity comes from `store` (other hosts with the alert's
// executable hash, remote addresses or domains, a few names per value); a
// null store or a store error leaves it out.
Alert build_alert(const Finding& finding, const std::set<std::string, std::less<>>& tree_roots,
                  uint64_t now_ns, EventStore* store);

// One line saying what an event shows: "curl wrote /tmp/x",
// "bash -i started with stdin on a socket", ...
std::string describe_event(const nlohmann::json& event);

}  // namespace yagura::collector
