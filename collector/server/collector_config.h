// The collector's configuration file (YAML), e.g. /etc/yagura/collector.yaml:
//
//   listen: 0.0.0.0:8443                 # or [::]:8443
//   tls: {cert: /etc/yagura/collector/collector.pem,
//         key: /etc/yagura/collector/collector.key,
//         client_ca: /etc/yagura/collector/ca.pem}
//   admins: [csirt]                      # client certificate common names
//   store: {path: /var/lib/yagura-collector/collector.db}
//   limits: {max_body_bytes: 16777216, max_dump_bytes: 536870912, max_connections: 1024}
//
// Every key is optional; unknown keys are errors (a typo must not silently
// leave a default in place). Errors name the file, line and column.
// config/collector.yaml lists every key with its default.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collector/alerts/alert_dispatcher.h"
#include "collector/detect/detection_engine.h"
#include "collector/reports/report_scheduler.h"
#include "collector/server/https_server.h"
#include "common/result.h"

namespace yagura::collector {

struct CollectorConfig {
  // listen, tls, limits.max_body_bytes, limits.max_connections, threads,
  // timeouts, log.requests.
  HttpsServerOptions server{.tls = {.cert = "/etc/yagura/collector/collector.pem",
                                    .key = "/etc/yagura/collector/collector.key",
                                    .client_ca = "/etc/yagura/collector/ca.pem"}};
  // Common names of the client certificates allowed to administer (push
  // policies, query); every other certificate the CA signed is a sensor.
  std::vector<std::string> admins;
  std::string store_path = "/var/lib/yagura-collector/collector.db";
  // A batch that decompresses to more than this is refused, not expanded.
  uint64_t max_decompressed_bytes = 64u << 20;
  // An uploaded forensic dump that decompresses to more than this is
  // refused. Its compressed upload is a request body: max_body_bytes bounds
  // it first.
  uint64_t max_dump_bytes = uint64_t{512} << 20;
  // How often the running totals go to the log; 0: only when stopping.
  uint32_t summary_interval_seconds = 300;
  // detections: the engine, its rules (a file replacing the built-in set;
  // empty: built-in) and its bounds.
  bool detections_enabled = true;
  std::string detections_rules;
  DetectionSettings detection;
  // alerts: where new alerts go (config/collector.yaml sets a file).
  AlertOutputsConfig alerts;
  // reports: per-team reports written on a schedule (config/collector.yaml
  // turns it on).
  ReportScheduleConfig reports;
};

struct ListenAddress {
  std::string address;
  uint16_t port = 0;
};

// "ADDRESS:PORT" with an IPv4 address, or "[ADDRESS]:PORT" with IPv6.
// Host names are refused: the collector listens on addresses it owns.
Result<ListenAddress> parse_listen_address(std::string_view text);

Result<CollectorConfig> load_collector_config(const std::string& path);
Result<CollectorConfig> parse_collector_config(const std::string& yaml_text,
                                               const std::string& name);

// Checks ranges and cross-field constraints; also after command-line
// overrides.
Status validate(const CollectorConfig& config);

}  // namespace yagura::collector
