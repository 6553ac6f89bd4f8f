#include "sensor/daemon/sensor_daemon.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "common/host.h"
#include "sensor/capture/bpf_capture.h"
#include "sensor/capture/ring_reader.h"
#include "sensor/daemon/health.h"
#include "sensor/filter/path_watch.h"
#include "sensor/output/json_lines_sink.h"

namespace yagura {
namespace {

uint64_t boottime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + ts.tv_nsec;
}

// systemd Type=notify, without linking libsystemd: one datagram to
// $NOTIFY_SOCKET ('@' is the abstract namespace).
void sd_notify_ready() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path || !*path) return;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t len = std::min(std::strlen(path), sizeof(addr.sun_path) - 1);
  std::memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  constexpr char kMsg[] = "READY=1";
  sendto(fd, kMsg, sizeof(kMsg) - 1, 0, reinterpret_cast<sockaddr*>(&addr),
         static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len));
  close(fd);
}

}  // namespace

int run_sensor_daemon(const DaemonOptions& options, DaemonSignals& signals) {
  const SensorConfig& cfg = options.config;
  auto host = read_host_identity();
  if (!host) {
    std::fprintf(stderr, "yagura-sensor: %s\n", host.error().message.c_str());
    return 1;
  }
  host->tags = cfg.tags;
  WallClock clock;
  auto sink = JsonLinesSink::open(cfg.output, JsonWriter(*host, clock));
  if (!sink) {
    std::fprintf(stderr, "yagura-sensor: %s\n", sink.error().message.c_str());
    return 1;
  }

  CaptureOptions copts;
  copts.self_tgid = static_cast<uint32_t>(getpid());
  copts.max_args_bytes = cfg.max_args_bytes;
  copts.env_scan_bytes = cfg.env_scan_bytes;
  copts.ring_buffer_bytes = cfg.ring_buffer_bytes;
  copts.wakeup_bytes = cfg.wakeup_bytes;
  auto cgroup2 = BpfCapture::cgroup2_root();
  if (!cgroup2) {
    std::fprintf(stderr, "yagura-sensor: %s\n", cgroup2.error().message.c_str());
    return 2;
  }
  const FilterHost filter_host = FilterHost::local(*cgroup2);
  KernelFilterConfig filter_config = cfg.filter;
  copts.filter = build_filter_tables(filter_config, filter_host);
  for (const std::string& w : copts.filter.warnings)
    std::fprintf(stderr, "yagura-sensor: filter: %s\n", w.c_str());
  FilterTables published = copts.filter;
  auto capture = BpfCapture::start(copts);
  if (!capture) {
    std::fprintf(stderr, "yagura-sensor: %s\n", capture.error().message.c_str());
    return 2;
  }
  for (const std::string& d : (*capture)->degraded())
    std::fprintf(stderr, "yagura-sensor: degraded: %s\n", d.c_str());

  RecordDecoder decoder;
  ProcessTable table(ProcessTableOptions{cfg.process_table_max_entries,
                                         cfg.exited_grace_seconds * 1'000'000'000ull,
                                         cfg.lineage_depth});
  UserNames names;
  std::unique_ptr<ExeHasher> hasher;
  if (cfg.hashing) {
    ExeHasherOptions hopts;
    hopts.max_file_bytes = cfg.hash_max_file_bytes;
    hopts.max_seconds_per_file = cfg.hash_max_seconds_per_file;
    hasher = std::make_unique<ExeHasher>(hopts);
  }
  EventProcessorOptions popts;
  popts.hash_wait_ns = cfg.hash_wait_ms * 1'000'000ull;
  // Follows the published filter: replaced whenever it is.
  PathWatch path_watch(published);
  popts.watched_path = [&path_watch](std::string_view path) {
    return path_watch.watches_writes(path);
  };
  EventProcessor processor(decoder, table, names, hasher.get(), **sink, popts);

  RecordQueue queue(cfg.queue_bytes);
  RingReader reader((*capture)->ring_fd(), queue, static_cast<int>(cfg.poll_interval_ms));
  if (Status s = reader.start(); !s) {
    std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
    return 2;
  }
  // Live records queue up while the snapshot seeds the table, so that
  // their lineage resolves to processes that ran before the sensor.
  const uint64_t started = boottime_ns();
  Status snap = (*capture)->snapshot(
      [&](std::span<const uint8_t> rec) { processor.on_record(rec, started); });
  if (!snap) std::fprintf(stderr, "yagura-sensor: %s\n", snap.error().message.c_str());

  if (!options.ready_file.empty()) std::ofstream(options.ready_file) << getpid() << "\n";
  sd_notify_ready();
  std::fprintf(stderr, "yagura-sensor: capturing (pid %d)\n", getpid());

  auto write_health = [&](bool final) {
    HealthSnapshot h;
    h.ktime_ns = boottime_ns();
    h.started_ktime_ns = started;
    h.final = final;
    if (auto k = (*capture)->counters()) h.kernel = *k;
    h.reader = reader.stats();
    h.decoder = decoder.stats();
    h.processor = processor.stats();
    h.table = table.stats();
    h.hasher = hasher ? &hasher->stats() : nullptr;
    h.output_lines = (*sink)->lines();
    h.output_write_errors = (*sink)->write_errors();
    h.output_lines_lost = (*sink)->lines_lost();
    h.degraded = (*capture)->degraded();
    h.filter_generations = (*capture)->filter_generations();
    h.filter_warnings = published.warnings;
    (*sink)->write_line(health_json(*host, clock, h));
  };

  // Globs and file identities change under a running sensor (a new home
  // directory, a replaced binary): rebuild the filter now and then, and
  // publish it when it differs.
  auto republish = [&](const char* why) {
    FilterTables next = build_filter_tables(filter_config, filter_host);
    if (next.same_contents(published)) return;
    if (Status s = (*capture)->update_filter(next); !s) {
      std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
      return;
    }
    for (const std::string& w : next.warnings)
      std::fprintf(stderr, "yagura-sensor: filter: %s\n", w.c_str());
    std::fprintf(stderr, "yagura-sensor: kernel filter updated (%s)\n", why);
    published = std::move(next);
    path_watch = PathWatch(published);
  };
  auto reload = [&] {
    if (options.config_path.empty()) return;
    auto fresh = load_sensor_config(options.config_path);
    if (!fresh) {
      std::fprintf(stderr, "yagura-sensor: reload refused, configuration unchanged: %s\n",
                   fresh.error().message.c_str());
      return;
    }
    filter_config = fresh->filter;
    republish("configuration reloaded");
  };
  const uint64_t refresh_every = filter_config.refresh_seconds * 1'000'000'000ull;
  uint64_t next_refresh = started + refresh_every;

  const uint64_t health_every = cfg.health_interval_seconds * 1'000'000'000ull;
  uint64_t next_health = started + health_every;
  std::vector<uint8_t> rec;
  auto drain = [&](size_t max_records) {
    size_t n = 0;
    uint64_t now = boottime_ns();
    while (n < max_records && queue.pop(rec)) {
      processor.on_record(rec, now);
      ++n;
    }
    processor.tick(boottime_ns());
    (*sink)->flush();
    return n;
  };
  while (!signals.stop.load()) {
    size_t n = drain(4096);
    uint64_t now = boottime_ns();
    if (health_every && now >= next_health) {
      write_health(false);
      next_health = now + health_every;
    }
    if (signals.reload.exchange(false)) {
      reload();
    } else if (now >= next_refresh) {
      republish("periodic refresh");
      next_refresh = now + refresh_every;
    }
    // Records arrive in batches (the kernel wakes the reader per batch), so
    // an idle pause costs no latency worth having.
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  reader.stop();
  while (drain(SIZE_MAX) > 0) {
  }
  // Hashes in flight get their usual bounded wait, so that stopping does
  // not strip them from the last events.
  const uint64_t give_up = boottime_ns() + popts.hash_wait_ns;
  while (processor.waiting_for_hashes() && boottime_ns() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    processor.tick(boottime_ns());
  }
  processor.flush();
  write_health(true);
  (*sink)->flush();
  std::fprintf(stderr, "yagura-sensor: stopped\n");
  return 0;
}

}  // namespace yagura
