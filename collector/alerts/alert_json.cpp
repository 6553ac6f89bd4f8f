#include "collector/alerts/alert_json.h"

#include <nlohmann/json.hpp>

#include "common/host.h"
#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

// Ordered: the members come out in the order a reader expects them.
using ojson = nlohmann::ordered_json;

std::string dump(const ojson& j) {
  return restore_byte_escapes(j.dump(-1, ' ', false, ojson::error_handler_t::replace));
}

ojson text(std::string_view bytes) { return from_bytes(bytes); }

ojson texts(const std::vector<std::string>& values) {
  ojson out = ojson::array();
  for (const auto& v : values) out.push_back(text(v));
  return out;
}

void add_time(ojson& j, const char* name, uint64_t ns) {
  j[name] = ns != 0 ? ojson(format_rfc3339(ns)) : ojson();
  j[std::string(name) + "_ns"] = ns;
}

std::string_view trimmed(std::string_view s) {
  const char* kSpace = " \t\r\n";
  size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// The event as a JSON value in the line: verbatim when it is one JSON text
// on one line, else as a string holding it.
void append_event(std::string& out, std::string_view event) {
  std::string_view t = trimmed(event);
  if (!t.empty() && t.find('\n') == std::string_view::npos &&
      ojson::accept(protect_byte_escapes(t))) {
    out += t;
  } else {
    out += dump(text(event));
  }
}

// Reads members, keeping the first problem; a missing member leaves the
// field as it is, one of the wrong type is an error.
class Reader {
 public:
  explicit Reader(std::string& error) : error_(error) {}

  const ojson* member(const ojson& j, const char* key, bool (ojson::*is)() const,
                      const char* type) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return nullptr;
    if (!((*it).*is)()) {
      fail(std::string("\"") + key + "\" is not " + type);
      return nullptr;
    }
    return &*it;
  }

  void str(const ojson& j, const char* key, std::string& out) {
    if (auto* v = member(j, key, &ojson::is_string, "a string")) {
      out = to_bytes(v->get_ref<const std::string&>());
    }
  }

  void u64(const ojson& j, const char* key, uint64_t& out) {
    if (auto* v = member(j, key, &ojson::is_number_unsigned, "an unsigned integer")) {
      out = v->get<uint64_t>();
    }
  }

  void u32(const ojson& j, const char* key, uint32_t& out) {
    uint64_t v = out;
    u64(j, key, v);
    if (v > UINT32_MAX) fail(std::string("\"") + key + "\" is out of range");
    out = static_cast<uint32_t>(v);
  }

  void strs(const ojson& j, const char* key, std::vector<std::string>& out) {
    each(j, key, [&](const ojson& e) {
      if (!e.is_string()) return fail(std::string("\"") + key + "\" holds a non-string");
      out.push_back(to_bytes(e.get_ref<const std::string&>()));
    });
  }

  // Calls `f` for each element of the array member `key`.
  template <typename F>
  void each(const ojson& j, const char* key, F&& f) {
    if (auto* v = member(j, key, &ojson::is_array, "an array")) {
      for (const ojson& e : *v) f(e);
    }
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  std::string& error_;
};

}  // namespace

std::string alert_to_json(const Alert& a) {
  ojson host = ojson::object();
  host["sensor_id"] = text(a.sensor_id);
  host["hostname"] = text(a.hostname);
  host["boot_id"] = text(a.boot_id);
  ojson tags = ojson::object();
  for (const auto& [key, value] : a.tags) tags[from_bytes(key)] = text(value);
  host["tags"] = std::move(tags);

  ojson j = ojson::object();
  j["id"] = a.id;
  j["rule"] = text(a.rule_id);
  j["title"] = text(a.title);
  j["description"] = text(a.description);
  j["severity"] = severity_name(a.severity);
  j["attack"] = texts(a.attack);
  j["host"] = std::move(host);
  j["dedup_key"] = text(a.dedup_key);
  add_time(j, "first_time", a.first_ns);
  add_time(j, "last_time", a.last_ns);
  add_time(j, "detected_time", a.detected_ns);
  j["count"] = a.count;
  j["summary"] = text(a.summary);
  j["process_key"] = text(a.process_key);
  ojson lineage = ojson::array();
  for (const AlertProcess& p : a.lineage) {
    lineage.push_back({{"key", text(p.key)},
                       {"pid", p.pid},
                       {"exe", text(p.exe)},
                       {"command_line", text(p.command_line)},
                       {"user", text(p.user)}});
  }
  j["lineage"] = std::move(lineage);
  ojson related = ojson::array();
  for (const RelatedActivity& r : a.related) {
    related.push_back({{"kind", text(r.kind)},
                       {"value", text(r.value)},
                       {"host_count", r.host_count},
                       {"hosts", texts(r.hosts)}});
  }
  j["related"] = std::move(related);
  j["next_steps"] = texts(a.next_steps);
  j["status"] = alert_status_name(a.status);
  j["closed_by"] = text(a.closed_by);
  j["close_note"] = text(a.close_note);
  add_time(j, "closed_time", a.closed_ns);

  // The events go last, spliced into the text: nlohmann could not hold
  // them verbatim (it refuses "\udcXX").
  std::string out = dump(j);
  out.pop_back();  // the closing brace
  out += ",\"events\":[";
  for (size_t i = 0; i < a.events.size(); ++i) {
    if (i > 0) out += ',';
    append_event(out, a.events[i]);
  }
  out += "]}";
  return out;
}

