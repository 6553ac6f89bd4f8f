#include "sensor/config/sensor_config.h"

#include <fstream>
#include <sstream>

#include "bpf/events.h"
#include "common/yaml_config.h"

namespace yagura {

Result<SensorConfig> parse_sensor_config(const std::string& text, const std::string& name) {
  SensorConfig c;
  Status parsed = parse_yaml_config(text, name, [&](const YAML::Node& root) {
    auto num = [&](auto& field) {
      return [&name, &field](const YAML::Node& n) { read(name, n, field); };
    };
    read_map(name, root,
             {{"output", num(c.output)},
              {"output_queue_events", num(c.output_queue_events)},
              {"health_interval_seconds", num(c.health_interval_seconds)},
              {"host",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"tags", [&](const YAML::Node& t) {
                              if (!t.IsMap())
                                throw ConfigError{where(name, t) + ": expected a mapping"};
                              for (const auto& kv : t) {
                                // yaml-cpp reads an empty value as "null".
                                if (!kv.second.IsScalar())
                                  throw ConfigError{where(name, kv.first) + ": tag needs a value"};
                                c.tags[kv.first.as<std::string>()] = kv.second.as<std::string>();
                              }
                            }}});
               }},
              {"capture",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"max_args_bytes", num(c.max_args_bytes)},
                           {"env_scan_bytes", num(c.env_scan_bytes)},
                           {"ring_buffer_bytes", num(c.ring_buffer_bytes)},
                           {"wakeup_bytes", num(c.wakeup_bytes)},
                           {"poll_interval_ms", num(c.poll_interval_ms)},
                           {"queue_bytes", num(c.queue_bytes)},
                           {"events",
                            [&](const YAML::Node& e) {
                              EventSwitches& on = c.filter.events;
                              read_map(name, e,
                                       {{"exec", num(on.exec)},
                                        {"fork", num(on.fork)},
                                        {"exit", num(on.exit)},
                                        {"cred", num(on.cred)},
                                        {"network", num(on.network)},
                                        {"dns", num(on.dns)},
                                        {"file", num(on.file)},
                                        {"tamper", num(on.tamper)}});
                            }},
                           {"network", [&](const YAML::Node& e) {
                              read_map(name, e,
                                       {{"loopback", num(c.filter.network_loopback)},
                                        {"unix", num(c.filter.network_unix)}});
                            }}});
               }},
              {"filter",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"ignore_users", num(c.filter.ignore_users)},
                           {"ignore_executables", num(c.filter.ignore_executables)},
                           {"ignore_cgroups", num(c.filter.ignore_cgroups)}});
               }},
              {"files",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"watch_writes", num(c.filter.watch_writes)},
                           {"watch_exclude", num(c.filter.watch_exclude)},
                           {"watch_reads", num(c.filter.watch_reads)},
                           {"refresh_seconds", num(c.filter.refresh_seconds)}});
               }},
              {"process_table",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"max_entries", num(c.process_table_max_entries)},
                           {"exited_grace_seconds", num(c.exited_grace_seconds)},
                           {"lineage_depth", num(c.lineage_depth)}});
               }},
              {"policy",
               [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"path", num(c.policy.path)},
                           {"require_signature", num(c.policy.require_signature)},
                           {"trusted_keys", num(c.policy.trusted_keys)},
                           {"state_dir", num(c.policy.state_dir)},
                           {"allow_rollback", num(c.policy.allow_rollback)},
                           {"watch", num(c.policy_watch)}});
               }},
              {"upload",
               [&](const YAML::Node& n) {
                 UploadConfig& u = c.upload;
                 read_map(
                     name, n,
                     {{"collector", num(u.collector)},
                      {"sensor_id", num(u.sensor_id)},
                      {"tls",
                       [&](const YAML::Node& t) {
                         read_map(name, t,
                                  {{"ca", num(u.ca)},
                                   {"cert", num(u.cert)},
                                   {"key", num(u.key)},
                                   {"pinned_public_key", num(u.pinned_public_key)}});
                       }},
                      {"proxy", num(u.proxy)},
                      {"batch",
                       [&](const YAML::Node& b) {
                         read_map(name, b,
                                  {{"max_events", num(u.batch_max_events)},
                                   {"max_bytes", num(u.batch_max_bytes)},
                                   {"max_age_ms", num(u.batch_max_age_ms)}});
                       }},
                      {"spool",
                       [&](const YAML::Node& b) {
                         read_map(name, b,
                                  {{"dir", num(u.spool_dir)},
                                   {"max_bytes", num(u.spool_max_bytes)},
                                   {"segment_bytes", num(u.spool_segment_bytes)}});
                       }},
                      {"bandwidth_bytes_per_second", num(u.bandwidth_bytes_per_second)},
                      {"timeouts",
                       [&](const YAML::Node& b) {
                         read_map(name, b,
                                  {{"connect_ms", num(u.connect_timeout_ms)},
                                   {"request_ms", num(u.request_timeout_ms)}});
                       }},
                      {"retry",
                       [&](const YAML::Node& b) {
                         read_map(name, b,
                                  {{"initial_ms", num(u.retry_initial_ms)},
                                   {"max_ms", num(u.retry_max_ms)}});
                       }},
                      {"heartbeat_seconds", num(u.heartbeat_seconds)},
                      {"accept_policy", num(u.accept_policy)}});
               }},
              {"recorder",
               [&](const YAML::Node& n) {
                 RecorderConfig& r = c.recorder;
                 read_map(name, n,
                          {{"enabled", num(r.enabled)},
                           {"dir", num(r.dir)},
                           {"max_bytes", num(r.max_bytes)},
                           {"max_age_days", num(r.max_age_days)},
                           {"segment_bytes", num(r.segment_bytes)},
                           {"queue_events", num(r.queue_events)}});
               }},
              {"control", [&](const YAML::Node& n) {
                 read_map(name, n, {{"socket", num(c.control_socket)}});
               }},
              {"hashing", [&](const YAML::Node& n) {
                 read_map(name, n,
                          {{"enabled", num(c.hashing)},
                           {"max_file_bytes", num(c.hash_max_file_bytes)},
                           {"max_seconds_per_file", num(c.hash_max_seconds_per_file)},
                           {"wait_ms", num(c.hash_wait_ms)}});
               }}});
  });
  if (!parsed) return parsed.error();
  if (Status s = validate(c); !s) return Error{name + ": " + s.error().message};
  return c;
}

