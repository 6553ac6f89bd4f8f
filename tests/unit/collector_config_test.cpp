#include "collector/server/collector_config.h"

#include <catch2/catch.hpp>
#include <string>

namespace yagura::collector {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using std::chrono::seconds;

std::string repo_path(const std::string& relative) {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("tests/unit/")) + relative;
}

std::string parse_error(const std::string& text) {
  auto config = parse_collector_config(text, "c.yaml");
  REQUIRE_FALSE(config.ok());
  return config.error().message;
}

void check_same(const CollectorConfig& got, const CollectorConfig& want) {
  const HttpsServerOptions& g = got.server;
  const HttpsServerOptions& w = want.server;
  CHECK(g.address == w.address);
  CHECK(g.port == w.port);
  CHECK(g.tls.cert == w.tls.cert);
  CHECK(g.tls.key == w.tls.key);
  CHECK(g.tls.client_ca == w.tls.client_ca);
  CHECK(g.max_body_bytes == w.max_body_bytes);
  CHECK(g.max_connections == w.max_connections);
  CHECK(g.threads == w.threads);
  CHECK(g.timeouts.handshake == w.timeouts.handshake);
  CHECK(g.timeouts.header == w.timeouts.header);
  CHECK(g.timeouts.transfer == w.timeouts.transfer);
  CHECK(g.timeouts.idle == w.timeouts.idle);
  CHECK(g.timeouts.stop == w.timeouts.stop);
  CHECK(g.log_requests == w.log_requests);
  CHECK(got.admins == want.admins);
  CHECK(got.store_path == want.store_path);
  CHECK(got.max_decompressed_bytes == want.max_decompressed_bytes);
  CHECK(got.summary_interval_seconds == want.summary_interval_seconds);
  CHECK(got.detections_enabled == want.detections_enabled);
  CHECK(got.detections_rules == want.detections_rules);
  CHECK(got.detection.dedup_window_ns == want.detection.dedup_window_ns);
  CHECK(got.detection.max_processes_per_host == want.detection.max_processes_per_host);
  CHECK(got.detection.max_partials_per_step == want.detection.max_partials_per_step);
  CHECK(got.detection.max_series_per_host == want.detection.max_series_per_host);
  CHECK(got.alerts.stdout_lines == want.alerts.stdout_lines);
  CHECK(got.alerts.file == want.alerts.file);
  CHECK(got.alerts.webhooks.size() == want.alerts.webhooks.size());
  CHECK(got.reports.dir == want.reports.dir);
  CHECK(got.reports.tag_key == want.reports.tag_key);
  CHECK(got.reports.interval_ns == want.reports.interval_ns);
  CHECK(got.reports.period_ns == want.reports.period_ns);
  CHECK(got.reports.silent_after_ns == want.reports.silent_after_ns);
  CHECK(got.reports.formats == want.reports.formats);
}

}  // namespace

TEST_CASE("collector config: an empty file gives the documented defaults", "[collector][config]") {
  auto config = parse_collector_config("", "c.yaml");
  REQUIRE(config.ok());
  const HttpsServerOptions& s = config->server;
  CHECK(s.address == "127.0.0.1");
  CHECK(s.port == 8443);
  CHECK(s.tls.cert == "/etc/yagura/collector/collector.pem");
  CHECK(s.tls.key == "/etc/yagura/collector/collector.key");
  CHECK(s.tls.client_ca == "/etc/yagura/collector/ca.pem");
  CHECK(s.max_body_bytes == 16u << 20);
  CHECK(s.max_connections == 1024);
  CHECK(s.threads == 4);
  CHECK(s.timeouts.handshake == seconds(10));
  CHECK(s.timeouts.header == seconds(10));
  CHECK(s.timeouts.transfer == seconds(30));
  CHECK(s.timeouts.idle == seconds(120));
  CHECK(s.timeouts.stop == seconds(10));
  CHECK_FALSE(s.log_requests);
  CHECK(config->admins.empty());
  CHECK(config->store_path == "/var/lib/yagura-collector/collector.db");
  CHECK(config->max_decompressed_bytes == 64u << 20);
  CHECK(config->summary_interval_seconds == 300);
}

