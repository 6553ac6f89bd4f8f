// yagura-collector: receives the sensors' batches over mutual TLS, stores
// them, and serves the CSIRT's API (collector/api).
#include <getopt.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "collector/alerts/alert_dispatcher.h"
#include "collector/alerts/sqlite_alert_store.h"
#include "collector/api/collector_api.h"
#include "collector/detect/detection_engine.h"
#include "collector/ingest/arrival_log.h"
#include "collector/reports/report_scheduler.h"
#include "collector/server/collector_config.h"
#include "collector/server/https_server.h"
#include "collector/store/sqlite_store.h"
#include "dump/dump_verifier.h"

namespace {

using namespace yagura::collector;

constexpr int kExitUsage = 64;   // EX_USAGE
constexpr int kExitConfig = 78;  // EX_CONFIG

void usage() {
  std::fputs(
      "usage: yagura-collector [options]\n"
      "  -c, --config FILE        YAML configuration (default: none, built-in defaults)\n"
      "      --listen ADDR:PORT   listen here (overrides listen; [ADDR]:PORT for IPv6)\n"
      "      --store PATH         the SQLite database (overrides store.path)\n"
      "      --pki DIR            TLS files from DIR as scripts/dev-pki.sh writes them:\n"
      "                           collector.pem, collector.key, ca.pem (overrides tls)\n"
      "  -v, --verbose            a line per request and per failed connection\n"
      "      --show-arrivals      print each stored batch, and each alert raised, on stdout\n"
      "      --ready-file PATH    once listening, write the bound port to PATH\n"
      "      --check-config       validate the configuration and the TLS files, and exit\n"
      "  -h, --help\n",
      stderr);
}

void log(const std::string& text) { std::fprintf(stderr, "yagura-collector: %s\n", text.c_str()); }

// Written whole, then renamed into place: a reader never sees half of it.
bool write_ready_file(const std::string& path, uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

std::string summary(const ServerStats& s) {
  auto n = [](uint64_t v) { return std::to_string(v); };
  return n(s.requests) + " requests (" + n(s.client_errors) + " 4xx, " + n(s.server_errors) +
         " 5xx), " + n(s.body_bytes) + " body bytes; connections: " + n(s.connections_open) +
         " open, " + n(s.connections) + " accepted, " + n(s.connections_refused) +
         " refused at limits.max_connections, " + n(s.tls_failures) + " failed TLS handshakes";
}

// Until SIGTERM or SIGINT (blocked in every thread, taken here), logging
// the totals every interval when they changed; SIGHUP calls `reload`.
void wait_for_stop(const sigset_t& signals, uint32_t interval_seconds, const HttpsServer& server,
                   const std::function<void()>& reload) {
  uint64_t last_requests = 0, last_connections = 0;
  for (;;) {
    int sig;
    if (interval_seconds == 0) {
      sig = sigwaitinfo(&signals, nullptr);
    } else {
      timespec timeout{.tv_sec = static_cast<time_t>(interval_seconds), .tv_nsec = 0};
      sig = sigtimedwait(&signals, nullptr, &timeout);
    }
    if (sig == SIGTERM || sig == SIGINT) return;
    if (sig == SIGHUP) reload();
    if (sig < 0 && errno == EAGAIN) {
      ServerStats stats = server.stats();
      if (stats.requests == last_requests && stats.connections == last_connections) continue;
      last_requests = stats.requests;
      last_connections = stats.connections;
      log(summary(stats));
    }
  }
}

// The detections file the configuration names, or the built-in set.
yagura::Result<std::shared_ptr<const DetectionRules>> load_detections(const std::string& path) {
  if (path.empty()) return compile_detections(builtin_detections_text(), "built-in detections");
  std::ifstream in(path);
  if (!in) return yagura::Error::from_errno("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return compile_detections(text.str(), path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, listen, store, pki, ready_file;
  bool verbose = false, check_only = false, show_arrivals = false;

  enum { kListen = 1000, kStore, kPki, kReady, kCheck, kShowArrivals };
  const option long_opts[] = {{"config", required_argument, nullptr, 'c'},
                              {"listen", required_argument, nullptr, kListen},
                              {"store", required_argument, nullptr, kStore},
                              {"pki", required_argument, nullptr, kPki},
                              {"verbose", no_argument, nullptr, 'v'},
                              {"ready-file", required_argument, nullptr, kReady},
                              {"check-config", no_argument, nullptr, kCheck},
                              {"show-arrivals", no_argument, nullptr, kShowArrivals},
                              {"help", no_argument, nullptr, 'h'},
                              {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:vh", long_opts, nullptr)) != -1;) {
    switch (c) {
      case 'c':
        config_path = optarg;
        break;
      case kListen:
        listen = optarg;
        break;
      case kStore:
        store = optarg;
        break;
      case kPki:
        pki = optarg;
        break;
      case 'v':
        verbose = true;
        break;
      case kReady:
        ready_file = optarg;
        break;
      case kCheck:
        check_only = true;
        break;
      case kShowArrivals:
        show_arrivals = true;
        break;
      case 'h':
        usage();
        return 0;
      default:
        usage();
        return kExitUsage;
    }
  }
  if (optind < argc) {
    usage();
    return kExitUsage;
  }

  CollectorConfig config;
  if (!config_path.empty()) {
    auto loaded = load_collector_config(config_path);
    if (!loaded) {
      log(loaded.error().message);
      return kExitConfig;
    }
    config = std::move(*loaded);
  }
  if (!listen.empty()) {
    auto address = parse_listen_address(listen);
    if (!address) {
      log("--" + address.error().message);
      return kExitUsage;
    }
    config.server.address = address->address;
    config.server.port = address->port;
  }
  if (!store.empty()) config.store_path = store;
  if (!pki.empty())
    config.server.tls = {.cert = pki + "/collector.pem",
                         .key = pki + "/collector.key",
                         .client_ca = pki + "/ca.pem"};
  if (verbose) config.server.log_requests = true;
  if (yagura::Status s = validate(config); !s) {
    log(s.error().message);
    return kExitConfig;
  }
  // Unreadable or mismatched TLS files are a configuration error too.
  if (auto tls = make_tls_server_context(config.server.tls); !tls) {
    log(tls.error().message);
    return kExitConfig;
  }
  if (check_only) {
    log("configuration is valid");
    return 0;
  }

  // Before any thread starts, so that every thread inherits the mask and
  // only wait_for_stop() takes these signals.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto event_store = SqliteStore::open(config.store_path);
  if (!event_store) {
    log(event_store.error().message);
    return 1;
  }
  auto alert_store = SqliteAlertStore::open(config.store_path);
  if (!alert_store) {
    log(alert_store.error().message);
    return 1;
  }
  auto dispatcher = AlertDispatcher::start(config.alerts);
  if (!dispatcher) {
    log("alerts: " + dispatcher.error().message);
    return kExitConfig;
  }
  std::unique_ptr<DetectionEngine> engine;
  if (config.detections_enabled) {
    auto rules = load_detections(config.detections_rules);
    if (!rules) {
      log("detections: " + rules.error().message);
      return kExitConfig;
    }
    auto deliver = [&dispatcher, show_arrivals](const Alert& alert) {
      (*dispatcher)->deliver(alert);
      if (show_arrivals) {
        const std::string text = describe_alert(alert);
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
      }
    };
    engine = std::make_unique<DetectionEngine>(*rules, **event_store, **alert_store, deliver,
                                               config.detection);
    if (yagura::Status s = engine->start(); !s) {
      log("detections: " + s.error().message);
      return 1;
    }
    log("detections: " + (*rules)->name + " v" + std::to_string((*rules)->version) + ", " +
        std::to_string((*rules)->rules.size()) + " rules");
  }
  ReportScheduler reports(**event_store, **alert_store, config.reports, system_now_ns,
                          [](const std::string& line) { log("reports: " + line); });
  if (config.reports.interval_ns) reports.start();

  CollectorApiConfig api_config{.admins = {config.admins.begin(), config.admins.end()},
                                .limits = {.max_decompressed_bytes = config.max_decompressed_bytes},
                                .max_dump_bytes = config.max_dump_bytes,
                                .alerts = alert_store->get(),
                                .detections = engine.get(),
                                .reports = {.period_ns = config.reports.period_ns,
                                            .silent_after_ns = config.reports.silent_after_ns}};
  // Dumps are checked against the key their sensor registered.
  api_config.verify_dump = [](std::string_view bytes,
                              const std::string& expected) -> yagura::Result<DumpCheck> {
    std::vector<std::string> keys;
    if (!expected.empty()) keys.push_back(expected);
    const yagura::dump::DumpVerification report = yagura::dump::verify_dump(bytes, keys);
    return DumpCheck{report.ok(), report.key_fingerprint, report.counts.events, report.problems};
  };
  api_config.on_stored = [&engine, show_arrivals](const IncomingBatch& batch,
                                                  StoreOutcome outcome) {
    if (show_arrivals) {
      // One write per batch: lines from concurrent batches do not interleave.
      const std::string text = describe_arrival(batch, outcome);
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    }
    if (outcome == StoreOutcome::kSequenceReused)
      log(batch.sensor_id + " sent batch " + std::to_string(batch.sequence) +
          ", a number already stored for another of its batches (was its state directory "
          "wiped?): told to renumber");
    if (engine && outcome == StoreOutcome::kStored) engine->submit(batch);
  };
  CollectorApi api(**event_store, std::move(api_config));
  auto server = HttpsServer::start(config.server, api);
  if (!server) {
    log(server.error().message);
    return 1;
  }
  const HttpsServerOptions& o = config.server;
  log("listening on " +
      (o.address.find(':') == std::string::npos ? o.address : "[" + o.address + "]") + ":" +
      std::to_string((*server)->port()) + " (" + std::to_string(o.threads) +
      " threads), storing in " + config.store_path);
  if (!ready_file.empty() && !write_ready_file(ready_file, (*server)->port())) {
    log("cannot write " + ready_file);
    return 1;
  }

  // SIGHUP: the detections file again. A file that does not compile
  // leaves the running rules in place.
  auto reload = [&] {
    if (!engine) return;
    auto rules = load_detections(config.detections_rules);
    if (!rules) {
      log("detections: reload refused, the running rules stay: " + rules.error().message);
      return;
    }
    engine->replace_rules(*rules);
    log("detections: reloaded " + (*rules)->name + " v" + std::to_string((*rules)->version));
  };
  wait_for_stop(signals, config.summary_interval_seconds, **server, reload);
  log("stopping");
  (*server)->stop();
  // What was stored is analysed before the alerts go out for the last time.
  if (engine) {
    engine->stop();
    const DetectionStats d = engine->stats();
    log("detections: " + std::to_string(d.batches) + " batches, " + std::to_string(d.events) +
        " events (" + std::to_string(d.unreadable_events) + " unreadable), " +
        std::to_string(d.alerts_new) + " new alerts, " + std::to_string(d.alerts_repeated) +
        " repeats, " + std::to_string(d.suppressed) + " suppressed, " +
        std::to_string(d.store_errors) + " lost to store errors, " +
        std::to_string(d.refused_after_stop) + " batches not analysed (after stop), " +
        std::to_string(d.evicted) +
        " state entries forgotten at the bounds");
  }
  reports.stop();
  (*dispatcher)->stop();
  for (const OutputStats& o : (*dispatcher)->stats())
    log("alerts to " + o.output + ": " + std::to_string(o.stats.delivered) + " delivered, " +
        std::to_string(o.stats.failed) + " failed, " + std::to_string(o.stats.dropped) +
        " dropped, " + std::to_string(o.stats.retries) + " retries" +
        (o.last_error.empty() ? "" : "; last error: " + o.last_error));
  log(summary((*server)->stats()));
  return 0;
}
