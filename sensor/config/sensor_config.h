// The sensor's configuration file (YAML), e.g. /etc/yagura/sensor.yaml:
//
//   output: /var/log/yagura/events.jsonl   # "-" for stdout
//   output_queue_events: 8192
//   host:
//     tags: {team: payments, role: db}
//   capture: {max_args_bytes: 8192, env_scan_bytes: 8192}
//   filter: {ignore_users: [backup]}
//   files: {watch_writes: [/etc/cron, /root/.ssh/]}   # replaces the built-in list
//
// Every key is optional; unknown keys are errors (a typo must not silently
// leave a default in place). Errors name the file, line and column.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "common/result.h"
#include "policy/policy_loader.h"
#include "sensor/filter/filter_config.h"

namespace yagura {

// Bounds of output_queue_events: enough for the watermark to leave room for
// high-priority events; few enough that a full queue of events of typical
// size (a few KiB) stays well inside the unit's 512 MiB memory limit.
inline constexpr uint32_t kMinOutputQueueEvents = 16;
inline constexpr uint32_t kMaxOutputQueueEvents = 65536;

// Shipping to the collector (upload:); off while `collector` is empty.
// docs/operations.md describes every key.
struct UploadConfig {
  std::string collector;  // "https://host:port"
  std::string sensor_id;  // empty: the hostname; must be the certificate's common name
  std::string ca;         // CA that signed the collector's certificate (PEM)
  std::string cert;       // this sensor's client certificate (PEM)
  std::string key;        // and its key
  std::string pinned_public_key;  // optional, curl syntax "sha256//<base64>"
  std::string proxy;              // optional, "http://proxy:3128"
  uint32_t batch_max_events = 2000;
  uint64_t batch_max_bytes = 1u << 20;
  uint32_t batch_max_age_ms = 2000;
  std::string spool_dir;  // empty: <policy.state_dir>/spool
  uint64_t spool_max_bytes = 1ull << 30;
  uint64_t spool_segment_bytes = 16ull << 20;
  uint64_t bandwidth_bytes_per_second = 0;  // 0: unlimited
  uint32_t connect_timeout_ms = 10'000;
  uint32_t request_timeout_ms = 60'000;
  uint32_t retry_initial_ms = 1000;
  uint32_t retry_max_ms = 60'000;
  uint32_t heartbeat_seconds = 60;
  // Apply policies the collector offers (their signature is still checked
  // against policy.trusted_keys).
  bool accept_policy = true;

  bool enabled() const { return !collector.empty(); }
};

// The flight recorder (recorder:): every captured event, before the policy,
// in a rolling journal that dumps are cut from. docs/operations.md.
struct RecorderConfig {
  bool enabled = true;
  std::string dir;  // empty: <policy.state_dir>/journal
  uint64_t max_bytes = 1ull << 30;
  uint32_t max_age_days = 7;
  uint64_t segment_bytes = 16ull << 20;
  uint32_t queue_events = 16384;  // between processing and the recorder's thread
};

struct SensorConfig {
  std::string output = "-";  // "": no local output (upload only)
  // Events (and health lines) queued between processing and output.
  uint32_t output_queue_events = 8192;
  std::map<std::string, std::string> tags;

  uint32_t max_args_bytes = 8192;
  uint32_t env_scan_bytes = 8192;
  uint32_t ring_buffer_bytes = 8u << 20;
  uint32_t wakeup_bytes = 256u << 10;
  uint32_t poll_interval_ms = 100;
  uint32_t queue_bytes = 16u << 20;  // records queued between the reader and processing

  uint32_t process_table_max_entries = 32768;
  uint32_t exited_grace_seconds = 30;
  uint32_t lineage_depth = 16;

  bool hashing = true;
  uint64_t hash_max_file_bytes = 256ull << 20;
  double hash_max_seconds_per_file = 5.0;
  uint32_t hash_wait_ms = 2000;

  uint32_t health_interval_seconds = 60;

  // What the kernel reports: type switches, ignored processes, watched
  // files (capture.events, capture.network, filter, files).
  KernelFilterConfig filter = default_kernel_filter_config();

  // Which policy runs and how it is trusted (policy.path, require_signature,
  // trusted_keys, state_dir, allow_rollback); docs/policy.md.
  policy::PolicyLoadOptions policy{.state_dir = "/var/lib/yagura"};
  bool policy_watch = true;  // reload when the policy file or its signature changes

  UploadConfig upload;
  RecorderConfig recorder;
  // The root-only local socket yaguractl talks to (dumps, status).
  std::string control_socket = "/run/yagura/control.sock";
};

// Command-line flags that override the configuration's policy section.
struct PolicyOverrides {
  std::optional<std::string> path;       // --policy
  bool allow_unsigned = false;           // --allow-unsigned-policy (development, tests)
  std::optional<std::string> state_dir;  // --state-dir
};

policy::PolicyLoadOptions apply_policy_overrides(policy::PolicyLoadOptions options,
                                                 const PolicyOverrides& overrides);

Result<SensorConfig> load_sensor_config(const std::string& path);
Result<SensorConfig> parse_sensor_config(const std::string& yaml_text, const std::string& name);

// Checks cross-field constraints (ring size a power of two, limits).
Status validate(const SensorConfig& config);

}  // namespace yagura
