#include "collector/api/admin_dumps.h"

#include <optional>

#include "collector/api/api_responses.h"
#include "collector/ingest/dump_ingest.h"
#include "common/host.h"
#include "dump/dump_scope.h"
#include "wire/zstd_frame.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

constexpr size_t kMaxRequestBody = 64 << 10;

json dump_json(const DumpRecord& d) {
  json scope = json::parse(d.scope_json, nullptr, /*allow_exceptions=*/false);
  json j = {{"id", d.id},
            {"sensor", d.sensor_id},
            {"reason", d.reason},
            {"requested_by", d.requested_by},
            {"requested", format_rfc3339(d.requested_ns)},
            {"scope", scope.is_discarded() ? json(d.scope_json) : scope},
            {"state", dump_state_name(d.state)},
            {"completed", nullptr},
            {"bytes", nullptr},
            {"events", nullptr},
            {"key_fingerprint", nullptr},
            {"expected_key", nullptr},
            {"verification", nullptr},
            {"error", nullptr}};
  if (d.state != DumpState::kPending) j["completed"] = format_rfc3339(d.completed_ns);
  if (d.state == DumpState::kFailed) j["error"] = d.error;
  if (d.state == DumpState::kDelivered) {
    j["bytes"] = d.bytes;
    j["events"] = d.check.events;
    j["key_fingerprint"] = d.check.key_fingerprint;
    j["expected_key"] = d.expected_key;
    j["verification"] = verification_summary(d);
  }
  return j;
}

// 404 unless the sensor ever sent a batch.
std::optional<ApiResponse> unknown_sensor(EventStore& store, const std::string& sensor) {
  auto host = store.host(sensor);
  if (!host) return unavailable(host.error());
  if (!*host) return error_response(404, "no host with sensor_id \"" + sensor + "\"");
  return std::nullopt;
}

}  // namespace

ApiResponse request_dump(EventStore& store, const std::string& body, const std::string& admin,
                         uint64_t now_ns) {
  if (body.size() > kMaxRequestBody) {
    return error_response(
        413, "a dump request is at most " + std::to_string(kMaxRequestBody) + " bytes");
  }
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return error_response(400, "body is not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "sensor" && key != "scope" && key != "reason") {
      return error_response(400, "unknown key \"" + key + "\": give sensor, scope and reason");
    }
  }
  auto text = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  };
  DumpRecord request;
  request.sensor_id = text("sensor");
  request.reason = text("reason");
  if (request.sensor_id.empty()) return error_response(400, "sensor must be a non-empty string");
  if (request.reason.empty()) {
    return error_response(400, "reason must be a non-empty string: the incident it is for");
  }
  auto scope = j.find("scope");
  if (scope == j.end() || !scope->is_object()) {
    return error_response(400, "scope must be a JSON object");
  }
  // Refused now, as the sensor would refuse it later.
  if (auto valid = dump::scope_from_json(*scope); !valid) {
    return error_response(400, "scope: " + valid.error().message);
  }
  request.scope_json = scope->dump();
  request.requested_by = admin;
  request.requested_ns = now_ns;

  if (auto refused = unknown_sensor(store, request.sensor_id)) return *refused;
  auto id = store.add_dump_request(request);
  if (!id) return unavailable(id.error());
  return json_response(201, {{"id", *id}, {"sensor", request.sensor_id}, {"state", "pending"}});
}

ApiResponse list_dumps(EventStore& store, const QueryParams& params) {
  if (Status s = params.check({"sensor", "reason"}); !s) {
    return error_response(400, s.error().message);
  }
  DumpFilter filter{.sensor_id = params.get("sensor").value_or(""),
                    .reason_contains = params.get("reason").value_or("")};
  if (!filter.sensor_id.empty()) {
    if (auto refused = unknown_sensor(store, filter.sensor_id)) return *refused;
  }
  auto dumps = store.dump_requests(filter);
  if (!dumps) return unavailable(dumps.error());
  json list = json::array();
  for (const DumpRecord& d : *dumps) list.push_back(dump_json(d));
  return json_response(200, {{"dumps", std::move(list)}});
}

ApiResponse fetch_dump(EventStore& store, std::string_view id_text, const QueryParams& params) {
  if (Status s = params.check({}); !s) return error_response(400, s.error().message);
  auto id = parse_uint(id_text);
  if (!id || *id == 0) return error_response(400, "a dump id is a positive number");
  const std::string name = "dump " + std::to_string(*id);
  auto found = store.dump_requests(DumpFilter{.id = *id});
  if (!found) return unavailable(found.error());
  if (found->empty()) return error_response(404, "no " + name);
  const DumpRecord& d = found->front();
  if (d.state == DumpState::kPending) {
    return error_response(409, name + " is not delivered yet: sensor \"" + d.sensor_id +
                                   "\" picks it up at its next batch");
  }
  if (d.state == DumpState::kFailed) {
    return error_response(404, name + " failed, there is no file: " + d.error);
  }
  auto file = store.dump_file(*id);
  if (!file) return unavailable(file.error());
  if (!*file) return error_response(500, name + " is delivered but its file is missing");
  // The size was recorded at upload: it is the exact limit.
  auto bytes = zstd_decompress(**file, d.bytes);
  if (!bytes)
    return error_response(500, name + " is corrupt in the store: " + bytes.error().message);
  return ApiResponse{200, "application/x-ndjson", std::move(*bytes)};
}

}  // namespace yagura::collector