TEST_CASE("collector config: the shipped file loads and states the defaults",
          "[collector][config]") {
  auto shipped = load_collector_config(repo_path("config/collector.yaml"));
  INFO((shipped ? "" : shipped.error().message));
  REQUIRE(shipped.ok());
  // Beyond the defaults, the shipped file turns on the alert file and the
  // daily reports, in the state directory the systemd unit provides.
  CollectorConfig want;
  want.alerts.file = "/var/lib/yagura-collector/alerts.jsonl";
  want.reports.dir = "/var/lib/yagura-collector/reports";
  want.reports.interval_ns = 86400ull * 1'000'000'000;
  check_same(*shipped, want);
}

TEST_CASE("collector config: detections, alerts and reports", "[collector][config]") {
  auto config = parse_collector_config(R"(
detections: {enabled: false, rules: /etc/yagura/detections.yaml, dedup_window_seconds: 60,
             max_processes_per_host: 10, max_partials_per_step: 20, max_series_per_host: 30}
alerts:
  stdout: true
  file: /var/log/alerts.jsonl
  webhooks:
    - {name: web, url: "https://chat/hook", min_severity: high, tags: {team: web},
       headers: {Authorization: Bearer x}, max_attempts: 3}
reports: {dir: /r, tag: owner, interval_seconds: 3600, period_seconds: 86400,
          silent_after_seconds: 60, formats: [md]}
)",
                                       "c.yaml");
  INFO((config ? "" : config.error().message));
  REQUIRE(config.ok());
  CHECK_FALSE(config->detections_enabled);
  CHECK(config->detections_rules == "/etc/yagura/detections.yaml");
  CHECK(config->detection.dedup_window_ns == 60'000'000'000ull);
  CHECK(config->detection.max_series_per_host == 30);
  CHECK(config->alerts.stdout_lines);
  REQUIRE(config->alerts.webhooks.size() == 1);
  const WebhookConfig& w = config->alerts.webhooks[0];
  CHECK(w.min_severity == Severity::kHigh);
  CHECK(w.tags == Tags{{"team", "web"}});
  CHECK(w.headers.at("Authorization") == "Bearer x");
  CHECK(w.max_attempts == 3);
  CHECK(config->reports.tag_key == "owner");
  CHECK(config->reports.interval_ns == 3600'000'000'000ull);
  CHECK(config->reports.formats == std::vector<std::string>{"md"});

  CHECK_THAT(parse_error("alerts: {webhooks: [{url: x, min_severity: urgent}]}"),
             Contains("severity is low, medium, high or critical"));
  CHECK_THAT(parse_error("alerts: {webhooks: [{name: a}]}"), Contains("a webhook needs a url"));
  CHECK_THAT(parse_error("detections: {dedup_window_seconds: 0}"),
             Contains("dedup_window_seconds must be > 0"));
  CHECK_THAT(parse_error("reports: {formats: [pdf]}"), StartsWith("c.yaml: reports:"));
}

TEST_CASE("collector config: every key is read", "[collector][config]") {
  auto config = parse_collector_config(R"(
listen: "[::]:9443"
tls: {cert: /c.pem, key: /c.key, client_ca: /ca.pem}
admins: [csirt, alice]
store: {path: /data/c.db}
limits: {max_body_bytes: 1000, max_decompressed_bytes: 5000, max_connections: 7}
threads: 8
timeouts: {handshake_seconds: 1, header_seconds: 2, transfer_seconds: 3, idle_seconds: 4,
           stop_seconds: 0}
log: {requests: true, summary_interval_seconds: 0}
)",
                                       "c.yaml");
  INFO((config ? "" : config.error().message));
  REQUIRE(config.ok());
  CollectorConfig want;
  want.server = {.address = "::",
                 .port = 9443,
                 .tls = {"/c.pem", "/c.key", "/ca.pem"},
                 .max_body_bytes = 1000,
                 .max_connections = 7,
                 .threads = 8,
                 .timeouts = {seconds(1), seconds(2), seconds(3), seconds(4), seconds(0)},
                 .log_requests = true};
  want.admins = {"csirt", "alice"};
  want.store_path = "/data/c.db";
  want.max_decompressed_bytes = 5000;
  want.summary_interval_seconds = 0;
  check_same(*config, want);
}

