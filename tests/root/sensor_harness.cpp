#include "tests/root/sensor_harness.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace yagura::test {
namespace {

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Maps each \udcXX escape to the private-use code point U+E0XX before
// parsing, and those code points back to the byte XX after.
std::string unescape_private(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xee && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x83) {
      // U+E000..U+E0FF is ee 80 80 .. ee 83 bf in UTF-8.
      unsigned cp = ((c & 0x0f) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3f) << 6) |
                    (static_cast<unsigned char>(s[i + 2]) & 0x3f);
      if (cp <= 0xe0ff) {
        out += static_cast<char>(cp & 0xff);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

void restore_bytes(Json& j) {
  if (j.is_string()) {
    j = unescape_private(j.get<std::string>());
  } else if (j.is_array() || j.is_object()) {
    for (auto& child : j) restore_bytes(child);
  }
}

}  // namespace

SensorProcess::SensorProcess(std::vector<std::string> extra_args, TestPolicy policy) {
  char tmpl[] = "/tmp/yagura-root-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  dir_ = tmpl;
  // Capture tests look for every event the kernel reports; the built-in
  // policy would drop its noise (forks, clean exits, DNS answers).
  if (policy == TestPolicy::kKeepAll) {
    std::ofstream(dir_ + "/keep-all.yaml") << "policy: {name: capture-tests, version: 1}\n";
    extra_args.insert(extra_args.end(),
                      {"--policy", dir_ + "/keep-all.yaml", "--allow-unsigned-policy"});
  }
  std::vector<std::string> argv = {YAGURA_SENSOR_BIN, "--output", dir_ + "/events.jsonl",
                                   "--ready-file", dir_ + "/ready", "--health-interval", "0",
                                   "--tag", "team=csirt", "--tag", "role=test",
                                   // Never the host's own policy state or socket.
                                   "--state-dir", dir_, "--control-socket",
                                   dir_ + "/control.sock"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    int err = open((dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(err, STDERR_FILENO);
    execv(argv[0].c_str(), c_strings(argv).data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!std::filesystem::exists(dir_ + "/ready")) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      std::ifstream err(dir_ + "/stderr");
      std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
      pid_ = -1;
      FAIL("yagura-sensor exited before capture was live: " << text);
    }
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

SensorProcess::~SensorProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::filesystem::remove_all(dir_);
}

void SensorProcess::kill_now() {
  REQUIRE(pid_ > 0);
  kill(pid_, SIGKILL);
  REQUIRE(waitpid(pid_, nullptr, 0) == pid_);
  pid_ = -1;
}

std::vector<Json> SensorProcess::stop() {
  REQUIRE(pid_ > 0);
  kill(pid_, SIGTERM);
  int status = 0;
  REQUIRE(waitpid(pid_, &status, 0) == pid_);
  pid_ = -1;
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::vector<Json> events;
  std::ifstream in(dir_ + "/events.jsonl");
  for (std::string line; std::getline(in, line);) events.push_back(parse_event_line(line));
  // Capture must have been loss-free for the assertions to mean anything.
  REQUIRE(!events.empty());
  const Json& health = events.back();
  REQUIRE(health["type"] == "health");
  REQUIRE(health["final"] == true);
  for (auto& [type, reasons] : health["kernel"]["drops"].items())
    for (auto& [reason, n] : reasons.items()) CHECK(n.get<uint64_t>() == 0);
  for (auto& [type, n] : health["reader"]["dropped_queue_full"].items())
    CHECK(n.get<uint64_t>() == 0);
  for (auto& [reason, n] : health["decoder"]["rejected"].items()) CHECK(n.get<uint64_t>() == 0);
  CHECK(health["output"]["lines_lost"] == 0);
  return events;
}

std::string SensorProcess::stderr_text() const {
  std::ifstream err(dir_ + "/stderr");
  return std::string((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
}

void SensorProcess::reload(const std::string& expect) {
  REQUIRE(pid_ > 0);
  const size_t seen = stderr_text().size();
  REQUIRE(kill(pid_, SIGHUP) == 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stderr_text().find(expect, seen) == std::string::npos) {
    INFO("waiting for '" << expect << "' after SIGHUP; stderr: " << stderr_text());
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

RunResult run_program(const std::vector<std::string>& argv, const RunOptions& options) {
  RunResult r;
  r.pid = fork();
  REQUIRE(r.pid >= 0);
  if (r.pid == 0) {
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(126);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, STDIN_FILENO);
    const int out = options.stdout_path
                        ? open(options.stdout_path->c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600)
                        : devnull;
    dup2(out, STDOUT_FILENO);
    const std::string& file = options.path ? *options.path : argv[0];
    if (options.env.empty())
      execv(file.c_str(), c_strings(argv).data());
    else
      execve(file.c_str(), c_strings(argv).data(), c_strings(options.env).data());
    _exit(127);
  }
  REQUIRE(waitpid(r.pid, &r.status, 0) == r.pid);
  return r;
}

Json parse_event_line(const std::string& line) {
  std::string text;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == '\\' && i + 1 < line.size()) {
      if (line.compare(i, 4, "\\udc") == 0 && i + 6 <= line.size()) {
        text += "\\ue0";
        text += line.substr(i + 4, 2);
        i += 5;
      } else {
        text += line.substr(i, 2);  // any other escape, kept whole
        ++i;
      }
      continue;
    }
    text += line[i];
  }
  Json j = Json::parse(text);
  restore_bytes(j);
  return j;
}

std::vector<Json> find_all(const std::vector<Json>& events, const std::string& type, pid_t pid) {
  std::vector<Json> out;
  for (const auto& e : events)
    if (e["type"] == type && e["process"]["pid"] == pid) out.push_back(e);
  return out;
}

Json find_one(const std::vector<Json>& events, const std::string& type, pid_t pid) {
  auto all = find_all(events, type, pid);
  INFO("events of type " << type << " for pid " << pid);
  REQUIRE(all.size() == 1);
  return all[0];
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/yagura-test-XXXXXX";
  REQUIRE(mkdtemp(tmpl) != nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() { std::filesystem::remove_all(path_); }

RunResult run_actor(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{YAGURA_ACTOR_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, options);
}

int exit_code(const RunResult& run) { return WIFEXITED(run.status) ? WEXITSTATUS(run.status) : -1; }

std::vector<Json> find_where(const std::vector<Json>& events, const std::string& type, pid_t pid,
                             const std::string& path, const Json& value) {
  std::vector<Json> out;
  const Json::json_pointer ptr(path);
  for (const auto& e : find_all(events, type, pid))
    if (e.contains(ptr) && e[ptr] == value) out.push_back(e);
  return out;
}

std::string write_config(const TempDir& dir, const std::string& yaml) {
  const std::string path = dir.path() + "/sensor.yaml";
  std::ofstream(path) << yaml;
  return path;
}

namespace {
std::string g_skip_reason;
}

void skip_test(const std::string& reason) {
  WARN("skipped: " << reason);
  g_skip_reason = reason;
}

const std::string& skip_reason() { return g_skip_reason; }

int bound_unix_socket(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(un.sun_path));
  std::memcpy(un.sun_path, path.data(), path.size());
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&un), sizeof(un)) == 0);
  return fd;
}

pid_t read_pid(const std::string& file) {
  pid_t pid = 0;
  std::ifstream(file) >> pid;
  REQUIRE(pid > 0);
  return pid;
}

std::string realpath_of(const std::string& path) {
  char buf[PATH_MAX];
  REQUIRE(realpath(path.c_str(), buf) != nullptr);
  return buf;
}

}  // namespace yagura::test
