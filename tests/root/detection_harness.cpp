#include "tests/root/detection_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>

namespace yagura::test {
namespace {

// How long a behaviour or a helper may take before the test gives up on it.
constexpr int kRunSeconds = 60;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

uint64_t realtime_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

// fork + execv with stdin /dev/null and stdout to `out` (/dev/null when
// empty); in its own process group so a timeout can end all it started.
pid_t start(const std::vector<std::string>& argv, const std::string& out = "") {
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setpgid(0, 0);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    dup2(out.empty() ? devnull : open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600),
         STDOUT_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  return pid;
}

// Waits for `pid`; after kRunSeconds kills its process group and fails.
int wait_child(pid_t pid) {
  int status = 0;
  const bool done = eventually(kRunSeconds, [&] { return waitpid(pid, &status, WNOHANG) == pid; });
  if (!done) {
    kill(-pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    FAIL("process " << pid << " still running after " << kRunSeconds << " s");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void end_all(std::vector<pid_t>& children) {
  for (pid_t pid : children) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  children.clear();
}

// "reverse-shell.*": every rule id starting "reverse-shell."; else exact.
bool rule_matches(const std::string& pattern, const std::string& id) {
  if (pattern.size() >= 2 && pattern.ends_with(".*"))
    return id.starts_with(pattern.substr(0, pattern.size() - 1));
  return id == pattern;
}

// The collector's reorder hold in these tests (detections.reorder_seconds).
constexpr int kReorderSeconds = 1;

}  // namespace

std::string builtin_rules_with(const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string text = read_text(std::string(YAGURA_SCRIPTS_DIR) + "/../config/detections.yaml");
  REQUIRE(!text.empty());
  for (const auto& [from, to] : edits) {
    INFO("not in config/detections.yaml: " << from);
    size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    for (; at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  }
  return text;
}

DetectionRig::DetectionRig(RigOptions options) : sensor_id_("e2e-" + std::to_string(getpid())) {
  pki_ = std::make_unique<TestPki>(std::vector<std::string>{sensor_id_});
  std::string collector_yaml = "alerts: {file: " + dir_.path() + "/alerts.jsonl}\n";
  // The engine holds events for the sensor's other upload lanes; this
  // sensor's batches close after 200 ms, so a second is more than enough.
  std::string detections = "reorder_seconds: " + std::to_string(kReorderSeconds);
  if (!options.rules_yaml.empty()) {
    std::ofstream(dir_.path() + "/detections.yaml") << options.rules_yaml;
    detections += ", rules: " + dir_.path() + "/detections.yaml";
  }
  collector_yaml += "detections: {" + detections + "}\n";
  collector_ = std::make_unique<CollectorProcess>(*pki_, collector_yaml);

  std::string sensor_yaml = upload_yaml(*pki_, *collector_, sensor_id_) + "host:\n  tags:\n";
  // SensorProcess tags every sensor team=csirt on its command line, which
  // wins over the file: the rig's tags go there too, after it.
  std::vector<std::string> args = {"--config", ""};
  for (const auto& [key, value] : options.tags) {
    sensor_yaml += "    " + key + ": " + value + "\n";
    args.insert(args.end(), {"--tag", key + "=" + value});
  }
  sensor_yaml += options.sensor_yaml;
  args[1] = write_config(dir_, sensor_yaml);
  // The built-in policy, as in production: detections see what it keeps.
  sensor_ = std::make_unique<SensorProcess>(args, TestPolicy::kConfigured);
  const bool known = eventually(30, [&] {
    const Json hosts = collector_->get_json("/v1/admin/hosts");
    for (const Json& h : hosts["hosts"])
      if (h["sensor_id"] == sensor_id_) return true;
    return false;
  });
  INFO("sensor stderr: " << sensor_->stderr_text());
  INFO("collector stderr: " << collector_->stderr_text());
  REQUIRE(known);
}

DetectionRig::~DetectionRig() { end_all(children_); }

std::string DetectionRig::run(const std::string& script) {
  const std::string out = dir_.path() + "/run-stdout";
  const pid_t pid = start({"/bin/bash", "-c", script}, out);
  INFO("script: " << script);
  wait_child(pid);
  return read_text(out);
}

pid_t DetectionRig::spawn(const std::vector<std::string>& argv) {
  const pid_t pid = start(argv);
  children_.push_back(pid);
  return pid;
}

int DetectionRig::wait_exit(pid_t pid) {
  std::erase(children_, pid);
  return wait_child(pid);
}

void DetectionRig::settle() {
  const uint64_t from = realtime_ns() - 5'000'000'000;
  const std::string marker = "yagura-settle-" + std::to_string(++settles_);
  run_program({"/bin/true", marker});
  const std::string path = "/v1/admin/events?sensor=" + sensor_id_ +
                           "&type=exec&from=" + std::to_string(from) +
                           "&to=" + std::to_string(std::numeric_limits<int64_t>::max());
  const bool stored = eventually(30, [&] {
    for (const Json& e : collector_->get_lines(path))
      if (e["process"].value("command_line", "") == "/bin/true " + marker) return true;
    return false;
  });
  REQUIRE(stored);
  // Stored; the engine analyses it once the reorder hold is over, on its
  // own thread, within moments.
  std::this_thread::sleep_for(std::chrono::seconds(kReorderSeconds) +
                              std::chrono::milliseconds(1500));
}

std::vector<Json> DetectionRig::alerts(const std::string& rule) {
  std::string path = "/v1/admin/alerts?sensor=" + sensor_id_ + "&status=open&limit=10000";
  if (!rule.ends_with(".*")) path += "&rule=" + rule;
  std::vector<Json> out;
  const Json answer = parse_event_line(collector_->get_text(path));
  for (const Json& a : answer["alerts"]) {
    if (!rule_matches(rule, a["rule"])) continue;
    if (!a.value("lineage", Json::array()).empty() && !lineage_has_pid(a, getpid()))
      continue;  // not ours
    out.push_back(a);
  }
  return out;
}

std::vector<Json> DetectionRig::wait_for_alerts(const std::string& rule, int seconds) {
  std::vector<Json> found;
  eventually(seconds, [&] {
    found = alerts(rule);
    return !found.empty();
  });
  if (found.empty()) {
    // What the collector did raise, to tell a missed detection from a
    // filtered one.
    std::string all;
    const Json answer = collector_->get_json("/v1/admin/alerts?sensor=" + sensor_id_ + "&limit=50");
    for (const Json& a : answer["alerts"])
      all += a["rule"].get<std::string>() + " (" + a.value("status", "") + ", count " +
             std::to_string(a.value("count", 0)) + ") " + a.value("summary", "") + "\n";
    // And whether the sensor lost events on a busy machine.
    const Json hosts = collector_->get_json("/v1/admin/hosts?sensor=" + sensor_id_);
    WARN("no alert " << rule << " within " << seconds << " s; all alerts of the host:\n"
                     << all
                     << "sensor health: " << hosts["hosts"][0].value("health", Json()).dump());
  }
  return found;
}

void DetectionRig::close_alerts(const std::string& rule) {
  for (const Json& a : alerts(rule)) {
    const HttpResponse r =
        collector_->post("/v1/admin/alerts/" + std::to_string(a["id"].get<uint64_t>()) + "/close",
                         R"({"note": "test: seen"})", "application/json");
    INFO(r.body);
    REQUIRE(r.status == 200);
  }
}

std::vector<Json> DetectionRig::alert_file_lines() const {
  std::vector<Json> out;
  std::ifstream in(dir_.path() + "/alerts.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(parse_event_line(line));
  return out;
}

void DetectionRig::stop_sensor() { sensor_->stop(); }

bool lineage_has_pid(const Json& alert, pid_t pid) {
  for (const Json& p : alert.value("lineage", Json::array()))
    if (p.value("pid", 0) == pid) return true;
  return false;
}

Json lineage_entry(const Json& alert, const std::string& text) {
  for (const Json& p : alert.value("lineage", Json::array()))
    if (p.value("command_line", "").find(text) != std::string::npos) return p;
  return nullptr;
}

int wait_ready_file(const std::string& path) {
  INFO("ready file " << path);
  REQUIRE(eventually(20, [&] { return std::filesystem::exists(path); }));
  int value = 0;
  std::ifstream(path) >> value;
  return value;
}

namespace {

int g_netns_count = 0;

void ip(const std::string& args) {
  const std::string cmd = "/usr/sbin/ip " + args;
  INFO(cmd);
  REQUIRE(std::system(cmd.c_str()) == 0);
}

}  // namespace

TestNetns::TestNetns() {
  const int count = g_netns_count++;
  // Per process and per namespace, so that parallel test runs do not meet.
  const int n = (getpid() * 7 + count) % 250 + 1;
  const std::string id = std::to_string(getpid() % 100000) + "-" + std::to_string(count);
  name_ = "yg-det-" + id;
  host_veth_ = "ygd" + std::to_string(getpid() % 100000) + "h" + std::to_string(count % 10);
  const std::string ns_veth =
      "ygd" + std::to_string(getpid() % 100000) + "n" + std::to_string(count % 10);
  local_ip_ = "10.213." + std::to_string(n) + ".1";
  remote_ip_ = "10.213." + std::to_string(n) + ".2";
  REQUIRE(std::filesystem::exists("/usr/sbin/ip"));
  ip("netns add " + name_);
  ip("link add " + host_veth_ + " type veth peer name " + ns_veth + " netns " + name_);
  ip("addr add " + local_ip_ + "/30 dev " + host_veth_);
  ip("link set " + host_veth_ + " up");
  ip("-n " + name_ + " addr add " + remote_ip_ + "/30 dev " + ns_veth);
  ip("-n " + name_ + " link set " + ns_veth + " up");
  ip("-n " + name_ + " link set lo up");
}

TestNetns::~TestNetns() {
  end_all(children_);
  // Deleting one end of the pair deletes the other. No REQUIRE here: a
  // destructor must not throw.
  for (const std::vector<std::string>& argv :
       {std::vector<std::string>{"/usr/sbin/ip", "link", "del", host_veth_},
        std::vector<std::string>{"/usr/sbin/ip", "netns", "del", name_}}) {
    const pid_t pid = start(argv);
    if (pid > 0) waitpid(pid, nullptr, 0);
  }
}

pid_t TestNetns::spawn(const std::vector<std::string>& argv) {
  std::vector<std::string> full = {"/usr/sbin/ip", "netns", "exec", name_};
  full.insert(full.end(), argv.begin(), argv.end());
  const pid_t pid = start(full);
  children_.push_back(pid);
  return pid;
}

int TestNetns::run(const std::vector<std::string>& argv) {
  const pid_t pid = spawn(argv);
  std::erase(children_, pid);
  return wait_child(pid);
}

}  // namespace yagura::test