TEST_CASE("collector config: unknown keys and wrong types are errors with a position",
          "[collector][config]") {
  CHECK(parse_error("limits:\n  max_body: 5\n") == "c.yaml:2:3: unknown key 'max_body'");
  CHECK(parse_error("listn: 127.0.0.1:1\n") == "c.yaml:1:1: unknown key 'listn'");
  CHECK(parse_error("threads: many\n") == "c.yaml:1:10: expected a value of the right type");
  CHECK(parse_error("limits:\n  max_connections: -1\n") ==
        "c.yaml:2:20: expected a value of the right type");
  CHECK(parse_error("tls: /etc/c.pem\n") == "c.yaml:1:6: expected a mapping");
  CHECK_THAT(parse_error("listen: [1\n"), StartsWith("c.yaml:"));
}

TEST_CASE("collector config: a bad listen address is an error", "[collector][config]") {
  CHECK(parse_error("listen: localhost:8443\n") ==
        "c.yaml:1:9: listen: 'localhost' is not an IP address");
  CHECK_THAT(parse_error("listen: 127.0.0.1\n"), Contains("expected ADDRESS:PORT"));
  CHECK_THAT(parse_error("listen: 127.0.0.1:65536\n"), Contains("not a number from 0 to 65535"));
  CHECK_THAT(parse_error("listen: 127.0.0.1:84x\n"), Contains("not a number from 0 to 65535"));
  CHECK_THAT(parse_error("listen: \"::1:8443\"\n"), Contains("'[::1]:PORT'"));
  CHECK_THAT(parse_error("listen: \"[127.0.0.1]:8443\"\n"), Contains("not an IPv6 address"));

  auto v4 = parse_listen_address("0.0.0.0:0");
  REQUIRE(v4.ok());
  CHECK(v4->address == "0.0.0.0");
  CHECK(v4->port == 0);
  auto v6 = parse_listen_address("[::1]:8443");
  REQUIRE(v6.ok());
  CHECK(v6->address == "::1");
  CHECK(v6->port == 8443);
}

TEST_CASE("collector config: values out of range are errors", "[collector][config]") {
  CHECK(parse_error("threads: 0\n") == "c.yaml: threads must be between 1 and 256");
  CHECK(parse_error("limits: {max_body_bytes: 0}\n") ==
        "c.yaml: limits.max_body_bytes must be > 0");
  CHECK(parse_error("limits: {max_connections: 0}\n") ==
        "c.yaml: limits.max_connections must be > 0");
  CHECK(parse_error("timeouts: {idle_seconds: 0}\n") ==
        "c.yaml: timeouts.idle_seconds must be > 0");
  CHECK(parse_error("tls: {key: ''}\n") ==
        "c.yaml: tls.cert, tls.key and tls.client_ca must all be set");
  CHECK(parse_error("admins: [csirt, '']\n") == "c.yaml: admins: a name is empty");

  // Command-line overrides are checked the same way.
  CollectorConfig config;
  config.server.address = "not-an-address";
  Status s = validate(config);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Contains("not an IP address"));
}

TEST_CASE("collector config: a missing file is an error naming it", "[collector][config]") {
  auto config = load_collector_config("/nonexistent/collector.yaml");
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.error().message, Contains("/nonexistent/collector.yaml"));
}

}  // namespace yagura::collector