policy::PolicyLoadOptions apply_policy_overrides(policy::PolicyLoadOptions o,
                                                 const PolicyOverrides& overrides) {
  if (overrides.path) o.path = *overrides.path;
  if (overrides.allow_unsigned) o.require_signature = false;
  if (overrides.state_dir) o.state_dir = *overrides.state_dir;
  return o;
}

Result<SensorConfig> load_sensor_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error::from_errno("config: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_sensor_config(text.str(), path);
}

Status validate(const SensorConfig& c) {
  auto pow2 = [](uint32_t v) { return v && (v & (v - 1)) == 0; };
  if (!pow2(c.ring_buffer_bytes) || c.ring_buffer_bytes < 4096)
    return Error{"capture.ring_buffer_bytes must be a power of two of at least 4096"};
  if (c.max_args_bytes > YG_DATA_MASK / 2)
    return Error{"capture.max_args_bytes must be at most " + std::to_string(YG_DATA_MASK / 2)};
  if (c.wakeup_bytes == 0 || c.wakeup_bytes > c.ring_buffer_bytes / 2)
    return Error{"capture.wakeup_bytes must be between 1 and half the ring buffer"};
  if (c.poll_interval_ms == 0 || c.poll_interval_ms > 1000)
    return Error{"capture.poll_interval_ms must be between 1 and 1000"};
  if (c.queue_bytes < 2 * (YG_SCRATCH_SIZE + 1024))
    return Error{"capture.queue_bytes is too small for the largest record"};
  if (c.output_queue_events < kMinOutputQueueEvents ||
      c.output_queue_events > kMaxOutputQueueEvents)
    return Error{"output_queue_events must be between " + std::to_string(kMinOutputQueueEvents) +
                 " and " + std::to_string(kMaxOutputQueueEvents)};
  if (c.process_table_max_entries == 0) return Error{"process_table.max_entries must be > 0"};
  if (c.filter.refresh_seconds == 0) return Error{"files.refresh_seconds must be > 0"};
  for (const auto* list : {&c.filter.watch_writes, &c.filter.watch_exclude, &c.filter.watch_reads,
                           &c.filter.ignore_executables})
    for (const std::string& p : *list)
      if (!p.starts_with('/')) return Error{"'" + p + "' is not an absolute path"};
  if (!(c.hash_max_seconds_per_file > 0))  // also false for NaN
    return Error{"hashing.max_seconds_per_file must be greater than 0"};
  if (c.output.empty() && !c.upload.enabled())
    return Error{"nothing to write to: output is empty and upload.collector is not set"};
  if (c.upload.enabled()) {
    const UploadConfig& u = c.upload;
    if (!u.collector.starts_with("https://"))
      return Error{"upload.collector must be an https:// URL"};
    if (u.ca.empty() || u.cert.empty() || u.key.empty())
      return Error{"upload.tls needs ca, cert and key: the collector accepts only mutual TLS"};
    if (u.batch_max_events == 0 || u.batch_max_bytes == 0 || u.batch_max_age_ms == 0)
      return Error{"upload.batch limits must be greater than 0"};
    if (u.spool_segment_bytes == 0 || u.spool_max_bytes < 2 * u.spool_segment_bytes)
      return Error{"upload.spool.max_bytes must hold at least two segments"};
    if (u.retry_initial_ms == 0 || u.retry_max_ms < u.retry_initial_ms)
      return Error{"upload.retry needs 0 < initial_ms <= max_ms"};
    if (u.heartbeat_seconds == 0) return Error{"upload.heartbeat_seconds must be greater than 0"};
  }
  if (c.recorder.enabled) {
    const RecorderConfig& r = c.recorder;
    if (r.segment_bytes < (1u << 20) || r.max_bytes < 2 * r.segment_bytes)
      return Error{"recorder: segment_bytes must be at least 1 MiB and max_bytes hold two segments"};
    if (r.max_age_days == 0) return Error{"recorder.max_age_days must be greater than 0"};
    if (r.queue_events < kMinOutputQueueEvents || r.queue_events > kMaxOutputQueueEvents)
      return Error{"recorder.queue_events must be between " +
                   std::to_string(kMinOutputQueueEvents) + " and " +
                   std::to_string(kMaxOutputQueueEvents)};
  }
  if (!c.control_socket.empty() && !c.control_socket.starts_with('/'))
    return Error{"control.socket must be an absolute path (or empty: no control socket)"};
  // A signed policy with no key to check it can never load: say so now.
  if (!c.policy.path.empty() && c.policy.require_signature && c.policy.trusted_keys.empty())
    return Error{"policy.require_signature is on but policy.trusted_keys names no key"};
  return ok_status();
}

}  // namespace yagura
