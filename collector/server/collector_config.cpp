#include "collector/server/collector_config.h"

#include <arpa/inet.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "common/yaml_config.h"

namespace yagura::collector {
namespace {

// Beyond this many threads a 2-digit core count gains nothing; it is a typo.
constexpr uint32_t kMaxThreads = 256;

void read_seconds(const std::string& name, const YAML::Node& node, std::chrono::seconds& out) {
  uint32_t seconds = 0;
  read(name, node, seconds);
  out = std::chrono::seconds(seconds);
}

bool is_ip_address(const std::string& text, int family) {
  unsigned char raw[16];
  return inet_pton(family, text.c_str(), raw) == 1;
}

}  // namespace

Result<ListenAddress> parse_listen_address(std::string_view text) {
  const std::string quoted = "'" + std::string(text) + "'";
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size())
    return Error{"listen: expected ADDRESS:PORT, got " + quoted};
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  ListenAddress out;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), out.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size())
    return Error{"listen: the port in " + quoted + " is not a number from 0 to 65535"};
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.address = std::string(host.substr(1, host.size() - 2));
    if (!is_ip_address(out.address, AF_INET6))
      return Error{"listen: '" + out.address + "' is not an IPv6 address"};
    return out;
  }
  out.address = std::string(host);
  if (is_ip_address(out.address, AF_INET6))
    return Error{"listen: write an IPv6 address in brackets: '[" + out.address + "]:PORT'"};
  if (!is_ip_address(out.address, AF_INET))
    return Error{"listen: '" + out.address + "' is not an IP address"};
  return out;
}

Result<CollectorConfig> parse_collector_config(const std::string& text, const std::string& name) {
  CollectorConfig c;
  HttpsServerOptions& s = c.server;
  Status parsed = parse_yaml_config(text, name, [&](const YAML::Node& root) {
    auto value = [&](auto& field) {
      return [&name, &field](const YAML::Node& n) { read(name, n, field); };
    };
    auto seconds = [&](std::chrono::seconds& field) {
      return [&name, &field](const YAML::Node& n) { read_seconds(name, n, field); };
    };
    read_map(name, root,
             {{"listen",
               [&](const YAML::Node& n) {
                 std::string text;
                 read(name, n, text);
                 auto listen = parse_listen_address(text);
                 if (!listen) throw ConfigError{where(name, n) + ": " + listen.error().message};
                 s.address = listen->address;
                 s.port = listen->port;
               }},
              {"threads", value(s.threads)},
              {"admins", value(c.admins)},
              {"tls",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"cert", value(s.tls.cert)},
                           {"key", value(s.tls.key)},
                           {"client_ca", value(s.tls.client_ca)}});
               }},
              {"store",
               [&](const YAML::Node& n) {
                 read_map(name, n, {{"path", value(c.store_path)}});
               }},
              {"limits",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"max_body_bytes", value(s.max_body_bytes)},
                           {"max_decompressed_bytes", value(c.max_decompressed_bytes)},
                           {"max_dump_bytes", value(c.max_dump_bytes)},
                           {"max_connections", value(s.max_connections)}});
               }},
              {"timeouts",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"handshake_seconds", seconds(s.timeouts.handshake)},
                           {"header_seconds", seconds(s.timeouts.header)},
                           {"transfer_seconds", seconds(s.timeouts.transfer)},
                           {"idle_seconds", seconds(s.timeouts.idle)},
                           {"stop_seconds", seconds(s.timeouts.stop)}});
               }},
              {"log", [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"requests", value(s.log_requests)},
                           {"summary_interval_seconds", value(c.summary_interval_seconds)}});
               }}});
  });
  if (!parsed) return parsed.error();
  if (Status st = validate(c); !st) return Error{name + ": " + st.error().message};
  return c;
}

Result<CollectorConfig> load_collector_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::from_errno("config: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_collector_config(text.str(), path);
}

Status validate(const CollectorConfig& c) {
  const HttpsServerOptions& s = c.server;
  if (!is_ip_address(s.address, AF_INET) && !is_ip_address(s.address, AF_INET6))
    return Error{"listen: '" + s.address + "' is not an IP address"};
  if (s.threads == 0 || s.threads > kMaxThreads)
    return Error{"threads must be between 1 and " + std::to_string(kMaxThreads)};
  if (s.tls.cert.empty() || s.tls.key.empty() || s.tls.client_ca.empty())
    return Error{"tls.cert, tls.key and tls.client_ca must all be set"};
  if (s.max_body_bytes == 0) return Error{"limits.max_body_bytes must be > 0"};
  if (c.max_decompressed_bytes == 0) return Error{"limits.max_decompressed_bytes must be > 0"};
  if (c.max_dump_bytes == 0) return Error{"limits.max_dump_bytes must be > 0"};
  if (s.max_connections == 0) return Error{"limits.max_connections must be > 0"};
  const ServerTimeouts& t = s.timeouts;
  for (auto [key, value] :
       {std::pair{"handshake_seconds", t.handshake}, std::pair{"header_seconds", t.header},
        std::pair{"transfer_seconds", t.transfer}, std::pair{"idle_seconds", t.idle}})
    if (value.count() == 0) return Error{std::string("timeouts.") + key + " must be > 0"};
  if (c.store_path.empty()) return Error{"store.path must be set"};
  for (const std::string& admin : c.admins)
    if (admin.empty()) return Error{"admins: a name is empty"};
  return ok_status();
}

}  // namespace yagura::collector
