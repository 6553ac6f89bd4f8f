// An alert: what a detection found on one host, with what a CSIRT needs to
// act on it without opening another tool: the host and its tags (which team
// owns it), the process that did it and its lineage with command lines, the
// events that triggered the rule, related activity on other hosts, and what
// to do next. docs/detections.md documents the JSON form (alert_json.h).
//
// The detection engine builds an Alert (id 0, count 1); the AlertStore
// deduplicates it by dedup_key and answers the stored id and count.
//
//   Alert a{.rule_id = "exec.from-temp", .severity = Severity::kHigh, ...};
//   auto outcome = store.record(a, kDay);
//   if (outcome && outcome->created) dispatcher.deliver(a with outcome->id);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collector/store/event_store.h"

namespace yagura::collector {

enum class Severity : uint8_t { kLow, kMedium, kHigh, kCritical };

// "low", "medium", "high", "critical".
const char* severity_name(Severity severity);
std::optional<Severity> parse_severity(std::string_view name);

enum class AlertStatus : uint8_t { kOpen, kClosed };

// "open", "closed".
const char* alert_status_name(AlertStatus status);
std::optional<AlertStatus> parse_alert_status(std::string_view name);

// One process of an alert's lineage, as the events described it.
struct AlertProcess {
  std::string key;  // the process key, "<tgid>:<start_ns>"
  uint32_t pid = 0;
  std::string exe;           // empty: unknown
  std::string command_line;  // empty: unknown
  std::string user;          // name of the real uid; empty: unknown
};

// Other hosts that share something with the alert: the same executable
// (kind "exe_sha256"), the same remote address ("remote_ip") or domain
// ("domain").
struct RelatedActivity {
  std::string kind;
  std::string value;
  uint64_t host_count = 0;          // other hosts, all of them
  std::vector<std::string> hosts;   // their host names, at most a few
};

struct Alert {
  uint64_t id = 0;  // the store's, from 1; 0 until stored
  std::string rule_id;
  std::string title;
  std::string description;  // why this matters, from the rule
  Severity severity = Severity::kMedium;
  std::vector<std::string> attack;  // ATT&CK technique ids

  std::string sensor_id;
  std::string hostname;
  std::string boot_id;
  Tags tags;  // the host's tags (team, role, ...)

  // Same rule, same host and boot, same process tree (and the rule's
  // group_by values): one alert, counted.
  std::string dedup_key;
  uint64_t first_ns = 0;     // UTC ns of the first occurrence's last event
  uint64_t last_ns = 0;      // the same for the latest occurrence
  uint64_t detected_ns = 0;  // when the collector raised it
  uint64_t count = 1;

  std::string summary;  // one line saying what happened, with names
  std::string process_key;
  // The process the alert is about first, then its parent, up the tree.
  std::vector<AlertProcess> lineage;
  // The triggering events, as the sensor sent them (JSON text), oldest
  // first; at most kMaxAlertEvents.
  std::vector<std::string> events;
  std::vector<RelatedActivity> related;
  std::vector<std::string> next_steps;  // commands and actions, in order

  AlertStatus status = AlertStatus::kOpen;
  std::string closed_by;  // the admin who closed it
  std::string close_note;
  uint64_t closed_ns = 0;
};

// Events an alert keeps; later occurrences only count.
inline constexpr size_t kMaxAlertEvents = 16;

}  // namespace yagura::collector
