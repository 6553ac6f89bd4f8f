#include "dump/dump_format.h"

#include "dump/json_line.h"

namespace yagura::dump {

std::string section_line(std::string_view name, uint64_t lines) {
  nlohmann::ordered_json j;
  j["section"] = name;
  j["lines"] = lines;
  return j.dump();
}

void DumpCounts::add_event(const nlohmann::json& event) {
  ++events;
  ++events_by_type[string_member(event, "type")];
  const nlohmann::json* policy = member(event, "policy");
  const nlohmann::json* dropped = policy ? member(*policy, "dropped") : nullptr;
  if (dropped && dropped->is_boolean() && dropped->get<bool>()) ++policy_dropped;
}

nlohmann::ordered_json DumpCounts::to_json() const {
  nlohmann::ordered_json j;
  j["events"] = events;
  j["events_by_type"] = nlohmann::ordered_json::object();
  for (const auto& [type, n] : events_by_type) j["events_by_type"][type] = n;
  j["processes"] = processes;
  j["policy_dropped"] = policy_dropped;
  return j;
}

std::optional<DumpCounts> DumpCounts::from_json(const nlohmann::json& json) {
  auto events = unsigned_member(json, "events"), processes = unsigned_member(json, "processes"),
       dropped = unsigned_member(json, "policy_dropped");
  const nlohmann::json* by_type = member(json, "events_by_type");
  if (!events || !processes || !dropped || !by_type || !by_type->is_object()) return std::nullopt;
  DumpCounts counts{*events, {}, *processes, *dropped};
  for (const auto& [type, n] : by_type->items()) {
    if (!n.is_number_unsigned()) return std::nullopt;
    counts.events_by_type[type] = n.get<uint64_t>();
  }
  return counts;
}

}  // namespace yagura::dump
