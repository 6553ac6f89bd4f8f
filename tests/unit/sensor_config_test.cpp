#include "sensor/config/sensor_config.h"

#include <catch2/catch.hpp>
#include <string>

#include "bpf/events.h"

namespace yagura {
namespace {

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

// A file of the repository. __FILE__ is absolute in the CMake build; when it
// is relative the path is relative to the working directory, as it was then.
std::string repo_path(const std::string& relative) {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("tests/unit/")) + relative;
}

void check_same(const SensorConfig& got, const SensorConfig& want) {
  CHECK(got.output == want.output);
  CHECK(got.output_queue_events == want.output_queue_events);
  CHECK(got.tags == want.tags);
  CHECK(got.max_args_bytes == want.max_args_bytes);
  CHECK(got.env_scan_bytes == want.env_scan_bytes);
  CHECK(got.ring_buffer_bytes == want.ring_buffer_bytes);
  CHECK(got.wakeup_bytes == want.wakeup_bytes);
  CHECK(got.poll_interval_ms == want.poll_interval_ms);
  CHECK(got.queue_bytes == want.queue_bytes);
  CHECK(got.process_table_max_entries == want.process_table_max_entries);
  CHECK(got.exited_grace_seconds == want.exited_grace_seconds);
  CHECK(got.lineage_depth == want.lineage_depth);
  CHECK(got.hashing == want.hashing);
  CHECK(got.hash_max_file_bytes == want.hash_max_file_bytes);
  CHECK(got.hash_max_seconds_per_file == want.hash_max_seconds_per_file);
  CHECK(got.hash_wait_ms == want.hash_wait_ms);
  CHECK(got.health_interval_seconds == want.health_interval_seconds);
  const KernelFilterConfig& gf = got.filter;
  const KernelFilterConfig& wf = want.filter;
  CHECK(gf.events.exec == wf.events.exec);
  CHECK(gf.events.network == wf.events.network);
  CHECK(gf.events.dns == wf.events.dns);
  CHECK(gf.events.file == wf.events.file);
  CHECK(gf.events.tamper == wf.events.tamper);
  CHECK(gf.network_loopback == wf.network_loopback);
  CHECK(gf.network_unix == wf.network_unix);
  CHECK(gf.ignore_users == wf.ignore_users);
  CHECK(gf.ignore_executables == wf.ignore_executables);
  CHECK(gf.ignore_cgroups == wf.ignore_cgroups);
  CHECK(gf.watch_writes == wf.watch_writes);
  CHECK(gf.watch_exclude == wf.watch_exclude);
  CHECK(gf.watch_reads == wf.watch_reads);
  CHECK(gf.refresh_seconds == wf.refresh_seconds);
}

// The error parse_sensor_config gives for text; fails the test if it parses.
std::string parse_error(const std::string& text) {
  auto config = parse_sensor_config(text, "t.yaml");
  REQUIRE_FALSE(config.ok());
  return config.error().message;
}

std::string validate_error(const SensorConfig& config) {
  Status s = validate(config);
  REQUIRE_FALSE(s.ok());
  return s.error().message;
}

}  // namespace

TEST_CASE("an empty file gives the defaults", "[config]") {
  const SensorConfig defaults;
  // The documented defaults, so a changed default is a deliberate edit here.
  CHECK(defaults.output == "-");
  CHECK(defaults.output_queue_events == 8192);
  CHECK(defaults.tags.empty());
  CHECK(defaults.max_args_bytes == 8192);
  CHECK(defaults.env_scan_bytes == 8192);
  CHECK(defaults.ring_buffer_bytes == 8u << 20);
  CHECK(defaults.wakeup_bytes == 256u << 10);
  CHECK(defaults.poll_interval_ms == 100);
  CHECK(defaults.queue_bytes == 16u << 20);
  CHECK(defaults.process_table_max_entries == 32768);
  CHECK(defaults.exited_grace_seconds == 30);
  CHECK(defaults.lineage_depth == 16);
  CHECK(defaults.hashing);
  CHECK(defaults.hash_max_file_bytes == 256ull << 20);
  CHECK(defaults.hash_max_seconds_per_file == 5.0);
  CHECK(defaults.hash_wait_ms == 2000);
  CHECK(defaults.health_interval_seconds == 60);
  CHECK(validate(defaults).ok());

  for (const char* text : {"", "\n", "# only a comment\n", "---\n"}) {
    INFO("text: '" << text << "'");
    auto config = parse_sensor_config(text, "t.yaml");
    REQUIRE(config.ok());
    check_same(*config, defaults);
  }
}

