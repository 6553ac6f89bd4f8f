// AlertDispatcher against real HTTP servers on loopback and real files:
// webhook routing by severity and tags, retries on 5xx/429 and none on
// 400, a dead endpoint that delays no other output, queue overflow counted,
// and the JSON lines file reopened after logrotate renamed it.
#include "collector/alerts/alert_dispatcher.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "collector/alerts/alert_json.h"
#include "collector/alerts/alert_outputs.h"
#include "common/unique_fd.h"
#include "tests/unit/temp_dir.h"

namespace yagura::collector {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// Polls `done` until it holds or 10 s pass (a bound against hangs, not a
// timing assertion).
template <typename F>
bool eventually(F&& done) {
  for (auto until = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(5ms)) {
    if (done()) return true;
  }
  return done();
}

// A plain HTTP/1.1 server on 127.0.0.1: one request per connection,
// answered with the next scripted status (200 when the script is empty).
// While held, requests are read and recorded but not answered.
class HttpServer {
 public:
  struct Request {
    std::string head;  // request line and headers
    std::string body;
  };

  explicit HttpServer(std::deque<int> statuses = {}) : statuses_(std::move(statuses)) {
    listen_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(listen_.valid());
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listen_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_.get(), 16) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~HttpServer() {
    release();
    stop_ = true;
    thread_.join();
  }