Result<Alert> alert_from_json(std::string_view line) {
  ojson j = ojson::parse(protect_byte_escapes(line), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error{"alert: not a JSON object", 0};

  Alert a;
  std::string error;
  Reader r(error);
  r.u64(j, "id", a.id);
  r.str(j, "rule", a.rule_id);
  r.str(j, "title", a.title);
  r.str(j, "description", a.description);
  std::string severity = severity_name(a.severity);
  r.str(j, "severity", severity);
  if (auto s = parse_severity(severity)) {
    a.severity = *s;
  } else {
    r.fail("unknown severity \"" + severity + "\"");
  }
  r.strs(j, "attack", a.attack);
  if (const ojson* host = r.member(j, "host", &ojson::is_object, "an object")) {
    r.str(*host, "sensor_id", a.sensor_id);
    r.str(*host, "hostname", a.hostname);
    r.str(*host, "boot_id", a.boot_id);
    if (const ojson* tags = r.member(*host, "tags", &ojson::is_object, "an object")) {
      for (const auto& [key, value] : tags->items()) {
        if (!value.is_string()) {
          r.fail("tag \"" + key + "\" is not a string");
        } else {
          a.tags[to_bytes(key)] = to_bytes(value.get_ref<const std::string&>());
        }
      }
    }
  }
  r.str(j, "dedup_key", a.dedup_key);
  r.u64(j, "first_time_ns", a.first_ns);
  r.u64(j, "last_time_ns", a.last_ns);
  r.u64(j, "detected_time_ns", a.detected_ns);
  r.u64(j, "count", a.count);
  r.str(j, "summary", a.summary);
  r.str(j, "process_key", a.process_key);
  r.each(j, "lineage", [&](const ojson& e) {
    if (!e.is_object()) return r.fail("a lineage entry is not an object");
    AlertProcess& p = a.lineage.emplace_back();
    r.str(e, "key", p.key);
    r.u32(e, "pid", p.pid);
    r.str(e, "exe", p.exe);
    r.str(e, "command_line", p.command_line);
    r.str(e, "user", p.user);
  });
  r.each(j, "related", [&](const ojson& e) {
    if (!e.is_object()) return r.fail("a related entry is not an object");
    RelatedActivity& rel = a.related.emplace_back();
    r.str(e, "kind", rel.kind);
    r.str(e, "value", rel.value);
    r.u64(e, "host_count", rel.host_count);
    r.strs(e, "hosts", rel.hosts);
  });
  r.strs(j, "next_steps", a.next_steps);
  std::string status = alert_status_name(a.status);
  r.str(j, "status", status);
  if (auto s = parse_alert_status(status)) {
    a.status = *s;
  } else {
    r.fail("unknown status \"" + status + "\"");
  }
  r.str(j, "closed_by", a.closed_by);
  r.str(j, "close_note", a.close_note);
  r.u64(j, "closed_time_ns", a.closed_ns);
  r.each(j, "events", [&](const ojson& e) {
    a.events.push_back(e.is_string() ? to_bytes(e.get_ref<const std::string&>()) : dump(e));
  });

  if (!error.empty()) return Error{"alert: " + error, 0};
  return a;
}

}  // namespace yagura::collector
