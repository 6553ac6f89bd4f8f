// Root tests: network and DNS events from real sockets on loopback, matched
// to the acting process's exec by process key.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <catch2/catch.hpp>
#include <cstring>
#include <thread>

#include "tests/root/sensor_harness.h"

using namespace yagura::test;

namespace {

// A TCP listener in this process that serves connections until destroyed:
// reads everything, answers with `reply`, closes.
class Listener {
 public:
  Listener(const std::string& ip, std::string reply) : reply_(std::move(reply)) {
    sockaddr_storage ss{};
    socklen_t len = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      len = sizeof(*v4);
    } else {
      REQUIRE(inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1);
      v6->sin6_family = AF_INET6;
      len = sizeof(*v6);
    }
    fd_ = socket(ss.ss_family, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&ss), len) == 0);
    REQUIRE(listen(fd_, 16) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
    port_ = ntohs(ss.ss_family == AF_INET ? v4->sin_port : v6->sin6_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~Listener() {
    done_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void serve() {
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      char buf[4096];
      while (read(c, buf, sizeof(buf)) > 0) {
      }
      if (write(c, reply_.data(), reply_.size()) < 0) {
      }
      close(c);
    }
  }

  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// Answers every A query on 127.0.0.1:53 with one A record, TTL 300.
class FakeResolver {
 public:
  explicit FakeResolver(const std::string& answer_ip) {
    REQUIRE(inet_pton(AF_INET, answer_ip.c_str(), answer_) == 1);
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(53);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    INFO("binding 127.0.0.1:53 for the fake resolver");
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeResolver() {
    done_ = true;
    thread_.join();
    close(fd_);
  }

 private:
  void serve() {
    while (!done_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      uint8_t q[512];
      sockaddr_storage from{};
      socklen_t flen = sizeof(from);
      ssize_t n = recvfrom(fd_, q, sizeof(q), 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n < 12) continue;
      std::vector<uint8_t> r(q, q + n);
      r[2] = 0x81;  // response, recursion desired
      r[3] = 0x80;  // recursion available, NOERROR
      r[7] = 1;     // one answer
      // Answer: pointer to the question name, A, IN, TTL 300, 4 bytes.
      const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4};
      r.insert(r.end(), rr, rr + sizeof(rr));
      r.insert(r.end(), answer_, answer_ + 4);
      sendto(fd_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
    }
  }

  uint8_t answer_[4];
  int fd_ = -1;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// A loopback TCP port nobody listens on (bound, read, released).
int free_port() {
  int probe = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  REQUIRE(bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  REQUIRE(getsockname(probe, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  close(probe);
  return ntohs(a.sin_port);
}

std::string exec_key(const std::vector<Json>& events, pid_t pid) {
  return find_one(events, "exec", pid)["process"]["key"];
}

Json one_action(const std::vector<Json>& events, pid_t pid, const std::string& action) {
  auto all = find_where(events, "network", pid, "/network/action", action);
  INFO("network." << action << " events for pid " << pid);
  REQUIRE(all.size() == 1);
  return all[0];
}

}  // namespace

TEST_CASE("a TCP connect, its accept and its close are reported with the actors' keys",
          "[root][network]") {
  SensorProcess sensor;
  Listener server("127.0.0.1", "hello");
  RunResult run = run_actor({"connect", "127.0.0.1", std::to_string(server.port()), "1000"});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();

  const std::string key = exec_key(events, run.pid);
  Json c = one_action(events, run.pid, "connect");
  CHECK(c["process"]["key"] == key);
  CHECK(c["process"]["exe"] == realpath_of(YAGURA_ACTOR_BIN));
  const Json& n = c["network"];
  CHECK(n["transport"] == "tcp");
  CHECK(n["family"] == "ipv4");
  CHECK(n["initiated"] == true);
  CHECK(n["result"] == "established");
  CHECK(!n.contains("error"));
  CHECK(n["loopback"] == true);
  CHECK(n["destination"]["ip"] == "127.0.0.1");
  CHECK(n["destination"]["port"] == server.port());
  CHECK(n["source"]["ip"] == "127.0.0.1");
  const int client_port = n["source"]["port"];
  CHECK(client_port > 0);

  Json close = one_action(events, run.pid, "close");
  CHECK(close["process"]["key"] == key);
  CHECK(close["network"]["bytes_sent"] == 1000);
  CHECK(close["network"]["bytes_received"] == 5);
  CHECK(close["network"]["duration_ns"].get<uint64_t>() > 0);
  CHECK(close["network"]["source"]["port"] == client_port);
  CHECK(close["network"]["destination"]["port"] == server.port());

  // The accepting side is this test process: source is the client.
  auto accepts = find_where(events, "network", getpid(), "/network/source/port", client_port);
  REQUIRE(accepts.size() >= 1);
  Json a = find_where(accepts, "network", getpid(), "/network/action", "accept").at(0);
  CHECK(a["network"]["initiated"] == false);
  CHECK(a["network"]["destination"]["port"] == server.port());
  CHECK(a["network"]["source"]["ip"] == "127.0.0.1");
}

TEST_CASE("a refused connect says so", "[root][network]") {
  const int port = free_port();
  SensorProcess sensor;
  RunResult run = run_actor({"connect", "127.0.0.1", std::to_string(port), "0"});
  REQUIRE(exit_code(run) == ECONNREFUSED);
  auto events = sensor.stop();

  Json c = one_action(events, run.pid, "connect");
  CHECK(c["process"]["key"] == exec_key(events, run.pid));
  CHECK(c["network"]["result"] == "refused");
  CHECK(c["network"]["error"] == "ECONNREFUSED");
  CHECK(c["network"]["destination"]["port"] == port);
  CHECK(find_where(events, "network", run.pid, "/network/action", "close").empty());
}

TEST_CASE("IPv6 and v4-mapped connects", "[root][network]") {
  SensorProcess sensor;
  Listener v6("::1", "six");
  Listener v4("127.0.0.1", "four");
  RunResult six = run_actor({"connect", "::1", std::to_string(v6.port()), "3"});
  RunResult mapped = run_actor({"connect-v4mapped", "127.0.0.1", std::to_string(v4.port()), "4"});
  REQUIRE(exit_code(six) == 0);
  REQUIRE(exit_code(mapped) == 0);
  auto events = sensor.stop();

  Json c6 = one_action(events, six.pid, "connect");
  CHECK(c6["network"]["family"] == "ipv6");
  CHECK(c6["network"]["destination"]["ip"] == "::1");
  CHECK(c6["network"]["loopback"] == true);
  CHECK(c6["network"]["result"] == "established");

  Json cm = one_action(events, mapped.pid, "connect");
  CHECK(cm["network"]["family"] == "ipv6");
  CHECK(cm["network"]["destination"]["ip"] == "127.0.0.1");
  CHECK(cm["network"]["destination"]["port"] == v4.port());
  CHECK(cm["network"]["loopback"] == true);
}

TEST_CASE("a connect that gets no answer times out", "[root][network]") {
  // A namespace where SYNs leave through one end of a veth pair towards a
  // neighbour that does not exist: the other end has no address and drops
  // them.
  const std::string ns = "yg-timeout-" + std::to_string(getpid());
  auto sh = [](const std::string& cmd) { return std::system(cmd.c_str()); };
  REQUIRE(sh("ip netns add " + ns) == 0);
  struct Cleanup {
    std::string ns;
    ~Cleanup() { std::system(("ip netns del " + ns).c_str()); }
  } cleanup{ns};
  const std::string in = "ip -n " + ns + " ";
  REQUIRE(sh(in + "link add v0 type veth peer name v1 && " + in +
             "addr add 10.99.0.1/24 dev v0 && " + in + "link set v0 up && " + in +
             "link set v1 up && " + in +
             "neigh add 10.99.0.2 lladdr 02:00:00:00:00:99 dev v0 nud permanent && ip netns exec " +
             ns + " sysctl -qw net.ipv4.tcp_syn_retries=1") == 0);

  SensorProcess sensor;
  RunResult run = run_program({"/usr/sbin/ip", "netns", "exec", ns, YAGURA_ACTOR_BIN, "connect",
                               "10.99.0.2", "80", "0"});
  REQUIRE(exit_code(run) == ETIMEDOUT);
  auto events = sensor.stop();

  Json c = one_action(events, run.pid, "connect");
  CHECK(c["process"]["exe"] == realpath_of(YAGURA_ACTOR_BIN));
  CHECK(c["network"]["result"] == "timed_out");
  CHECK(c["network"]["error"] == "ETIMEDOUT");
  CHECK(c["network"]["destination"]["ip"] == "10.99.0.2");
  CHECK(c["network"]["loopback"] == false);
}

TEST_CASE("UDP: the first datagram per destination, and explicit binds", "[root][network]") {
  SensorProcess sensor;
  RunResult send = run_actor({"udp-send", "127.0.0.1", "9", "3"});
  RunResult bind = run_actor({"udp-bind", "127.0.0.1", "0"});
  REQUIRE(exit_code(send) == 0);
  REQUIRE(exit_code(bind) == 0);
  auto events = sensor.stop();

  Json s = one_action(events, send.pid, "udp_send");  // three datagrams, one event
  CHECK(s["process"]["key"] == exec_key(events, send.pid));
  CHECK(s["network"]["transport"] == "udp");
  CHECK(s["network"]["initiated"] == true);
  CHECK(s["network"]["destination"]["ip"] == "127.0.0.1");
  CHECK(s["network"]["destination"]["port"] == 9);

  Json b = one_action(events, bind.pid, "udp_bind");
  CHECK(b["network"]["transport"] == "udp");
  CHECK(b["network"]["destination"]["ip"] == "127.0.0.1");
  CHECK(b["network"]["destination"]["port"].get<int>() > 0);
}

TEST_CASE("a DNS query, its answer, and the connect joined to the name", "[root][network][dns]") {
  FakeResolver resolver("127.0.0.77");
  Listener server("127.0.0.77", "ok");
  SensorProcess sensor;
  RunResult run = run_actor({"resolve-connect", "127.0.0.1", "svc.yagura.test",
                             std::to_string(server.port())});
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();

  const std::string key = exec_key(events, run.pid);
  auto dns = find_all(events, "dns", run.pid);
  REQUIRE(dns.size() == 2);
  Json q = find_where(dns, "dns", run.pid, "/dns/direction", "query").at(0);
  CHECK(q["process"]["key"] == key);
  CHECK(q["dns"]["question"]["name"] == "svc.yagura.test");
  CHECK(q["dns"]["question"]["type"] == "A");
  CHECK(q["dns"]["id"] == 0x1234);
  CHECK(q["dns"]["destination"]["ip"] == "127.0.0.1");
  CHECK(q["dns"]["destination"]["port"] == 53);

  Json a = find_where(dns, "dns", run.pid, "/dns/direction", "answer").at(0);
  CHECK(a["process"]["key"] == key);
  CHECK(a["dns"]["rcode"] == "NOERROR");
  REQUIRE(a["dns"]["answers"].size() == 1);
  CHECK(a["dns"]["answers"][0]["type"] == "A");
  CHECK(a["dns"]["answers"][0]["data"] == "127.0.0.77");
  CHECK(a["dns"]["answers"][0]["ttl"] == 300);

  Json c = one_action(events, run.pid, "connect");
  CHECK(c["network"]["destination"]["ip"] == "127.0.0.77");
  CHECK(c["network"]["destination"]["domain"] == Json::array({"svc.yagura.test"}));
}

TEST_CASE("unix-domain listen, connect and accept", "[root][network]") {
  TempDir dir;
  const std::string path = dir.path() + "/app.sock";
  int srv = bound_unix_socket(path);

  SensorProcess sensor;
  REQUIRE(listen(srv, 4) == 0);
  std::thread server([srv] {
    int c = accept(srv, nullptr, nullptr);
    if (c >= 0) close(c);
  });
  RunResult run = run_actor({"unix-connect", path});
  server.join();
  close(srv);
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();

  Json c = one_action(events, run.pid, "connect");
  CHECK(c["process"]["key"] == exec_key(events, run.pid));
  CHECK(c["network"]["transport"] == "unix");
  CHECK(c["network"]["family"] == "unix");
  CHECK(c["network"]["result"] == "established");
  CHECK(c["network"]["unix"]["path"] == path);
  CHECK(c["network"]["unix"]["abstract"] == false);

  auto listens = find_where(events, "network", getpid(), "/network/action", "listen");
  REQUIRE(listens.size() == 1);
  CHECK(listens[0]["network"]["unix"]["path"] == path);
  auto accepts = find_where(events, "network", getpid(), "/network/action", "accept");
  REQUIRE(accepts.size() == 1);
  CHECK(accepts[0]["network"]["unix"]["path"] == path);
}

TEST_CASE("a TCP listen names its address and port", "[root][network]") {
  TempDir dir;
  const int port = free_port();
  const std::string ready = dir.path() + "/ready";
  SensorProcess sensor;
  RunResult run;
  std::thread actor([&] {
    run = run_actor({"listen-accept", "127.0.0.1", std::to_string(port), ready});
  });
  while (!std::filesystem::exists(ready)) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int c = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(c, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
  shutdown(c, SHUT_WR);
  char buf[8];
  while (read(c, buf, sizeof(buf)) > 0) {
  }
  close(c);
  actor.join();
  REQUIRE(exit_code(run) == 0);
  auto events = sensor.stop();

  Json l = one_action(events, run.pid, "listen");
  CHECK(l["process"]["key"] == exec_key(events, run.pid));
  CHECK(l["network"]["transport"] == "tcp");
  CHECK(l["network"]["destination"]["ip"] == "127.0.0.1");
  CHECK(l["network"]["destination"]["port"] == port);
  CHECK(!l["network"].contains("source"));
  Json acc = one_action(events, run.pid, "accept");
  CHECK(acc["network"]["destination"]["port"] == port);
  CHECK(acc["network"]["initiated"] == false);
}
