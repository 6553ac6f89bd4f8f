#include "collector/ingest/event_index.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <nlohmann/json.hpp>

#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

// The member at `path`, or null when a step is missing or not an object.
const json* member(const json& j, std::initializer_list<const char*> path) {
  const json* at = &j;
  for (const char* name : path) {
    if (!at->is_object()) return nullptr;
    auto it = at->find(name);
    if (it == at->end()) return nullptr;
    at = &*it;
  }
  return at;
}

std::string string_at(const json& j, std::initializer_list<const char*> path) {
  const json* v = member(j, path);
  return v != nullptr && v->is_string() ? to_bytes(v->get_ref<const std::string&>()) : "";
}

// The endpoint object {ip, port} of the other end, or null.
const json* remote_end(const json& network) {
  if (const json* remote = member(network, {"remote"}); remote && remote->is_object()) {
    return remote;
  }
  const json* initiated = member(network, {"initiated"});
  if (initiated != nullptr && initiated->is_boolean() && initiated->get<bool>()) {
    return member(network, {"destination"});
  }
  const json* action = member(network, {"action"});
  if (action != nullptr && action->is_string() && (*action == "accept" || *action == "close")) {
    return member(network, {"source"});
  }
  return nullptr;
}

std::string lower_ascii(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
  });
  return s;
}

void add_domain(std::vector<std::string>& domains, const json* name) {
  if (name == nullptr || !name->is_string()) return;
  std::string d = normalize_domain(to_bytes(name->get_ref<const std::string&>()));
  if (!d.empty()) domains.push_back(std::move(d));
}

}  // namespace

std::string canonical_ip(std::string_view ip) {
  std::string text(ip);
  char out[INET6_ADDRSTRLEN];
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return inet_ntop(AF_INET, &v4, out, sizeof(out));
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return text;
  if (IN6_IS_ADDR_V4MAPPED(&v6)) {
    std::memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
    return inet_ntop(AF_INET, &v4, out, sizeof(out));
  }
  return inet_ntop(AF_INET6, &v6, out, sizeof(out));
}

std::string normalize_domain(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return lower_ascii(std::string(name));
}

Result<EventRecord> index_event(std::string_view json_text, std::string_view type,
                                uint64_t time_ns) {
  // JSON lines: the events endpoint answers one event per line.
  if (json_text.find_first_of("\r\n") != std::string_view::npos) {
    return Error{"contains a line break: an event is one JSON line", 0};
  }
  json j;
  try {
    j = json::parse(protect_byte_escapes(json_text));
  } catch (const json::exception& e) {
    return Error{std::string("not JSON: ") + e.what(), 0};
  }
  if (!j.is_object()) return Error{"not a JSON object", 0};
  const json* json_type = member(j, {"type"});
  if (json_type == nullptr || !json_type->is_string()) return Error{"no \"type\" string", 0};
  if (*json_type != type) {
    return Error{"\"type\" is \"" + json_type->get<std::string>() + "\", the batch says \"" +
                     std::string(type) + "\"",
                 0};
  }

  EventRecord e;
  e.time_ns = time_ns;
  e.type = std::string(type);
  e.boot_id = string_at(j, {"host", "boot_id"});
  e.process_key = string_at(j, {"process", "key"});
  e.parent_key = string_at(j, {"parent", "key"});
  e.exe = string_at(j, {"process", "exe"});
  e.exe_sha256 = lower_ascii(string_at(j, {"process", "exe_file", "sha256"}));
  e.file_path = string_at(j, {"file", "path"});

  if (const json* network = member(j, {"network"}); network != nullptr) {
    if (const json* end = remote_end(*network); end != nullptr) {
      if (std::string ip = string_at(*end, {"ip"}); !ip.empty()) {
        e.remote_ip = canonical_ip(ip);
        const json* port = member(*end, {"port"});
        if (port != nullptr && port->is_number_unsigned() && port->get<uint64_t>() <= 65535) {
          e.remote_port = port->get<uint32_t>();
        }
      }
    }
    if (const json* names = member(*network, {"destination", "domain"});
        names != nullptr && names->is_array()) {
      for (const json& name : *names) add_domain(e.domains, &name);
    }
  }
  if (const json* dns = member(j, {"dns"}); dns != nullptr) {
    add_domain(e.domains, member(*dns, {"question", "name"}));
    if (const json* answers = member(*dns, {"answers"});
        answers != nullptr && answers->is_array()) {
      for (const json& answer : *answers) add_domain(e.domains, member(answer, {"name"}));
    }
  }
  std::sort(e.domains.begin(), e.domains.end());
  e.domains.erase(std::unique(e.domains.begin(), e.domains.end()), e.domains.end());

  e.json = std::string(json_text);
  return e;
}

}  // namespace yagura::collector
