#include "collector/ingest/arrival_log.h"

#include <map>

namespace yagura::collector {

std::string describe_arrival(const IncomingBatch& batch, StoreOutcome outcome) {
  std::map<std::string, size_t> types;
  size_t with_alerts = 0;
  for (const EventRecord& e : batch.events) {
    ++types[e.type];
    with_alerts += e.json.find("\"alerts\":[") != std::string::npos;
  }
  const char* what = outcome == StoreOutcome::kStored      ? " stored"
                     : outcome == StoreOutcome::kDuplicate ? " duplicate (stored before)"
                                                           : " NOT STORED: sequence reused, the sensor renumbers";
  std::string out = batch.sensor_id + " #" + std::to_string(batch.sequence) + what + ": " +
                    std::to_string(batch.events.size()) + " events";
  if (!types.empty()) {
    out += " (";
    for (const auto& [type, n] : types) out += type + " " + std::to_string(n) + ", ";
    out.resize(out.size() - 2);
    out += ")";
  }
  if (with_alerts) out += ", " + std::to_string(with_alerts) + " with policy alerts";
  for (const ReportedGap& g : batch.gaps)
    out += "; GAP " + std::to_string(g.first_sequence) + ".." + std::to_string(g.last_sequence) +
           " (" + g.reason + ", " + std::to_string(g.events) + " events)";
  return out + "\n";
}

std::string describe_alert(const Alert& alert) {
  std::string tags;
  for (const auto& [k, v] : alert.tags) tags += (tags.empty() ? "" : " ") + k + "=" + v;
  std::string out = "ALERT #" + std::to_string(alert.id) + " " + severity_name(alert.severity) +
                    " " + alert.rule_id + " on " + alert.hostname + " [" + tags + "]: " +
                    alert.title + "\n  " + alert.summary + "\n";
  if (!alert.lineage.empty()) {
    out += "  lineage:";
    for (size_t i = 0; i < alert.lineage.size(); ++i) {
      const AlertProcess& p = alert.lineage[i];
      out += (i ? " <- " : " ") + (p.command_line.empty() ? p.exe : p.command_line);
    }
    out += "\n";
  }
  if (!alert.next_steps.empty()) out += "  next: " + alert.next_steps.front() + "\n";
  return out;
}

}  // namespace yagura::collector
