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

void read_nanoseconds(const std::string& name, const YAML::Node& node, uint64_t& out_ns) {
  uint64_t seconds = 0;
  read(name, node, seconds);
  out_ns = seconds * 1'000'000'000ull;
}

void read_severity(const std::string& name, const YAML::Node& node, Severity& out) {
  std::string text;
  read(name, node, text);
  auto severity = parse_severity(text);
  if (!severity)
    throw ConfigError{where(name, node) + ": severity is low, medium, high or critical"};
  out = *severity;
}

std::vector<WebhookConfig> read_webhooks(const std::string& name, const YAML::Node& node) {
  if (!node.IsSequence()) throw ConfigError{where(name, node) + ": webhooks is a list"};
  std::vector<WebhookConfig> out;
  for (const YAML::Node& item : node) {
    WebhookConfig w;
    read_map(name, item,
             {{"name", reader(name, w.name)},
              {"url", reader(name, w.url)},
              {"min_severity", [&](const YAML::Node& n) { read_severity(name, n, w.min_severity); }},
              {"tags", reader(name, w.tags)},
              {"ca_file", reader(name, w.ca_file)},
              {"headers", reader(name, w.headers)},
              {"proxy", reader(name, w.proxy)},
              {"timeout_seconds", reader(name, w.timeout_seconds)},
              {"max_attempts", reader(name, w.max_attempts)}});
    if (w.url.empty()) throw ConfigError{where(name, item) + ": a webhook needs a url"};
    if (w.name.empty()) w.name = w.url;
    out.push_back(std::move(w));
  }
  return out;
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
              {"log",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"requests", value(s.log_requests)},
                           {"summary_interval_seconds", value(c.summary_interval_seconds)}});
               }},
              {"detections",
               [&](const YAML::Node& n) {
                 DetectionSettings& d = c.detection;
                 read_map(name, n,
                          {{"enabled", value(c.detections_enabled)},
                           {"rules", value(c.detections_rules)},
                           {"dedup_window_seconds",
                            [&](const YAML::Node& v) {
                              read_nanoseconds(name, v, d.dedup_window_ns);
                            }},
                           {"max_processes_per_host", value(d.max_processes_per_host)},
                           {"max_partials_per_step", value(d.max_partials_per_step)},
                           {"max_series_per_host", value(d.max_series_per_host)},
                           {"reorder_seconds",
                            [&](const YAML::Node& v) { read_nanoseconds(name, v, d.reorder_ns); }}});
               }},
              {"alerts",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"stdout", value(c.alerts.stdout_lines)},
                           {"file", value(c.alerts.file)},
                           {"webhooks",
                            [&](const YAML::Node& v) {
                              c.alerts.webhooks = read_webhooks(name, v);
                            }}});
               }},
              {"reports", [&](const YAML::Node& n) {
                 ReportScheduleConfig& r = c.reports;
                 read_map(name, n,
                          {{"dir", value(r.dir)},
                           {"tag", value(r.tag_key)},
                           {"interval_seconds",
                            [&](const YAML::Node& v) { read_nanoseconds(name, v, r.interval_ns); }},
                           {"period_seconds",
                            [&](const YAML::Node& v) { read_nanoseconds(name, v, r.period_ns); }},
                           {"silent_after_seconds",
                            [&](const YAML::Node& v) {
                              read_nanoseconds(name, v, r.silent_after_ns);
                            }},
                           {"formats", value(r.formats)}});
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
  const DetectionSettings& d = c.detection;
  if (d.dedup_window_ns == 0) return Error{"detections.dedup_window_seconds must be > 0"};
  if (d.max_processes_per_host == 0 || d.max_partials_per_step == 0 || d.max_series_per_host == 0)
    return Error{"detections: the state bounds must be > 0"};
  if (Status st = check_report_schedule(c.reports); !st)
    return Error{"reports: " + st.error().message};
  return ok_status();
}

}  // namespace yagura::collector
