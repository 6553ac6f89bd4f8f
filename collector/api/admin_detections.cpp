// The detection routes: rules with their counters, switched off and on,
// and suppressions (/v1/admin/detections/...). Every change goes through
// DetectionAdmin, which applies it to the next event and keeps it.
#include <cerrno>
#include <map>

#include "collector/api/admin_alerts.h"
#include "collector/api/api_responses.h"
#include "collector/api/json_body.h"
#include "common/host.h"
#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

// DetectionAdmin's errors: EIO is its store failing (try again later);
// anything else is a refusal whose message says why.
ApiResponse refused_or_unavailable(const Error& error) {
  if (error.code == EIO) return unavailable(error);
  return error_response(400, error.message);
}

json texts(const std::vector<std::string>& values) {
  json out = json::array();
  for (const std::string& v : values) out.push_back(from_bytes(v));
  return out;
}

json tags_json(const Tags& tags) {
  json out = json::object();
  for (const auto& [k, v] : tags) out[from_bytes(k)] = from_bytes(v);
  return out;
}

json suppression_json(const Suppression& s) {
  return {{"id", s.id},
          {"rule", from_bytes(s.rule_id)},
          {"sensor", from_bytes(s.sensor_id)},
          {"tags", tags_json(s.tags)},
          {"condition", from_bytes(s.condition)},
          {"reason", from_bytes(s.reason)},
          {"created_by", from_bytes(s.created_by)},
          {"created", format_rfc3339(s.created_ns)},
          {"expires", s.expires_ns == 0 ? json() : json(format_rfc3339(s.expires_ns))},
          {"hits", s.hits}};
}

}  // namespace

ApiResponse list_rules(DetectionAdmin& detections, AlertStore* alerts) {
  // Who switched a rule off and why, when the store can say.
  std::map<std::string, RuleControl> controls;
  if (alerts != nullptr) {
    auto found = alerts->rule_controls();
    if (!found) return unavailable(found.error());
    for (RuleControl& c : *found) controls[c.rule_id] = std::move(c);
  }
  json list = json::array();
  for (const DetectionRuleInfo& r : detections.rules()) {
    json j = {{"id", from_bytes(r.id)},
              {"title", from_bytes(r.title)},
              {"description", from_bytes(r.description)},
              {"severity", severity_name(r.severity)},
              {"attack", texts(r.attack)},
              {"kind", r.kind},
              {"enabled", r.enabled},
              {"matched", r.matched},
              {"raised", r.raised},
              {"suppressed", r.suppressed},
              {"changed", nullptr}};
    if (auto it = controls.find(r.id); it != controls.end()) {
      j["changed"] = {{"by", from_bytes(it->second.changed_by)},
                      {"reason", from_bytes(it->second.reason)},
                      {"time", format_rfc3339(it->second.changed_ns)}};
    }
    list.push_back(std::move(j));
  }
  return json_response(200, {{"rules", std::move(list)}});
}

ApiResponse set_rule_enabled(DetectionAdmin& detections, const std::string& rule_id, bool enabled,
                             const std::string& body, const std::string& admin) {
  auto request = JsonBody::parse(body, {"reason"});
  if (!request) return error_response(400, request.error().message);
  auto reason = request->text("reason");
  if (!reason) return error_response(400, reason.error().message);
  auto changed = detections.set_enabled(rule_id, enabled, admin, *reason);
  if (!changed) return refused_or_unavailable(changed.error());
  if (!*changed) return error_response(404, "no rule \"" + rule_id + "\"");
  return json_response(200, {{"id", from_bytes(rule_id)}, {"enabled", enabled}});
}

ApiResponse list_suppressions(DetectionAdmin& detections) {
  auto found = detections.suppressions();
  if (!found) return refused_or_unavailable(found.error());
  json list = json::array();
  for (const Suppression& s : *found) list.push_back(suppression_json(s));
  return json_response(200, {{"suppressions", std::move(list)}});
}

ApiResponse add_suppression(DetectionAdmin& detections, const std::string& body,
                            const std::string& admin, uint64_t now_ns) {
  auto request = JsonBody::parse(
      body, {"rule", "sensor", "tags", "condition", "reason", "expires_in_seconds"});
  if (!request) return error_response(400, request.error().message);
  Suppression s;
  for (auto [key, field] : {std::pair{"rule", &s.rule_id}, {"sensor", &s.sensor_id},
                            {"condition", &s.condition}, {"reason", &s.reason}}) {
    auto value = request->text(key);
    if (!value) return error_response(400, value.error().message);
    *field = std::move(*value);
  }
  auto tags = request->text_map("tags");
  if (!tags) return error_response(400, tags.error().message);
  s.tags = std::move(*tags);
  // A suppression of everything would silence detection: refused.
  if (s.rule_id.empty() && s.sensor_id.empty() && s.tags.empty() && s.condition.empty())
    return error_response(400, "a suppression names a rule, a sensor, tags or a condition");
  auto expires = request->number("expires_in_seconds");
  if (!expires) return error_response(400, expires.error().message);
  constexpr uint64_t kMaxSeconds = 100ull * 365 * 86400;
  if (*expires > kMaxSeconds) return error_response(400, "expires_in_seconds is over 100 years");
  s.expires_ns = *expires == 0 ? 0 : now_ns + *expires * 1000000000u;
  s.created_by = admin;
  s.created_ns = now_ns;

  auto id = detections.add_suppression(s);
  if (!id) return refused_or_unavailable(id.error());
  s.id = *id;
  return json_response(201, suppression_json(s));
}

ApiResponse remove_suppression(DetectionAdmin& detections, std::string_view id_text) {
  auto id = parse_uint(id_text);
  if (!id || *id == 0) return error_response(400, "a suppression id is a positive number");
  auto removed = detections.remove_suppression(*id);
  if (!removed) return refused_or_unavailable(removed.error());
  if (!*removed) return error_response(404, "no suppression " + std::to_string(*id));
  return json_response(200, {{"id", *id}, {"removed", true}});
}

}  // namespace yagura::collector
