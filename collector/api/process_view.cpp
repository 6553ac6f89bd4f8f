// GET /v1/admin/process: one process as an investigation needs it: what it
// ran, where it came from, what it started, and what it did on the network
// and on disk.
//
// The lineage starts from what its own events carry ("parent", then
// "ancestors", grandparent first) and, where that stops, continues from the
// events stored for the last ancestor known, so a chain the sensor's
// process table had lost is rebuilt from earlier batches. Each ancestor is
// completed from its latest stored exec (image, hash).
#include <set>

#include "collector/api/admin_handlers.h"
#include "collector/api/api_responses.h"
#include "common/json_bytes.h"
#include "common/host.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

constexpr size_t kDefaultLimit = 1000;
constexpr size_t kMaxLimit = 100000;
constexpr size_t kMaxLineage = 64;
constexpr size_t kAncestorEvents = 16;  // exec and fork events read per ancestor

json parse_event(const std::string& text) {
  return json::parse(protect_byte_escapes(text), nullptr, /*allow_exceptions=*/false);
}

const json* object_member(const json& j, const char* name) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(name);
  return it != j.end() && it->is_object() ? &*it : nullptr;
}

bool has_key(const json& node) {
  auto it = node.find("key");
  return it != node.end() && it->is_string();
}

// "parent", then "ancestors" (grandparent first), of one event.
std::vector<json> carried_lineage(const json& event) {
  std::vector<json> nodes;
  const json* parent = object_member(event, "parent");
  if (parent == nullptr || !has_key(*parent)) return nodes;
  nodes.push_back(*parent);
  auto ancestors = event.find("ancestors");
  if (ancestors == event.end() || !ancestors->is_array()) return nodes;
  for (const json& a : *ancestors) {
    if (!a.is_object() || !has_key(a)) break;
    nodes.push_back(a);
  }
  return nodes;
}

// The longest lineage any of `events` carries; the latest on a tie.
std::vector<json> longest_lineage(const std::vector<StoredEvent>& events) {
  std::vector<json> best;
  for (const StoredEvent& e : events) {
    std::vector<json> nodes = carried_lineage(parse_event(e.json));
    if (!nodes.empty() && nodes.size() >= best.size()) best = std::move(nodes);
  }
  return best;
}

// Adds the image and hash of the node's latest stored exec where the
// carried lineage lacks them.
Status complete_from_exec(EventStore& store, ProcessQuery query, json& node) {
  query.process_key = node["key"].get<std::string>();
  query.types = {"exec"};
  query.limit = 1;
  query.newest_first = true;
  auto execs = store.process_events(query);
  if (!execs) return execs.error();
  if (execs->empty()) return ok_status();
  json exec = parse_event(execs->front().json);
  const json* process = object_member(exec, "process");
  if (process == nullptr) return ok_status();
  for (const char* field : {"exe", "command_line"}) {
    auto it = process->find(field);
    if (!node.contains(field) && it != process->end()) node[field] = *it;
  }
  if (const json* file = object_member(*process, "exe_file"); file && file->contains("sha256")) {
    node["exe_sha256"] = (*file)["sha256"];
  }
  return ok_status();
}

Result<json> lineage(EventStore& store, const ProcessQuery& base,
                     const std::vector<StoredEvent>& own_events) {
  json chain = json::array();
  std::set<std::string> seen{base.process_key};
  std::vector<json> carried = longest_lineage(own_events);
  while (!carried.empty() && chain.size() < kMaxLineage) {
    bool extended = false;
    for (json& node : carried) {
      // A key seen before is a loop in the data: stop there.
      if (chain.size() >= kMaxLineage || !seen.insert(node["key"].get<std::string>()).second) {
        break;
      }
      chain.push_back(std::move(node));
      extended = true;
    }
    if (!extended) break;
    ProcessQuery above = base;
    above.process_key = chain.back()["key"].get<std::string>();
    above.types = {"exec", "fork"};
    above.limit = kAncestorEvents;  // its earliest: the fork and exec that started it
    auto events = store.process_events(above);
    if (!events) return events.error();
    carried = longest_lineage(*events);
  }
  for (json& node : chain) {
    if (Status s = complete_from_exec(store, base, node); !s) return s.error();
  }
  return chain;
}

void append_section(std::string& body, const char* name,
                    const std::vector<const StoredEvent*>& events) {
  body += ",\"";
  body += name;
  body += "\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i > 0) body += ',';
    body += events[i]->json;  // as the sensor wrote it
  }
  body += ']';
}

}  // namespace

ApiResponse process_view(EventStore& store, const QueryParams& params) {
  if (Status s = params.check({"sensor", "key", "boot_id", "limit"}); !s) {
    return error_response(400, s.error().message);
  }
  auto sensor = params.get("sensor");
  auto key = params.get("key");
  if (!sensor || !key) return error_response(400, "sensor and key are required");
  auto limit = params.limit(kDefaultLimit, kMaxLimit);
  if (!limit) return error_response(400, limit.error().message);

  ProcessQuery query;
  query.sensor_id = *sensor;
  query.boot_id = params.get("boot_id").value_or("");
  query.process_key = *key;
  query.limit = *limit + 1;  // one more tells that the answer is cut
  auto events = store.process_events(query);
  if (!events) return unavailable(events.error());
  auto children = store.process_children(query);
  if (!children) return unavailable(children.error());
  if (events->empty() && children->empty()) {
    return error_response(404, "no events of process " + *key + " on \"" + *sensor + "\"");
  }
  const bool truncated = events->size() > *limit || children->size() > *limit;
  if (events->size() > *limit) events->resize(*limit);
  if (children->size() > *limit) children->resize(*limit);

  auto chain = lineage(store, query, *events);
  if (!chain) return unavailable(chain.error());
  json child_list = json::array();
  for (const ChildProcess& c : *children) {
    json child = {{"key", c.process_key}, {"first_seen", format_rfc3339(c.first_ns)}};
    if (!c.exe.empty()) child["exe"] = from_bytes(c.exe);
    child_list.push_back(std::move(child));
  }
  json head = {{"sensor_id", *sensor},
               {"key", *key},
               {"lineage", std::move(*chain)},
               {"children", std::move(child_list)},
               {"truncated", truncated}};
  if (!query.boot_id.empty()) head["boot_id"] = query.boot_id;

  // Events go out as stored, spliced into the object rather than parsed
  // and printed again.
  static constexpr const char* kSections[] = {"exec", "network", "dns", "file", "tamper"};
  std::vector<const StoredEvent*> by_section[std::size(kSections) + 1];  // last: "other"
  for (const StoredEvent& e : *events) {
    size_t i = 0;
    while (i < std::size(kSections) && e.type != kSections[i]) ++i;
    by_section[i].push_back(&e);
  }
  ApiResponse response = json_response(200, head);
  response.body.pop_back();  // the closing brace
  for (size_t i = 0; i < std::size(kSections); ++i) {
    append_section(response.body, kSections[i], by_section[i]);
  }
  append_section(response.body, "other", by_section[std::size(kSections)]);
  response.body += '}';
  return response;
}

}  // namespace yagura::collector