TEST_CASE("every section and key is read", "[config]") {
  auto config = parse_sensor_config(R"(
output: /tmp/out.jsonl
output_queue_events: 1024
health_interval_seconds: 15
host:
  tags: {team: payments, role: db}
capture:
  max_args_bytes: 4096
  env_scan_bytes: 0
  ring_buffer_bytes: 16777216
  wakeup_bytes: 65536
  poll_interval_ms: 250
  queue_bytes: 33554432
process_table:
  max_entries: 1000
  exited_grace_seconds: 5
  lineage_depth: 8
hashing:
  enabled: false
  max_file_bytes: 1048576
  max_seconds_per_file: 0.5
  wait_ms: 100
)",
                                    "t.yaml");
  REQUIRE(config.ok());
  SensorConfig want;
  want.output = "/tmp/out.jsonl";
  want.output_queue_events = 1024;
  want.health_interval_seconds = 15;
  want.tags = {{"team", "payments"}, {"role", "db"}};
  want.max_args_bytes = 4096;
  want.env_scan_bytes = 0;
  want.ring_buffer_bytes = 16777216;
  want.wakeup_bytes = 65536;
  want.poll_interval_ms = 250;
  want.queue_bytes = 33554432;
  want.process_table_max_entries = 1000;
  want.exited_grace_seconds = 5;
  want.lineage_depth = 8;
  want.hashing = false;
  want.hash_max_file_bytes = 1048576;
  want.hash_max_seconds_per_file = 0.5;
  want.hash_wait_ms = 100;
  check_same(*config, want);

  SECTION("a section may give only some keys; the rest keep their defaults") {
    auto partial = parse_sensor_config("capture:\n  poll_interval_ms: 7\n", "t.yaml");
    REQUIRE(partial.ok());
    SensorConfig only_poll;
    only_poll.poll_interval_ms = 7;
    check_same(*partial, only_poll);
  }
}

TEST_CASE("unknown keys are errors naming file:line:col and the key", "[config]") {
  CHECK(parse_error("output: x\noutptu: y\n") == "t.yaml:2:1: unknown key 'outptu'");
  CHECK(parse_error("capture:\n  max_args_bytes: 10\n  max_arg_bytes: 10\n") ==
        "t.yaml:3:3: unknown key 'max_arg_bytes'");
  CHECK(parse_error("host:\n  tag: {a: b}\n") == "t.yaml:2:3: unknown key 'tag'");
  CHECK(parse_error("process_table:\n  max_entrys: 5\n") == "t.yaml:2:3: unknown key 'max_entrys'");
  CHECK(parse_error("hashing: {enabled: true, wait: 5}\n") == "t.yaml:1:26: unknown key 'wait'");
  // A key of one section is unknown in another.
  CHECK(parse_error("hashing:\n  lineage_depth: 5\n") == "t.yaml:2:3: unknown key 'lineage_depth'");
}

TEST_CASE("values of the wrong type are errors naming where they are", "[config]") {
  SECTION("a word for a number") {
    const std::string e = parse_error("capture:\n  max_args_bytes: lots\n");
    CHECK_THAT(e, StartsWith("t.yaml:2:19: "));
    CHECK_THAT(e, Contains("type"));
  }
  SECTION("a negative number for an unsigned field is not wrapped") {
    CHECK_THAT(parse_error("process_table:\n  lineage_depth: -1\n"), StartsWith("t.yaml:2:18: "));
  }
  SECTION("a number too large for 32 bits is not truncated") {
    CHECK_THAT(parse_error("capture:\n  poll_interval_ms: 4294967296\n"),
               StartsWith("t.yaml:2:21: "));
  }
  SECTION("a fraction for an integer") {
    CHECK_THAT(parse_error("capture:\n  max_args_bytes: 8.5\n"), StartsWith("t.yaml:2:19: "));
  }
  SECTION("a word for a bool") {
    CHECK_THAT(parse_error("hashing:\n  enabled: maybe\n"), StartsWith("t.yaml:2:12: "));
  }
  SECTION("a list for a string") {
    CHECK_THAT(parse_error("output: [a, b]\n"), StartsWith("t.yaml:1:9: "));
  }
  SECTION("a scalar or a list where a mapping belongs") {
    CHECK(parse_error("capture: 5\n") == "t.yaml:1:10: expected a mapping");
    CHECK(parse_error("host:\n  tags: [a, b]\n") == "t.yaml:2:9: expected a mapping");
    CHECK(parse_error("- output\n") == "t.yaml:1:1: expected a mapping");
  }
  SECTION("YAML syntax errors also say where") {
    CHECK_THAT(parse_error("capture: {max_args_bytes: 10\n"), StartsWith("t.yaml:2:1: "));
  }
}

