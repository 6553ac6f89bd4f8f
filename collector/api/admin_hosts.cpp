// GET /v1/admin/hosts, /v1/admin/events and /v1/admin/gaps: what the fleet
// looks like, what one host did, and what never arrived.
#include <algorithm>
#include <limits>
#include <map>

#include "collector/api/admin_handlers.h"
#include "collector/api/api_responses.h"
#include "collector/ingest/event_index.h"
#include "collector/ingest/policy_targets.h"
#include "common/host.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

constexpr size_t kDefaultEventLimit = 10000;
constexpr size_t kMaxEventLimit = 100000;

json host_json(const HostRecord& h) {
  json j = {
      {"sensor_id", h.sensor_id},
      {"hostname", h.host.hostname},
      {"boot_id", h.host.boot_id},
      {"kernel", h.host.kernel},
      {"tags", h.host.tags},
      {"dump_key", h.host.dump_key},
      {"first_seen", format_rfc3339(h.first_seen_ns)},
      {"last_seen", format_rfc3339(h.last_seen_ns)},
      {"last_sequence", h.last_sequence},
      {"batches", h.batches},
      {"policy",
       {{"name", h.policy.name}, {"version", h.policy.version}, {"sha256", h.policy.sha256}}},
      {"policy_failure", nullptr},
      {"gaps", {{"not_received", h.last_sequence - h.batches}, {"reported", h.reported_gaps}}}};
  if (h.failed_policy_version != 0) {
    j["policy_failure"] = {{"version", h.failed_policy_version}, {"error", h.failed_policy_error}};
  }
  return j;
}

struct ActivityFilter {
  ActivityKey key;
  std::string value;
};

// The one "which hosts" question asked, if any.
Result<std::optional<ActivityFilter>> activity_filter(const QueryParams& params) {
  std::optional<ActivityFilter> filter;
  int asked = 0;
  if (auto v = params.get("exe_sha256")) {
    ++asked;
    // Hex digits: normalize_domain's ASCII lower case is the hash's too.
    filter = ActivityFilter{ActivityKey::kExeSha256, normalize_domain(*v)};
  }
  if (auto v = params.get("address")) {
    ++asked;
    filter = ActivityFilter{ActivityKey::kRemoteIp, canonical_ip(*v)};
  }
  if (auto v = params.get("domain")) {
    ++asked;
    filter = ActivityFilter{ActivityKey::kDomain, normalize_domain(*v)};
  }
  if (auto v = params.get("file")) {
    ++asked;
    filter = ActivityFilter{ActivityKey::kFilePath, *v};
  }
  if (asked > 1) return Error{"give at most one of exe_sha256, address, domain, file", 0};
  if (filter && filter->value.empty()) return Error{"the filter value is empty", 0};
  return filter;
}

}  // namespace

ApiResponse list_hosts(EventStore& store, const QueryParams& params) {
  if (Status s =
          params.check({"sensor", "tag", "exe_sha256", "address", "domain", "file"}, {"tag"});
      !s) {
    return error_response(400, s.error().message);
  }
  auto filter = activity_filter(params);
  if (!filter) return error_response(400, filter.error().message);
  std::vector<std::string> tags = params.all("tag");
  for (const std::string& tag : tags) {
    if (auto kv = parse_target(tag); !kv) return error_response(400, "tag: " + kv.error().message);
  }

  std::vector<HostRecord> hosts;
  const std::optional<std::string> sensor = params.get("sensor");
  if (sensor) {
    auto host = store.host(*sensor);
    if (!host) return unavailable(host.error());
    if (!*host) return error_response(404, "no host with sensor_id \"" + *sensor + "\"");
    hosts.push_back(std::move(**host));
  } else {
    auto all = store.hosts();
    if (!all) return unavailable(all.error());
    hosts = std::move(*all);
  }

  std::map<std::string, HostActivity> activity;
  if (*filter) {
    auto found = store.hosts_with((*filter)->key, (*filter)->value);
    if (!found) return unavailable(found.error());
    for (HostActivity& a : *found) activity.emplace(a.sensor_id, std::move(a));
  }

  json list = json::array();
  for (const HostRecord& h : hosts) {
    if (!targets_match(tags, h.host.tags)) continue;
    json j = host_json(h);
    if (*filter) {
      auto it = activity.find(h.sensor_id);
      if (it == activity.end()) continue;
      j["activity"] = {{"first", format_rfc3339(it->second.first_ns)},
                       {"last", format_rfc3339(it->second.last_ns)},
                       {"events", it->second.events}};
    }
    if (sensor) j["health"] = h.health;
    list.push_back(std::move(j));
  }
  return json_response(200, {{"hosts", std::move(list)}});
}

ApiResponse host_events(EventStore& store, const QueryParams& params) {
  if (Status s = params.check({"sensor", "from", "to", "type", "limit"}); !s) {
    return error_response(400, s.error().message);
  }
  auto sensor = params.get("sensor");
  auto from_text = params.get("from");
  auto to_text = params.get("to");
  if (!sensor || !from_text || !to_text)
    return error_response(400, "sensor, from and to are required");
  auto from = parse_time(*from_text);
  if (!from) return error_response(400, "from: " + from.error().message);
  auto to = parse_time(*to_text);
  if (!to) return error_response(400, "to: " + to.error().message);
  if (*from >= *to) return error_response(400, "from must be before to");
  auto limit = params.limit(kDefaultEventLimit, kMaxEventLimit);
  if (!limit) return error_response(400, limit.error().message);

  auto host = store.host(*sensor);
  if (!host) return unavailable(host.error());
  if (!*host) return error_response(404, "no host with sensor_id \"" + *sensor + "\"");

  // Stored times are signed 64-bit: a later bound means "no bound".
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  EventRangeQuery query{*sensor, std::min(*from, kMax), std::min(*to, kMax),
                        params.get("type").value_or(""), *limit};
  auto events = store.host_events(query);
  if (!events) return unavailable(events.error());
  std::string body;
  for (const StoredEvent& e : *events) {
    body += e.json;
    body += '\n';
  }
  return ApiResponse{200, "application/x-ndjson", std::move(body)};
}

ApiResponse list_gaps(EventStore& store, const QueryParams& params) {
  if (Status s = params.check({"sensor"}); !s) return error_response(400, s.error().message);
  const std::string sensor = params.get("sensor").value_or("");
  if (!sensor.empty()) {
    auto host = store.host(sensor);
    if (!host) return unavailable(host.error());
    if (!*host) return error_response(404, "no host with sensor_id \"" + sensor + "\"");
  }
  auto gaps = store.gaps(sensor);
  if (!gaps) return unavailable(gaps.error());

  json list = json::array();
  for (const SensorGaps& g : *gaps) {
    json reported = json::array();
    for (const ReportedGap& r : g.reported) {
      reported.push_back({{"first_sequence", r.first_sequence},
                          {"last_sequence", r.last_sequence},
                          {"events", r.events},
                          {"alert_events", r.alert_events},
                          {"reason", r.reason},
                          {"reported", format_rfc3339(r.reported_ns)},
                          {"reported_in_sequence", r.reported_sequence}});
    }
    json missing = json::array();
    for (const SequenceRange& m : g.missing) {
      missing.push_back({{"first_sequence", m.first}, {"last_sequence", m.last}});
    }
    list.push_back({{"sensor_id", g.sensor_id},
                    {"reported", std::move(reported)},
                    {"missing", std::move(missing)}});
  }
  return json_response(200, {{"sensors", std::move(list)}});
}

}  // namespace yagura::collector
