#include "tests/root/collector_harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace yagura::test {

TestPki::TestPki(const std::vector<std::string>& sensors) {
  std::string cmd = std::string("bash ") + YAGURA_SCRIPTS_DIR + "/dev-pki.sh " + dir_.path() +
                    "/pki --admin csirt";
  for (const std::string& s : sensors) cmd += " --sensor " + s;
  cmd += " >/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
}

CollectorProcess::CollectorProcess(const TestPki& pki, std::string extra_yaml)
    : pki_(pki), extra_yaml_(std::move(extra_yaml)) {
  start();
}

CollectorProcess::~CollectorProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void CollectorProcess::start() {
  REQUIRE(pid_ < 0);
  const std::string ready = dir_.path() + "/ready";
  std::filesystem::remove(ready);
  {
    std::ofstream(dir_.path() + "/collector.yaml") << "admins: [csirt]\n" << extra_yaml_;
  }
  const std::vector<std::string> argv = {
      YAGURA_COLLECTOR_BIN, "--config", dir_.path() + "/collector.yaml", "--pki",
      pki_.dir() + "/pki", "--store", dir_.path() + "/collector.db", "--listen",
      "127.0.0.1:" + std::to_string(port_), "--ready-file", ready, "--verbose"};
  pid_ = fork();
  REQUIRE(pid_ >= 0);
  if (pid_ == 0) {
    const int err = open((dir_.path() + "/stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    dup2(err, STDERR_FILENO);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  const bool up = eventually(20, [&] {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("yagura-collector exited at start: " << stderr_text());
    }
    return std::filesystem::exists(ready);
  });
  REQUIRE(up);
  std::ifstream(ready) >> port_;
  REQUIRE(port_ != 0);
}

void CollectorProcess::stop() {
  REQUIRE(pid_ > 0);
  kill(pid_, SIGTERM);
  int status = 0;
  REQUIRE(waitpid(pid_, &status, 0) == pid_);
  pid_ = -1;
  INFO(stderr_text());
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

std::string CollectorProcess::stderr_text() const {
  std::ifstream in(dir_.path() + "/stderr");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

HttpsClientOptions CollectorProcess::client_options(const std::string& client) const {
  HttpsClientOptions o;
  o.base_url = url();
  o.ca_file = pki_.file("pki/ca.pem");
  o.cert_file = pki_.file("pki/" + client + ".pem");
  o.key_file = pki_.file("pki/" + client + ".key");
  return o;
}

std::string CollectorProcess::get_text(const std::string& path) {
  auto client = HttpsClient::create(client_options("admin-csirt"));
  REQUIRE(client);
  auto r = (*client)->get(path);
  REQUIRE(r);
  INFO(path << ": " << r->body);
  REQUIRE(r->status == 200);
  return r->body;
}

Json CollectorProcess::get_json(const std::string& path) { return Json::parse(get_text(path)); }

std::vector<Json> CollectorProcess::get_lines(const std::string& path) {
  std::vector<Json> out;
  std::istringstream in(get_text(path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(parse_event_line(line));
  return out;
}

HttpResponse CollectorProcess::post(const std::string& path, const std::string& body,
                                    const std::string& content_type, const std::string& client) {
  auto c = HttpsClient::create(client_options(client));
  REQUIRE(c);
  auto r = (*c)->post(path, body, content_type);
  REQUIRE(r);
  return *r;
}

std::string upload_yaml(const TestPki& pki, const CollectorProcess& collector,
                        const std::string& sensor, const std::string& extra) {
  return "upload:\n"
         "  collector: " + collector.url() + "\n"
         "  sensor_id: " + sensor + "\n"
         "  tls: {ca: " + pki.file("pki/ca.pem") + ", cert: " + pki.file("pki/sensor-" + sensor + ".pem") +
         ", key: " + pki.file("pki/sensor-" + sensor + ".key") + "}\n"
         "  batch: {max_age_ms: 200}\n"
         "  heartbeat_seconds: 1\n"
         "  retry: {initial_ms: 100, max_ms: 1000}\n" + extra;
}

bool eventually(int seconds, const std::function<bool()>& probe) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return probe();
}

}  // namespace yagura::test
