#include "collector/ingest/arrival_log.h"

#include <map>
#include <nlohmann/json.hpp>

#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

std::string text(const json& j, const json::json_pointer& p) {
  return j.contains(p) && j.at(p).is_string() ? to_bytes(j.at(p).get<std::string>()) : "?";
}

std::string alert_lines(const IncomingBatch& batch, const EventRecord& e) {
  // Cheap test first: most events carry no alert.
  if (e.json.find("\"alerts\":[") == std::string::npos) return "";
  const json j = json::parse(protect_byte_escapes(e.json), nullptr, false);
  if (!j.is_object() || !j.contains("alerts")) return "";
  std::string tags;
  for (const auto& [k, v] : batch.host.tags) tags += (tags.empty() ? "" : " ") + k + "=" + v;
  std::string out;
  for (const json& a : j["alerts"]) {
    out += "ALERT " + text(a, "/severity"_json_pointer) + " " + text(a, "/id"_json_pointer) +
           " \"" + text(a, "/title"_json_pointer) + "\" on " + batch.host.hostname + " [" + tags +
           "]: " + text(j, "/process/exe"_json_pointer) + " (pid " +
           (j.contains("/process/pid"_json_pointer) ? j["process"]["pid"].dump() : "?") +
           " key " + text(j, "/process/key"_json_pointer) + ") <- " +
           text(j, "/parent/exe"_json_pointer) + "\n";
  }
  return out;
}

}  // namespace

std::string describe_arrival(const IncomingBatch& batch, StoreOutcome outcome) {
  std::map<std::string, size_t> types;
  for (const EventRecord& e : batch.events) ++types[e.type];
  std::string out = batch.sensor_id + " #" + std::to_string(batch.sequence) +
                    (outcome == StoreOutcome::kDuplicate ? " duplicate (stored before)" : " stored") +
                    ": " + std::to_string(batch.events.size()) + " events";
  if (!types.empty()) {
    out += " (";
    for (const auto& [type, n] : types) out += type + " " + std::to_string(n) + ", ";
    out.resize(out.size() - 2);
    out += ")";
  }
  for (const ReportedGap& g : batch.gaps)
    out += "; GAP " + std::to_string(g.first_sequence) + ".." + std::to_string(g.last_sequence) +
           " (" + g.reason + ", " + std::to_string(g.events) + " events)";
  out += "\n";
  if (outcome == StoreOutcome::kStored)
    for (const EventRecord& e : batch.events) out += alert_lines(batch, e);
  return out;
}

}  // namespace yagura::collector