TEST_CASE("validate checks limits and cross-field constraints", "[config]") {
  SensorConfig c;
  REQUIRE(validate(c).ok());

  SECTION("ring buffer size: a power of two of at least 4096") {
    for (uint32_t ok : {4096u, 8192u, 1u << 30}) {
      c.ring_buffer_bytes = ok;
      c.wakeup_bytes = 1;
      INFO(ok);
      CHECK(validate(c).ok());
    }
    for (uint32_t bad : {0u, 3u * 4096, (8u << 20) + 4096, 2048u, 1u}) {
      c.ring_buffer_bytes = bad;
      c.wakeup_bytes = 1;
      INFO(bad);
      CHECK_THAT(validate_error(c), Contains("ring_buffer_bytes"));
    }
  }
  SECTION("max_args_bytes: at most half of YG_DATA_MASK") {
    c.max_args_bytes = YG_DATA_MASK / 2;
    CHECK(validate(c).ok());
    c.max_args_bytes = YG_DATA_MASK / 2 + 1;
    CHECK_THAT(validate_error(c), Contains("max_args_bytes"));
    c.max_args_bytes = 1u << 20;
    CHECK_THAT(validate_error(c), Contains("max_args_bytes"));
  }
  SECTION("wakeup_bytes: between 1 and half the ring buffer") {
    c.wakeup_bytes = c.ring_buffer_bytes / 2;
    CHECK(validate(c).ok());
    c.wakeup_bytes = c.ring_buffer_bytes / 2 + 1;
    CHECK_THAT(validate_error(c), Contains("wakeup_bytes"));
    c.wakeup_bytes = 0;
    CHECK_THAT(validate_error(c), Contains("wakeup_bytes"));
    // Half of a smaller ring is checked against that ring.
    c.ring_buffer_bytes = 1u << 20;
    c.wakeup_bytes = (1u << 19) + 1;
    CHECK_THAT(validate_error(c), Contains("wakeup_bytes"));
  }
  SECTION("poll interval: 1 to 1000 ms") {
    c.poll_interval_ms = 0;
    CHECK_THAT(validate_error(c), Contains("poll_interval_ms"));
    c.poll_interval_ms = 1001;
    CHECK_THAT(validate_error(c), Contains("poll_interval_ms"));
    c.poll_interval_ms = 1;
    CHECK(validate(c).ok());
    c.poll_interval_ms = 1000;
    CHECK(validate(c).ok());
  }
  SECTION("queue_bytes holds two of the largest records") {
    c.queue_bytes = 2 * (YG_SCRATCH_SIZE + 1024);
    CHECK(validate(c).ok());
    c.queue_bytes = 2 * (YG_SCRATCH_SIZE + 1024) - 1;
    CHECK_THAT(validate_error(c), Contains("queue_bytes"));
  }
  SECTION("output_queue_events: 16 to 65536") {
    c.output_queue_events = kMinOutputQueueEvents;
    CHECK(validate(c).ok());
    c.output_queue_events = kMaxOutputQueueEvents;
    CHECK(validate(c).ok());
    c.output_queue_events = kMinOutputQueueEvents - 1;
    CHECK_THAT(validate_error(c), Contains("output_queue_events"));
    c.output_queue_events = kMaxOutputQueueEvents + 1;
    CHECK_THAT(validate_error(c), Contains("output_queue_events"));
    CHECK(kMinOutputQueueEvents == 16);
    CHECK(kMaxOutputQueueEvents == 65536);
  }
  SECTION("process table size") {
    c.process_table_max_entries = 0;
    CHECK_THAT(validate_error(c), Contains("max_entries"));
  }
}

TEST_CASE("parsing applies validate and names the file", "[config]") {
  CHECK_THAT(parse_error("capture:\n  ring_buffer_bytes: 12288\n"),
             StartsWith("t.yaml: capture.ring_buffer_bytes"));
  CHECK_THAT(parse_error("capture:\n  max_args_bytes: 16384\n"),
             StartsWith("t.yaml: capture.max_args_bytes"));
  CHECK_THAT(parse_error("capture:\n  poll_interval_ms: 0\n"),
             StartsWith("t.yaml: capture.poll_interval_ms"));
  // Cross-field: this wakeup is fine for the default ring, not for a small one.
  CHECK(parse_sensor_config("capture:\n  wakeup_bytes: 65536\n", "t.yaml").ok());
  CHECK_THAT(parse_error("capture:\n  wakeup_bytes: 65536\n  ring_buffer_bytes: 65536\n"),
             StartsWith("t.yaml: capture.wakeup_bytes"));
}

