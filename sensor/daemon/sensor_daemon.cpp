#include "sensor/daemon/sensor_daemon.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <utility>

#include "common/host.h"
#include "sensor/capture/bpf_capture.h"
#include "sensor/capture/ring_reader.h"
#include "dump/dump_key.h"
#include "sensor/control/control_commands.h"
#include "sensor/control/control_socket.h"
#include "sensor/control/distributed_policy.h"
#include "sensor/control/remote_dumps.h"
#include "sensor/control/file_watch.h"
#include "sensor/daemon/health.h"
#include "sensor/filter/path_watch.h"
#include "sensor/judge/policy_judge.h"
#include "sensor/output/event_output.h"
#include "sensor/output/json_lines_sink.h"
#include "sensor/output/process_entry_json.h"
#include "sensor/pipeline/event_gate.h"
#include "sensor/pipeline/event_queue.h"
#include "sensor/pipeline/output_stage.h"
#include "sensor/pipeline/processing_stage.h"
#include "sensor/pipeline/record_queue.h"
#include "sensor/pipeline/wake_signal.h"
#include "sensor/recorder/dump_maker.h"
#include "sensor/recorder/flight_recorder.h"

namespace yagura {
namespace {

void log_policy(const char* why, const policy::LoadedPolicy& p) {
  std::fprintf(stderr, "yagura-sensor: policy %s version %llu (%s, %s, sha256 %.12s): %s\n",
               p.policy->name().c_str(), static_cast<unsigned long long>(p.policy->version()),
               p.origin.c_str(),
               p.signer.empty() ? "unsigned" : ("signed by " + p.signer.substr(0, 12)).c_str(),
               p.policy->sha256().c_str(), why);
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

UploaderOptions upload_options(const SensorConfig& cfg, const HostIdentity& host) {
  const UploadConfig& u = cfg.upload;
  UploaderOptions o;
  o.sensor_id = u.sensor_id.empty() ? host.hostname : u.sensor_id;
  o.host = host;
  o.event_schema = kJsonSchemaVersion;
  o.batch = BatchLimits{u.batch_max_events, u.batch_max_bytes, u.batch_max_age_ms * 1'000'000ull};
  o.heartbeat_ns = u.heartbeat_seconds * 1'000'000'000ull;
  o.spool = SpoolOptions{u.spool_dir.empty() ? cfg.policy.state_dir + "/spool" : u.spool_dir,
                         u.spool_max_bytes, u.spool_segment_bytes, true};
  o.sequence_path = cfg.policy.state_dir + "/upload-sequence";
  o.http.base_url = u.collector;
  o.http.ca_file = u.ca;
  o.http.cert_file = u.cert;
  o.http.key_file = u.key;
  o.http.pinned_public_key = u.pinned_public_key;
  o.http.proxy = u.proxy;
  o.http.connect_timeout = std::chrono::milliseconds(u.connect_timeout_ms);
  o.http.request_timeout = std::chrono::milliseconds(u.request_timeout_ms);
  o.http.max_send_bytes_per_second = u.bandwidth_bytes_per_second;
  o.retry_initial = std::chrono::milliseconds(u.retry_initial_ms);
  o.retry_max = std::chrono::milliseconds(u.retry_max_ms);
  return o;
}

FlightRecorderOptions recorder_options(const SensorConfig& cfg) {
  const RecorderConfig& r = cfg.recorder;
  FlightRecorderOptions o;
  o.dir = r.dir.empty() ? cfg.policy.state_dir + "/journal" : r.dir;
  o.limits.max_bytes = r.max_bytes;
  o.limits.segment_bytes = r.segment_bytes;
  o.limits.max_age_ns = r.max_age_days * 86'400ull * 1'000'000'000ull;
  o.queue_events = r.queue_events;
  return o;
}

// What a dump takes from the processing thread: the process table and the
// active policy, copied there between two batches.
std::optional<SensorSnapshot> sensor_snapshot(ProcessingStage& processing,
                                              const ProcessTable& table, const PolicyJudge& judge,
                                              const WallClock& clock) {
  auto done = std::make_shared<std::promise<SensorSnapshot>>();
  auto taken = done->get_future();
  processing.post([&table, &judge, &clock, done] {
    SensorSnapshot s;
    table.for_each([&](const ProcessEntry& p) {
      std::string line;
      append_process_entry(line, p, clock);
      s.processes.push_back(std::move(line));
    });
    const policy::CompiledPolicy& active = judge.active();
    s.policy = {active.name(), active.version(), active.sha256()};
    done->set_value(std::move(s));
  });
  if (taken.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return std::nullopt;
  return taken.get();
}

// poll()'s timeout for a wait of `ns`: rounded up, so that it never ends
// before a deadline (and then spins on a zero timeout until it comes).
int poll_timeout_ms(uint64_t ns) {
  return static_cast<int>(std::min<uint64_t>((ns + 999'999) / 1'000'000, INT_MAX));
}

nlohmann::json recorder_status(const FlightRecorder& recorder) {
  const JournalStats j = recorder.stats();
  return {{"dir", recorder.dir()},       {"records_written", j.records_written},
          {"records_lost", j.records_lost}, {"bytes", j.bytes},
          {"segments", j.segments},      {"last_seq", j.last_seq},
          {"chain", j.chain_hex},        {"last_error", j.last_error}};
}

}  // namespace

Result<std::unique_ptr<DaemonSignals>> DaemonSignals::create() {
  UniqueFd fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd.valid()) return Error::from_errno("eventfd");
  return std::unique_ptr<DaemonSignals>(new DaemonSignals(std::move(fd)));
}

void DaemonSignals::request_stop() {
  stop_.store(true);
  wake();
}

void DaemonSignals::request_reload() {
  reload_.store(true);
  wake();
}

void DaemonSignals::wake() {
  // In a signal handler: the interrupted code may be about to read errno.
  const int saved_errno = errno;
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_.get(), &one, sizeof(one));  // full: already awake
  errno = saved_errno;
}

void DaemonSignals::clear_wake() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = read(wake_fd_.get(), &count, sizeof(count));  // EAGAIN: was clear
}

int run_sensor_daemon(const DaemonOptions& options, DaemonSignals& signals) {
  const SensorConfig& cfg = options.config;
  auto host = read_host_identity();
  if (!host) {
    std::fprintf(stderr, "yagura-sensor: %s\n", host.error().message.c_str());
    return 1;
  }
  host->tags = cfg.tags;
  WallClock clock;
  std::unique_ptr<JsonLinesSink> local_output;
  if (!cfg.output.empty()) {
    auto sink = JsonLinesSink::open(cfg.output, JsonWriter(*host, clock));
    if (!sink) {
      std::fprintf(stderr, "yagura-sensor: %s\n", sink.error().message.c_str());
      return 1;
    }
    local_output = std::move(*sink);
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
  // A configured policy that cannot load stops the start: running another
  // one than the CSIRT chose would be worse than not running.
  // A policy the collector distributed replaces the configured one, until
  // it is refused (then the configured one runs again).
  const DistributedPolicy distributed(cfg.policy.state_dir);
  const bool accept_distributed = cfg.upload.enabled() && cfg.upload.accept_policy;
  auto choose_policy_options = [&](const policy::PolicyLoadOptions& configured) {
    return accept_distributed && distributed.present() ? distributed.options(configured)
                                                       : configured;
  };
  policy::PolicyLoadOptions policy_options = choose_policy_options(cfg.policy);
  auto initial_policy = policy::load_policy(policy_options);
  if (!initial_policy && policy_options.path == distributed.path()) {
    std::fprintf(stderr, "yagura-sensor: distributed policy refused, configured policy runs: %s\n",
                 initial_policy.error().message.c_str());
    distributed.discard();
    policy_options = cfg.policy;
    initial_policy = policy::load_policy(policy_options);
  }
  if (!initial_policy) {
    std::fprintf(stderr, "yagura-sensor: %s\n", initial_policy.error().message.c_str());
    return 78;  // EX_CONFIG
  }
  log_policy("running", *initial_policy);
  if (Status s = policy::record_accepted(policy_options, *initial_policy->policy); !s)
    std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
  // What the control thread knows of the active policy.
  std::string active_policy_sha = initial_policy->policy->sha256();
  policy::KernelRequests active_kernel = initial_policy->policy->kernel();
  // The configuration's kernel filter, and the policy's requests on top.
  KernelFilterConfig config_filter = cfg.filter;
  KernelFilterConfig filter_config =
      with_policy_requests(config_filter, initial_policy->policy->kernel());
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
  // Before the hasher, which wakes its consumer, and outlives it.
  RecordQueue records(cfg.queue_bytes);
  std::unique_ptr<ExeHasher> hasher;
  if (cfg.hashing) {
    ExeHasherOptions hopts;
    hopts.max_file_bytes = cfg.hash_max_file_bytes;
    hopts.max_seconds_per_file = cfg.hash_max_seconds_per_file;
    // An exec waiting for its hash is released as soon as it is done.
    hopts.on_completion = [&records] { records.notify(); };
    hasher = std::make_unique<ExeHasher>(hopts);
  }
  PolicyJudge judge(*host, std::move(*initial_policy));
  EventQueue events(cfg.output_queue_events);
  // The flight recorder sees every event, the ones the policy drops too. A
  // journal that cannot be opened leaves the sensor running without it:
  // capture matters more than the recorder.
  std::unique_ptr<FlightRecorder> recorder;
  std::optional<PrivateKey> dump_key;
  if (cfg.recorder.enabled) {
    auto r = FlightRecorder::open(recorder_options(cfg), JsonWriter(*host, clock), clock);
    auto key = dump::load_or_create_dump_key(cfg.policy.state_dir + "/dump.key");
    if (!r) {
      std::fprintf(stderr, "yagura-sensor: flight recorder off: %s\n", r.error().message.c_str());
    } else if (!key) {
      std::fprintf(stderr, "yagura-sensor: flight recorder off: dump key: %s\n",
                   key.error().message.c_str());
    } else {
      recorder = std::move(*r);
      dump_key.emplace(std::move(*key));
      std::fprintf(stderr, "yagura-sensor: flight recorder in %s, dumps signed by key %s\n",
                   recorder->dir().c_str(), dump_key->fingerprint().c_str());
    }
  }
  EventGate gate(judge, events, recorder ? &recorder->queue() : nullptr);

  EventProcessorOptions popts;
  popts.hash_wait_ns = cfg.hash_wait_ms * 1'000'000ull;
  // The processing thread's, replaced there (post) whenever the control
  // thread publishes a filter; likewise the filter state the health line
  // reports.
  PathWatch path_watch(published);
  uint64_t filter_generations = (*capture)->filter_generations();
  std::vector<std::string> filter_warnings = published.warnings;
  popts.watched_path = [&path_watch](std::string_view path) {
    return path_watch.watches_writes(path);
  };
  EventProcessor processor(decoder, table, names, hasher.get(), gate, popts);

  // The upload thread stores an offered policy; the control loop applies it.
  std::mutex offered_mu;
  std::optional<std::pair<uint64_t, std::string>> offered;  // version, sha256
  // Dumps: cut from the journal with what the processing thread holds at
  // that moment (set below, before any dump can run).
  const std::string sensor_id = cfg.upload.sensor_id.empty() ? host->hostname : cfg.upload.sensor_id;
  ProcessingStage* processing_stage = nullptr;
  std::unique_ptr<DumpMaker> dump_maker;
  if (recorder) {
    DumpSources sources;
    sources.journal_dir = recorder->dir();
    sources.sensor_id = sensor_id;
    sources.host = *host;
    sources.key = &*dump_key;
    sources.sync_journal = [&] { return recorder->sync(std::chrono::seconds(2)); };
    sources.snapshot = [&] { return sensor_snapshot(*processing_stage, table, judge, clock); };
    sources.now_ns = realtime_ns;
    dump_maker = std::make_unique<DumpMaker>(std::move(sources));
  }
  std::unique_ptr<Uploader> uploader;
  // The collector relays dump requests; made on their own thread, uploaded
  // by the uploader.
  RemoteDumps remote_dumps(dump_maker.get(),
                           [&](wire::v1::DumpUpload u) { uploader->submit_dump(std::move(u)); });
  if (cfg.upload.enabled()) {
    PolicyOfferHandler on_offer;
    if (accept_distributed) {
      on_offer = [&](wire::v1::PolicyDocument doc) {
        if (Status s = distributed.store(doc); !s) {
          std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
          return;
        }
        {
          std::lock_guard lock(offered_mu);
          offered.emplace(doc.version(), doc.sha256());
        }
        signals.wake();
      };
    }
    UploaderOptions uopts = upload_options(cfg, *host);
    if (dump_key) uopts.dump_key = dump_key->fingerprint();
    auto up = Uploader::start(std::move(uopts), std::move(on_offer), [&](wire::v1::DumpRequest r) {
      remote_dumps.request(std::move(r));
    });
    if (!up) {
      std::fprintf(stderr, "yagura-sensor: %s\n", up.error().message.c_str());
      return 78;  // EX_CONFIG: certificates, spool directory
    }
    uploader = std::move(*up);
    const auto& p = judge.active();
    uploader->set_policy(p.name(), p.version(), p.sha256());
  }
  EventOutput output_sink(JsonWriter(*host, clock), clock, local_output.get(), uploader.get());
  // The sink says when its clock work (closing batches by age) is due.
  OutputStage output(events, output_sink, {.idle_sleep = WakeSignal::kForever});
  RingReader reader((*capture)->ring_fd(), records, static_cast<int>(cfg.poll_interval_ms));

  const uint64_t started = boottime_ns();
  ProcessingStageOptions sopts;
  sopts.health_interval_ns = cfg.health_interval_seconds * 1'000'000'000ull;
  sopts.hash_wait_ns = popts.hash_wait_ns;
  // On the processing thread: what it does not own is read from atomics
  // (reader, queues, output, hasher) or from the kernel.
  sopts.health_line = [&](uint64_t now, bool final, const ProcessingStageStats& stage) {
    HealthSnapshot h;
    h.ktime_ns = now;
    h.started_ktime_ns = started;
    h.final = final;
    if (auto k = (*capture)->counters()) h.kernel = *k;
    h.reader = reader.stats();
    h.decoder = decoder.stats();
    h.processor = processor.stats();
    h.table = table.stats();
    h.hasher = hasher ? &hasher->stats() : nullptr;
    h.pipeline =
        PipelineHealth{records.stats(), stage, gate.stats(), events.stats(), output.stats()};
    h.judge = &judge;
    h.degraded = (*capture)->degraded();
    h.filter_generations = filter_generations;
    h.filter_warnings = filter_warnings;
    if (uploader) h.upload = uploader->stats();
    if (recorder) {
      h.recorder = recorder->stats();
      h.pipeline.recorder_queue = recorder->queue_stats();
    }
    return health_json(*host, clock, h);
  };
  ProcessingStage processing(records, processor, gate, sopts);
  processing_stage = &processing;

  if (recorder) {
    if (Status s = recorder->start(); !s) {
      std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
      return 2;
    }
  }
  if (Status s = output.start(); !s) {
    std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
    return 2;
  }
  if (Status s = reader.start(); !s) {
    std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
    return 2;
  }
  // Live records queue up while the snapshot seeds the table, so that
  // their lineage resolves to processes that ran before the sensor. On this
  // thread, before the processing thread starts (which orders the two).
  Status snap = (*capture)->snapshot([&](std::span<const uint8_t> rec) { processing.feed(rec); });
  if (!snap) std::fprintf(stderr, "yagura-sensor: %s\n", snap.error().message.c_str());
  if (Status s = processing.start(); !s) {
    std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
    return 2;
  }

  if (uploader) remote_dumps.start();
  // yaguractl's way in (root only). Without it the sensor still captures.
  ControlCommands commands(dump_maker.get(), [&] {
    nlohmann::json status = {{"sensor_id", sensor_id},
                             {"hostname", host->hostname},
                             {"dump_key", dump_key ? dump_key->fingerprint() : ""}};
    if (recorder) status["recorder"] = recorder_status(*recorder);
    return status;
  });
  std::optional<ControlSocket> control;
  if (!cfg.control_socket.empty()) {
    ControlSocketOptions copts;
    copts.log = [](const std::string& m) {
      std::fprintf(stderr, "yagura-sensor: control: %s\n", m.c_str());
    };
    auto c = ControlSocket::listen(
        cfg.control_socket,
        [&](const nlohmann::json& req, const PeerCredentials& peer, ControlReply& reply) {
          commands.handle(req, peer, reply);
        },
        std::move(copts));
    if (c && c->start()) {
      control.emplace(std::move(*c));
    } else {
      std::fprintf(stderr, "yagura-sensor: control socket off: %s\n",
                   c ? "cannot start its thread" : c.error().message.c_str());
    }
  }

  if (!options.ready_file.empty()) std::ofstream(options.ready_file) << getpid() << "\n";
  sd_notify_ready();
  std::fprintf(stderr, "yagura-sensor: capturing (pid %d)\n", getpid());

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
    // Built here, swapped in there: the processing thread reads it per
    // file event, without a lock.
    processing.post([&, watch = PathWatch(published),
                     generations = (*capture)->filter_generations(),
                     warnings = published.warnings] {
      path_watch = watch;
      filter_generations = generations;
      filter_warnings = warnings;
    });
  };
  // The policy's watch follows policy.path; built again when it changes.
  std::optional<FileWatch> policy_watch;
  auto watch_policy = [&](bool enabled) {
    policy_watch.reset();
    if (!enabled || policy_options.path.empty()) return;
    auto w = FileWatch::open({policy_options.path, policy_options.path + ".sig"});
    if (!w) {
      std::fprintf(stderr, "yagura-sensor: policy file watch off: %s\n", w.error().message.c_str());
      return;
    }
    policy_watch.emplace(std::move(*w));
  };
  watch_policy(cfg.policy_watch);
  // Loaded, verified and compiled here; adopted by the processing thread
  // between two events. On any error the running policy stays. Returns
  // the error, "" when the policy runs (or already ran).
  auto reload_policy = [&](const char* why) -> std::string {
    auto next = policy::load_policy(policy_options);
    if (!next) {
      std::fprintf(stderr, "yagura-sensor: policy reload refused, policy unchanged: %s\n",
                   next.error().message.c_str());
      processing.post(
          [&judge, e = next.error().message]() mutable { judge.reload_failed(std::move(e)); });
      return next.error().message;
    }
    if (next->policy->sha256() == active_policy_sha) {
      std::fprintf(stderr, "yagura-sensor: policy unchanged (%s)\n", why);
      return "";
    }
    active_policy_sha = next->policy->sha256();
    active_kernel = next->policy->kernel();
    log_policy(why, *next);
    filter_config = with_policy_requests(config_filter, active_kernel);
    republish("policy reloaded");
    if (Status s = policy::record_accepted(policy_options, *next->policy); !s)
      std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
    if (uploader)
      uploader->set_policy(next->policy->name(), next->policy->version(), next->policy->sha256());
    processing.post([&judge, p = std::move(*next)]() mutable { judge.adopt(std::move(p)); });
    return "";
  };
  // A policy the collector offered, stored by the upload thread: applied
  // like a local file; refused, it is discarded and the policy that ran
  // before keeps running. The collector learns the outcome either way.
  auto apply_offered = [&](uint64_t version, const std::string& sha256) {
    const policy::PolicyLoadOptions before = policy_options;
    policy_options = distributed.options(before);
    const std::string error = reload_policy("distributed by the collector");
    if (!error.empty()) {
      distributed.discard();
      policy_options = before;
    } else {
      watch_policy(cfg.policy_watch);
    }
    uploader->report_policy_status(version, sha256, error.empty(), error);
  };
  auto reload = [&] {
    if (!options.config_path.empty()) {
      auto fresh = load_sensor_config(options.config_path);
      if (!fresh) {
        std::fprintf(stderr, "yagura-sensor: reload refused, configuration unchanged: %s\n",
                     fresh.error().message.c_str());
        return;
      }
      config_filter = fresh->filter;
      // Flags given on the command line keep overriding the file.
      policy_options =
          choose_policy_options(apply_policy_overrides(fresh->policy, options.policy_overrides));
      watch_policy(fresh->policy_watch);
    }
    filter_config = with_policy_requests(config_filter, active_kernel);
    republish("configuration reloaded");
    reload_policy("reloaded");
  };
  const uint64_t refresh_every = filter_config.refresh_seconds * 1'000'000'000ull;
  uint64_t next_refresh = started + refresh_every;

  // The control loop: the stages run on their own; this thread does one
  // thing due per round, and sleeps when nothing is: until a signal (or an
  // offered policy) writes the signals' eventfd, the policy files' watch
  // has events, or the next deadline.
  // A policy arrives as two files (policy, signature), each maybe written
  // in steps: reload once they have been quiet this long.
  constexpr uint64_t kPolicySettleNs = 300'000'000;
  uint64_t policy_changed_at = 0;
  for (;;) {
    signals.clear_wake();
    if (signals.stop_requested()) break;
    if (policy_watch && policy_watch->changed()) policy_changed_at = boottime_ns();
    const uint64_t now = boottime_ns();
    if (signals.take_reload()) {
      policy_changed_at = 0;
      reload();
    } else if (policy_changed_at && now - policy_changed_at >= kPolicySettleNs) {
      policy_changed_at = 0;
      reload_policy("policy file changed");
    } else if (auto o = [&] {
                 std::lock_guard lock(offered_mu);
                 return std::exchange(offered, std::nullopt);
               }()) {
      apply_offered(o->first, o->second);
    } else if (now >= next_refresh) {
      republish("periodic refresh");
      next_refresh = boottime_ns() + refresh_every;
    } else {
      uint64_t due = next_refresh;
      if (policy_changed_at) due = std::min(due, policy_changed_at + kPolicySettleNs);
      pollfd fds[2] = {{signals.wake_fd(), POLLIN, 0},
                       {policy_watch ? policy_watch->fd() : -1, POLLIN, 0}};  // -1: ignored
      poll(fds, 2, poll_timeout_ms(due - now));  // EINTR: a signal, seen next round
    }
  }

  // Each stage stops once the one before it has delivered everything:
  // the reader drains what the kernel wrote; processing drains its queue,
  // waits for hashes, releases every event and writes the final health
  // line once output has caught up; output writes what is left.
  // Control first: a dump asks the processing thread for its snapshot.
  if (control) control->stop();
  remote_dumps.stop();
  reader.stop();
  processing.stop();
  output.stop();
  if (recorder) recorder->stop();
  if (uploader) uploader->stop();
  std::fprintf(stderr, "yagura-sensor: stopped\n");
  return 0;
}

}  // namespace yagura
