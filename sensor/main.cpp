// yagura-sensor: the Yagura endpoint sensor daemon.
#include <getopt.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sensor/daemon/sensor_daemon.h"

namespace {

// Set before the handlers are installed.
yagura::DaemonSignals* g_signals = nullptr;

void on_stop(int) { g_signals->request_stop(); }
void on_reload(int) { g_signals->request_reload(); }

// A whole non-negative number, or -1 (reported by the caller).
long parse_count(const char* text) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 0 || v > UINT32_MAX) return -1;
  return v;
}

void usage() {
  std::fputs(
      "usage: yagura-sensor [options]\n"
      "  -c, --config FILE        YAML configuration (default: none, built-in defaults)\n"
      "  -o, --output PATH        JSON lines output, '-' for stdout (overrides config)\n"
      "  -t, --tag KEY=VALUE      host tag attached to every event (repeatable)\n"
      "      --max-args-bytes N   argv bytes captured per exec\n"
      "      --health-interval S  seconds between health lines (0: only at exit)\n"
      "      --no-hash            do not compute SHA-256 of executables\n"
      "      --ready-file PATH    create PATH once capture is live\n"
      "      --policy FILE        policy file (overrides policy.path)\n"
      "      --allow-unsigned-policy  accept a policy without a signature (development)\n"
      "      --state-dir DIR      where the sensor keeps state (overrides policy.state_dir)\n"
      "      --control-socket PATH  yaguractl's socket (overrides control.socket; '' for none)\n"
      "      --check-config       validate the configuration and the policy, and exit\n"
      "  -h, --help\n",
      stderr);
}

}  // namespace

int main(int argc, char** argv) {
  yagura::DaemonOptions opts;
  std::string config_path, output;
  std::optional<std::string> control_socket;
  std::vector<std::pair<std::string, std::string>> tags;
  long max_args = -1, health = -1;
  bool no_hash = false, check_only = false;

  enum { kMaxArgs = 1000, kHealth, kNoHash, kReady, kCheck, kPolicy, kUnsigned, kStateDir,
         kControlSocket };
  const option long_opts[] = {{"config", required_argument, nullptr, 'c'},
                              {"output", required_argument, nullptr, 'o'},
                              {"tag", required_argument, nullptr, 't'},
                              {"max-args-bytes", required_argument, nullptr, kMaxArgs},
                              {"health-interval", required_argument, nullptr, kHealth},
                              {"no-hash", no_argument, nullptr, kNoHash},
                              {"ready-file", required_argument, nullptr, kReady},
                              {"check-config", no_argument, nullptr, kCheck},
                              {"policy", required_argument, nullptr, kPolicy},
                              {"allow-unsigned-policy", no_argument, nullptr, kUnsigned},
                              {"state-dir", required_argument, nullptr, kStateDir},
                              {"control-socket", required_argument, nullptr, kControlSocket},
                              {"help", no_argument, nullptr, 'h'},
                              {nullptr, 0, nullptr, 0}};
  for (int c; (c = getopt_long(argc, argv, "c:o:t:h", long_opts, nullptr)) != -1;) {
    switch (c) {
      case 'c':
        config_path = optarg;
        break;
      case 'o':
        output = optarg;
        break;
      case 't': {
        std::string kv = optarg;
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) {
          std::fprintf(stderr, "yagura-sensor: --tag wants KEY=VALUE, got '%s'\n", optarg);
          return 64;
        }
        tags.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        break;
      }
      case kMaxArgs:
      case kHealth: {
        long v = parse_count(optarg);
        if (v < 0) {
          std::fprintf(stderr, "yagura-sensor: %s wants a whole number, got '%s'\n",
                       c == kMaxArgs ? "--max-args-bytes" : "--health-interval", optarg);
          return 64;
        }
        (c == kMaxArgs ? max_args : health) = v;
        break;
      }
      case kNoHash:
        no_hash = true;
        break;
      case kReady:
        opts.ready_file = optarg;
        break;
      case kCheck:
        check_only = true;
        break;
      case kPolicy:
        opts.policy_overrides.path = optarg;
        break;
      case kUnsigned:
        opts.policy_overrides.allow_unsigned = true;
        break;
      case kStateDir:
        opts.policy_overrides.state_dir = optarg;
        break;
      case kControlSocket:
        control_socket = optarg;
        break;
      case 'h':
        usage();
        return 0;
      default:
        usage();
        return 64;
    }
  }

  if (!config_path.empty()) {
    auto cfg = yagura::load_sensor_config(config_path);
    if (!cfg) {
      std::fprintf(stderr, "yagura-sensor: %s\n", cfg.error().message.c_str());
      return 78;  // EX_CONFIG
    }
    opts.config = *cfg;
    opts.config_path = config_path;
  }
  if (!output.empty()) opts.config.output = output;
  if (control_socket) opts.config.control_socket = *control_socket;
  for (auto& [k, v] : tags) opts.config.tags[k] = v;
  if (max_args >= 0) opts.config.max_args_bytes = static_cast<uint32_t>(max_args);
  if (health >= 0) opts.config.health_interval_seconds = static_cast<uint32_t>(health);
  if (no_hash) opts.config.hashing = false;
  opts.config.policy = yagura::apply_policy_overrides(opts.config.policy, opts.policy_overrides);
  if (yagura::Status s = yagura::validate(opts.config); !s) {
    std::fprintf(stderr, "yagura-sensor: %s\n", s.error().message.c_str());
    return 78;
  }
  if (check_only) {
    auto policy = yagura::policy::load_policy(opts.config.policy);
    if (!policy) {
      std::fprintf(stderr, "yagura-sensor: %s\n", policy.error().message.c_str());
      return 78;
    }
    std::fprintf(stderr, "yagura-sensor: configuration is valid; policy %s version %llu loads\n",
                 policy->policy->name().c_str(),
                 static_cast<unsigned long long>(policy->policy->version()));
    return 0;
  }

  auto signals = yagura::DaemonSignals::create();
  if (!signals) {
    std::fprintf(stderr, "yagura-sensor: %s\n", signals.error().message.c_str());
    return 1;
  }
  g_signals = signals->get();
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = on_reload;
  sigaction(SIGHUP, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return yagura::run_sensor_daemon(opts, **signals);
}