TEST_CASE("the shipped config/sensor.yaml loads with its values", "[config]") {
  const std::string path = repo_path("config/sensor.yaml");
  auto config = load_sensor_config(path);
  INFO(path);
  if (!config.ok()) FAIL(config.error().message);
  SensorConfig want;
  want.output = "/var/log/yagura/events.jsonl";
  want.tags = {{"team", "unassigned"}, {"role", "unassigned"}};
  want.max_args_bytes = 8192;
  want.env_scan_bytes = 8192;
  want.ring_buffer_bytes = 8388608;
  want.wakeup_bytes = 262144;
  want.poll_interval_ms = 100;
  want.queue_bytes = 16777216;
  want.output_queue_events = 8192;
  want.process_table_max_entries = 32768;
  want.exited_grace_seconds = 30;
  want.lineage_depth = 16;
  want.hashing = true;
  want.hash_max_file_bytes = 268435456;
  want.hash_max_seconds_per_file = 5;
  want.hash_wait_ms = 2000;
  want.health_interval_seconds = 60;
  check_same(*config, want);
}

TEST_CASE("the kernel filter sections are read", "[config]") {
  auto c = parse_sensor_config(R"(
capture:
  events: {fork: false, dns: false, tamper: true}
  network: {loopback: false, unix: false}
filter:
  ignore_users: [backup, "1001"]
  ignore_executables: [/usr/bin/backup-agent]
  ignore_cgroups: [/system.slice/foo.service]
files:
  watch_writes: [/etc/cron, /home/*/.ssh/]
  watch_exclude: [/etc/cron.daily/]
  watch_reads: [/etc/shadow]
  refresh_seconds: 15
)",
                               "f.yaml");
  if (!c.ok()) FAIL(c.error().message);
  const KernelFilterConfig& f = c->filter;
  CHECK_FALSE(f.events.fork);
  CHECK_FALSE(f.events.dns);
  CHECK(f.events.exec);
  CHECK(f.events.tamper);
  CHECK_FALSE(f.network_loopback);
  CHECK_FALSE(f.network_unix);
  CHECK(f.ignore_users == std::vector<std::string>{"backup", "1001"});
  CHECK(f.ignore_executables == std::vector<std::string>{"/usr/bin/backup-agent"});
  CHECK(f.ignore_cgroups == std::vector<std::string>{"/system.slice/foo.service"});
  CHECK(f.watch_writes == std::vector<std::string>{"/etc/cron", "/home/*/.ssh/"});
  CHECK(f.watch_exclude == std::vector<std::string>{"/etc/cron.daily/"});
  CHECK(f.watch_reads == std::vector<std::string>{"/etc/shadow"});
  CHECK(f.refresh_seconds == 15);
}

TEST_CASE("without a files section the built-in watches apply, an empty list clears them",
          "[config]") {
  auto builtin = parse_sensor_config("output: '-'\n", "f.yaml");
  REQUIRE(builtin.ok());
  CHECK(builtin->filter.watch_writes == default_kernel_filter_config().watch_writes);
  CHECK_FALSE(builtin->filter.watch_writes.empty());
  auto none = parse_sensor_config("files: {watch_writes: [], watch_reads: []}\n", "f.yaml");
  REQUIRE(none.ok());
  CHECK(none->filter.watch_writes.empty());
  CHECK(none->filter.watch_reads.empty());
}

TEST_CASE("bad kernel filter settings are refused with where they are", "[config]") {
  auto typo = parse_sensor_config("capture:\n  events: {netwrok: false}\n", "f.yaml");
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.error().message == "f.yaml:2:12: unknown key 'netwrok'");
  auto relative = parse_sensor_config("files: {watch_writes: [etc/cron]}\n", "f.yaml");
  REQUIRE_FALSE(relative.ok());
  CHECK_THAT(relative.error().message, Contains("'etc/cron' is not an absolute path"));
  auto scalar = parse_sensor_config("filter: {ignore_users: backup}\n", "f.yaml");
  REQUIRE_FALSE(scalar.ok());
  CHECK_THAT(scalar.error().message, StartsWith("f.yaml:1:24"));
  auto zero = parse_sensor_config("files: {refresh_seconds: 0}\n", "f.yaml");
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.error().message, Contains("files.refresh_seconds"));
}