  std::string url(const std::string& path = "/hook") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  size_t count() { return requests().size(); }
  void hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void release() {
    std::lock_guard lock(mu_);
    held_ = false;
    cv_.notify_all();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{listen_.get(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      UniqueFd conn(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (conn.valid()) answer(conn.get());
    }
  }

  void answer(int fd) {
    std::string data;
    char buf[4096];
    size_t head_end;
    while ((head_end = data.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return;
      data.append(buf, static_cast<size_t>(n));
    }
    Request r{data.substr(0, head_end), data.substr(head_end + 4)};
    size_t length = 0;
    if (size_t at = r.head.find("Content-Length: "); at != std::string::npos) {
      length = std::stoul(r.head.substr(at + 16));
    }
    while (r.body.size() < length) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return;
      r.body.append(buf, static_cast<size_t>(n));
    }
    int status = 200;
    {
      std::unique_lock lock(mu_);
      requests_.push_back(std::move(r));
      cv_.wait(lock, [&] { return !held_; });
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
    }
    std::string reply = "HTTP/1.1 " + std::to_string(status) +
                        " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    (void)!::write(fd, reply.data(), reply.size());
  }

  UniqueFd listen_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> statuses_;
  std::vector<Request> requests_;
  bool held_ = false;
  std::thread thread_;
};

// A loopback port nothing listens on: connections are refused.
std::string dead_url() {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(s.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  return "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/hook";
}

Alert alert(uint64_t id, Severity severity, const std::string& team) {
  Alert a;
  a.id = id;
  a.rule_id = "exec.from-temp";
  a.severity = severity;
  a.hostname = team + "-1";
  a.tags = {{"team", team}, {"role", "frontend"}};
  a.events = {R"({"type":"exec","path":"/tmp/\udcff"})"};
  return a;
}

AlertOutputsConfig fast_config() {
  AlertOutputsConfig c;
  c.retry_initial = 5ms;
  c.retry_max = 20ms;
  c.stop_timeout = 5s;
  return c;
}

std::unique_ptr<AlertDispatcher> start(const AlertOutputsConfig& config) {
  auto d = AlertDispatcher::start(config);
  REQUIRE(d);
  return std::move(*d);
}

const DispatchStats& stats_of(const std::vector<OutputStats>& all, const std::string& name) {
  for (const OutputStats& s : all) {
    if (s.output == name) return s.stats;
  }
  FAIL("no output " << name);
  throw;  // unreachable
}

std::vector<std::string> lines_of(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<uint64_t> ids_posted(HttpServer& server) {
  std::vector<uint64_t> ids;
  for (const auto& r : server.requests()) {
    auto a = alert_from_json(r.body);
    REQUIRE(a);
    ids.push_back(a->id);
  }
  return ids;
}

TEST_CASE("dispatcher: webhooks are routed by severity and host tags") {
  HttpServer web_team, everything;
  AlertOutputsConfig config = fast_config();
  config.webhooks.push_back({.name = "web-high",
                             .url = web_team.url(),
                             .min_severity = Severity::kHigh,
                             .tags = {{"team", "web"}},
                             .headers = {{"Authorization", "Bearer s3cret"}}});
  config.webhooks.push_back({.name = "all", .url = everything.url()});
  auto d = start(config);
  d->deliver(alert(1, Severity::kLow, "web"));
  d->deliver(alert(2, Severity::kHigh, "web"));
  d->deliver(alert(3, Severity::kCritical, "data"));
  d->deliver(alert(4, Severity::kCritical, "web"));
  d->stop();

  CHECK(ids_posted(web_team) == std::vector<uint64_t>{2, 4});
  CHECK(ids_posted(everything) == std::vector<uint64_t>{1, 2, 3, 4});
  const auto r = web_team.requests().at(0);
  CHECK(r.head.rfind("POST /hook HTTP/1.1", 0) == 0);
  CHECK(r.head.find("Content-Type: application/json") != std::string::npos);
  CHECK(r.head.find("Authorization: Bearer s3cret") != std::string::npos);
  CHECK(r.body == alert_to_json(alert(2, Severity::kHigh, "web")));

  auto stats = d->stats();
  CHECK(stats_of(stats, "webhook:web-high").delivered == 2);
  CHECK(stats_of(stats, "webhook:all").delivered == 4);
  CHECK(stats_of(stats, "webhook:all").failed == 0);
}

TEST_CASE("dispatcher: a webhook answering 500 or 429 is retried until it accepts") {
  HttpServer server({500, 429, 200});
  AlertOutputsConfig config = fast_config();
  config.webhooks.push_back({.name = "flaky", .url = server.url()});
  auto d = start(config);
  d->deliver(alert(7, Severity::kHigh, "web"));
  d->stop();

  CHECK(ids_posted(server) == std::vector<uint64_t>{7, 7, 7});
  auto s = stats_of(d->stats(), "webhook:flaky");
  CHECK(s.delivered == 1);
  CHECK(s.retries == 2);
  CHECK(s.failed == 0);
}

TEST_CASE("dispatcher: a webhook answering 400 is not retried, nor after max_attempts") {
  HttpServer refusing({400}), broken({503, 503, 503});
  AlertOutputsConfig config = fast_config();
  config.webhooks.push_back({.name = "refusing", .url = refusing.url()});
  config.webhooks.push_back({.name = "broken", .url = broken.url(), .max_attempts = 2});
  auto d = start(config);
  d->deliver(alert(8, Severity::kHigh, "web"));
  d->stop();

  CHECK(refusing.count() == 1);
  CHECK(broken.count() == 2);
  auto stats = d->stats();
  CHECK(stats_of(stats, "webhook:refusing").failed == 1);
  CHECK(stats_of(stats, "webhook:refusing").retries == 0);
  CHECK(stats_of(stats, "webhook:broken").failed == 1);
  CHECK(stats_of(stats, "webhook:broken").retries == 1);
  CHECK(d->stats()[0].last_error.find("HTTP 400") != std::string::npos);
}

TEST_CASE("dispatcher: a dead endpoint does not hold up the file, and stop is bounded") {
  TempDir dir;
  AlertOutputsConfig config = fast_config();
  config.file = dir.path + "/alerts.jsonl";
  config.stop_timeout = 100ms;
  config.webhooks.push_back({.name = "dead", .url = dead_url(), .max_attempts = 1'000'000});
  auto d = start(config);
  for (uint64_t id = 1; id <= 3; ++id) d->deliver(alert(id, Severity::kHigh, "web"));

  REQUIRE(eventually([&] { return lines_of(config.file).size() == 3; }));
  CHECK(stats_of(d->stats(), "webhook:dead").delivered == 0);
  d->stop();  // returns: the endless retries are cut at the deadline

  auto stats = d->stats();
  CHECK(stats_of(stats, "file").delivered == 3);
  const DispatchStats& dead = stats_of(stats, "webhook:dead");
  CHECK(dead.delivered == 0);
  // Attempted and given up at the deadline, or never attempted: every one
  // counted, which way depends on where the retries stood.
  CHECK(dead.failed >= 1);
  CHECK(dead.failed + dead.dropped == 3);
  CHECK(dead.retries > 0);

  auto lines = lines_of(config.file);
  REQUIRE(lines.size() == 3);
  auto first = alert_from_json(lines[0]);
  REQUIRE(first);
  CHECK(first->id == 1);
  CHECK(first->events == alert(1, Severity::kHigh, "web").events);
}

TEST_CASE("dispatcher: stop cuts short a request the endpoint never answers") {
  HttpServer server;
  server.hold();
  AlertOutputsConfig config = fast_config();
  config.stop_timeout = 100ms;
  config.webhooks.push_back({.name = "mute", .url = server.url(), .timeout_seconds = 60});
  auto d = start(config);
  d->deliver(alert(1, Severity::kHigh, "web"));
  REQUIRE(eventually([&] { return server.count() == 1; }));
  d->stop();  // without the cut: 60 s, and a timeout as the error

  auto s = d->stats()[0];
  CHECK(s.stats.failed == 1);
  CHECK(s.last_error.find("cancelled") != std::string::npos);
}

TEST_CASE("dispatcher: a full queue drops and counts, never waits") {
  HttpServer server;
  server.hold();
  AlertOutputsConfig config = fast_config();
  config.queue_alerts = 2;
  config.webhooks.push_back({.name = "slow", .url = server.url()});
  auto d = start(config);
  d->deliver(alert(1, Severity::kHigh, "web"));
  REQUIRE(eventually([&] { return server.count() == 1; }));  // in flight, unanswered
  for (uint64_t id = 2; id <= 5; ++id) d->deliver(alert(id, Severity::kHigh, "web"));
  CHECK(stats_of(d->stats(), "webhook:slow").dropped == 2);
  server.release();
  d->stop();

  CHECK(ids_posted(server) == std::vector<uint64_t>{1, 2, 3});
  auto s = stats_of(d->stats(), "webhook:slow");
  CHECK(s.delivered == 3);
  CHECK(s.dropped == 2);
  d->deliver(alert(6, Severity::kHigh, "web"));  // after stop
  CHECK(stats_of(d->stats(), "webhook:slow").dropped == 3);
}

TEST_CASE("dispatcher: the alerts file is reopened after logrotate renamed it") {
  TempDir dir;
  AlertOutputsConfig config = fast_config();
  config.file = dir.path + "/alerts.jsonl";
  auto d = start(config);
  d->deliver(alert(1, Severity::kHigh, "web"));
  REQUIRE(eventually([&] { return lines_of(config.file).size() == 1; }));
  std::filesystem::rename(config.file, config.file + ".1");
  d->deliver(alert(2, Severity::kHigh, "web"));
  REQUIRE(eventually([&] { return lines_of(config.file).size() == 1; }));
  std::filesystem::remove(config.file);
  d->deliver(alert(3, Severity::kHigh, "web"));
  REQUIRE(eventually([&] { return lines_of(config.file).size() == 1; }));
  d->stop();

  auto id_of = [](const std::string& line) {
    auto a = alert_from_json(line);
    REQUIRE(a);
    return a->id;
  };
  REQUIRE(lines_of(config.file + ".1").size() == 1);
  CHECK(id_of(lines_of(config.file + ".1")[0]) == 1);
  CHECK(id_of(lines_of(config.file)[0]) == 3);
  CHECK(stats_of(d->stats(), "file").delivered == 3);
}

TEST_CASE("dispatcher: a file write error is counted with its reason") {
  // /dev/full refuses every write with ENOSPC.
  AlertOutputsConfig config = fast_config();
  config.file = "/dev/full";
  auto d = start(config);
  d->deliver(alert(1, Severity::kHigh, "web"));
  d->deliver(alert(2, Severity::kHigh, "web"));
  d->stop();
  auto stats = d->stats();
  CHECK(stats_of(stats, "file").delivered == 0);
  CHECK(stats_of(stats, "file").failed == 2);
  CHECK(stats[0].last_error.find("No space left") != std::string::npos);
}

TEST_CASE("dispatcher: JSON lines to a descriptor, as to stdout") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  auto writer = JsonLinesWriter::for_fd(write_end.get());
  REQUIRE((*writer).append("{\"a\":1}\n{\"b\":2}\n"));
  char buf[64] = {};
  ssize_t n = ::read(read_end.get(), buf, sizeof buf);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "{\"a\":1}\n{\"b\":2}\n");
}

TEST_CASE("dispatcher: a bad configuration is refused at start") {
  AlertOutputsConfig bad_url;
  bad_url.webhooks.push_back({.name = "x", .url = "ftp://example/hook"});
  auto a = AlertDispatcher::start(bad_url);
  REQUIRE_FALSE(a);
  CHECK(a.error().message.find("http") != std::string::npos);

  AlertOutputsConfig bad_file;
  bad_file.file = "/nonexistent-dir/alerts.jsonl";
  auto b = AlertDispatcher::start(bad_file);
  REQUIRE_FALSE(b);
  CHECK(b.error().code == ENOENT);
}

}  // namespace
}  // namespace yagura::collector