TEST_CASE("a missing config file is an error naming it", "[config]") {
  auto config = load_sensor_config("/nonexistent/yagura/sensor.yaml");
  REQUIRE_FALSE(config.ok());
  CHECK_THAT(config.error().message, Contains("/nonexistent/yagura/sensor.yaml"));
}

}  // namespace yagura

TEST_CASE("a host tag without a value is refused with its position", "[sensor_config]") {
  auto cfg = yagura::parse_sensor_config("host:\n  tags:\n    team:\n", "t.yaml");
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().message == "t.yaml:3:5: tag needs a value");
}

namespace yagura {
namespace {

using Catch::Matchers::Contains;

constexpr const char* kUpload =
    "upload:\n"
    "  collector: https://collector.example:8443\n"
    "  sensor_id: web-01\n"
    "  tls: {ca: /etc/yagura/ca.pem, cert: /etc/yagura/sensor.pem, key: /etc/yagura/sensor.key,\n"
    "        pinned_public_key: 'sha256//AAAA'}\n"
    "  proxy: http://proxy:3128\n"
    "  batch: {max_events: 500, max_bytes: 65536, max_age_ms: 1500}\n"
    "  spool: {dir: /var/spool/yagura, max_bytes: 104857600, segment_bytes: 1048576}\n"
    "  bandwidth_bytes_per_second: 100000\n"
    "  timeouts: {connect_ms: 3000, request_ms: 30000}\n"
    "  retry: {initial_ms: 500, max_ms: 30000}\n"
    "  heartbeat_seconds: 30\n"
    "  accept_policy: false\n";

TEST_CASE("the upload section reads every key", "[config]") {
  auto c = parse_sensor_config(kUpload, "s.yaml");
  REQUIRE(c);
  const UploadConfig& u = c->upload;
  CHECK(u.enabled());
  CHECK(u.collector == "https://collector.example:8443");
  CHECK(u.sensor_id == "web-01");
  CHECK(u.ca == "/etc/yagura/ca.pem");
  CHECK(u.cert == "/etc/yagura/sensor.pem");
  CHECK(u.key == "/etc/yagura/sensor.key");
  CHECK(u.pinned_public_key == "sha256//AAAA");
  CHECK(u.proxy == "http://proxy:3128");
  CHECK(u.batch_max_events == 500);
  CHECK(u.batch_max_bytes == 65536);
  CHECK(u.batch_max_age_ms == 1500);
  CHECK(u.spool_dir == "/var/spool/yagura");
  CHECK(u.spool_max_bytes == 104857600);
  CHECK(u.spool_segment_bytes == 1048576);
  CHECK(u.bandwidth_bytes_per_second == 100000);
  CHECK(u.connect_timeout_ms == 3000);
  CHECK(u.request_timeout_ms == 30000);
  CHECK(u.retry_initial_ms == 500);
  CHECK(u.retry_max_ms == 30000);
  CHECK(u.heartbeat_seconds == 30);
  CHECK_FALSE(u.accept_policy);
  CHECK_FALSE(SensorConfig{}.upload.enabled());
}

TEST_CASE("upload settings that cannot work are refused at load", "[config]") {
  auto refused = [](const std::string& yaml) {
    auto c = parse_sensor_config(yaml, "s.yaml");
    REQUIRE_FALSE(c);
    return c.error().message;
  };
  CHECK_THAT(refused("upload: {collector: http://c:80, tls: {ca: a, cert: b, key: c}}\n"),
             Contains("https://"));
  CHECK_THAT(refused("upload: {collector: https://c:8443, tls: {ca: a, cert: b}}\n"),
             Contains("mutual TLS"));
  CHECK_THAT(refused("upload: {collector: https://c:8443, tls: {ca: a, cert: b, key: c},\n"
                     "         spool: {max_bytes: 1000, segment_bytes: 1000}}\n"),
             Contains("two segments"));
  CHECK_THAT(refused("upload: {collector: https://c:8443, tls: {ca: a, cert: b, key: c},\n"
                     "         retry: {initial_ms: 5000, max_ms: 1000}}\n"),
             Contains("initial_ms"));
  CHECK_THAT(refused("upload: {collector: https://c:8443, tls: {ca: a, cert: b, key: c, cacert: d}}\n"),
             Contains("unknown key 'cacert'"));
  CHECK_THAT(refused("output: ''\n"), Contains("nothing to write to"));
  CHECK(parse_sensor_config(std::string("output: ''\n") + kUpload, "s.yaml"));
}

}  // namespace
}  // namespace yagura
