#include "sensor/control/control_socket.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "ctl/sensor_connection.h"
#include "tests/unit/temp_dir.h"

using namespace yagura;
using namespace std::chrono_literals;
using yagura::ctl::SensorConnection;
using yagura::testing::TempDir;

namespace {

ControlSocketOptions test_options() {
  ControlSocketOptions o;
  o.allowed_uid = ::getuid();
  return o;
}

ControlSocket serve(const std::string& path, ControlSocket::Handler handler,
                    ControlSocketOptions options = test_options()) {
  auto control = ControlSocket::listen(path, std::move(handler), std::move(options));
  REQUIRE(control);
  REQUIRE(control->start());
  return std::move(*control);
}

// Bytes that differ along the stream, so a lost or repeated chunk shows.
std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>((i * 2654435761u) >> 13);
  return s;
}

void write_in_chunks(ControlReply& reply, std::string_view data) {
  for (size_t at = 0; at < data.size(); at += 64 * 1024)
    if (!reply.write(data.substr(at, 64 * 1024))) return;
}

UniqueFd raw_connect(const std::string& path) {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(fd.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, path.size());
  REQUIRE(::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
  return fd;
}

void raw_send(int fd, std::string_view bytes) {
  REQUIRE(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(bytes.size()));
}

// Everything the server sends up to its close (or a reset after it).
std::string raw_read_all(int fd, size_t limit = SIZE_MAX) {
  std::string out;
  char buf[64 * 1024];
  while (out.size() < limit) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// What a raw exchange got back: the error of the status line.
std::string error_for(const std::string& path, std::string_view bytes, bool half_close = false) {
  UniqueFd fd = raw_connect(path);
  raw_send(fd.get(), bytes);
  if (half_close) ::shutdown(fd.get(), SHUT_WR);
  const std::string answer = raw_read_all(fd.get());
  const auto status = nlohmann::json::parse(answer, nullptr, false);
  REQUIRE(status.is_object());
  CHECK(status.value("ok", true) == false);
  return status.value("error", "");
}

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 5000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

}  // namespace

TEST_CASE("control socket: status round trip with the peer's credentials", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/run/control.sock";  // directory created by listen
  std::atomic<int> handled{0};
  ControlSocket control = serve(
      path, [&](const nlohmann::json& request, const PeerCredentials& peer, ControlReply& reply) {
        ++handled;
        if (request["command"] == "status")
          reply.ok({{"events", 42}, {"peer_uid", peer.uid}, {"peer_pid", peer.pid}});
        else
          reply.fail("unknown command");
      });
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);

  auto sensor = SensorConnection::connect(path);
  REQUIRE(sensor);
  auto status = sensor->request({{"command", "status"}});
  REQUIRE(status);
  CHECK((*status)["ok"] == true);
  CHECK((*status)["events"] == 42);
  CHECK((*status)["peer_uid"] == ::getuid());
  CHECK((*status)["peer_pid"] == ::getpid());
  auto payload = sensor->read_payload();  // none: the server just closes
  REQUIRE(payload);
  CHECK(payload->empty());
  CHECK_FALSE(sensor->request({{"command", "status"}}));  // one request per connection

  auto other = SensorConnection::connect(path);
  REQUIRE(other);
  auto refused = other->request({{"command", "reboot"}});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "unknown command");

  control.stop();
  CHECK(handled == 2);
  CHECK(control.stats().accepted == 2);
  CHECK(control.stats().errors == 0);
  CHECK_FALSE(std::filesystem::exists(path));  // removed on stop

  auto gone = SensorConnection::connect(path);
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message == "is yagura-sensor running? no control socket at " + path);
}

TEST_CASE("control socket: a payload of several MiB streams intact, checked against bytes",
          "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  const std::string dump = pattern(6 * 1024 * 1024 + 123);
  ControlSocket control =
      serve(path, [&](const nlohmann::json& request, const PeerCredentials&, ControlReply& reply) {
        // "short" announces more than it sends, like a dump whose writer died.
        const bool cut = request["command"] == "short";
        if (!reply.ok_with_payload(dump.size() + (cut ? 10 : 0), {{"format", "test"}})) return;
        write_in_chunks(reply, dump);
      });

  auto sensor = SensorConnection::connect(path);
  REQUIRE(sensor);
  auto status = sensor->request({{"command", "dump"}});
  REQUIRE(status);
  CHECK((*status)["bytes"] == dump.size());
  CHECK((*status)["format"] == "test");
  auto payload = sensor->read_payload();
  REQUIRE(payload);
  CHECK(payload->size() == dump.size());
  CHECK(*payload == dump);

  auto to_file = SensorConnection::connect(path);
  REQUIRE(to_file);
  REQUIRE(to_file->request({{"command", "dump"}}));
  const std::string file = dir.path + "/dump.bin";
  UniqueFd out(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(out.valid());
  REQUIRE(to_file->read_payload_to(out.get()));
  std::ifstream in(file, std::ios::binary);
  CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == dump);

  auto cut = SensorConnection::connect(path);
  REQUIRE(cut);
  REQUIRE(cut->request({{"command", "short"}}));
  auto truncated = cut->read_payload();
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().message.find("payload cut short: " + std::to_string(dump.size()) +
                                       " of " + std::to_string(dump.size() + 10) + " bytes") == 0);

  control.stop();
  CHECK(control.stats().errors == 1);  // the short reply, seen by the server too
}

TEST_CASE("control socket: a client gone mid-payload neither crashes nor wedges the server",
          "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  const std::string chunk = pattern(64 * 1024);
  std::promise<uint64_t> dump_returned;
  ControlSocket control =
      serve(path, [&](const nlohmann::json& request, const PeerCredentials&, ControlReply& reply) {
        if (request["command"] == "status") {
          reply.ok();
          return;
        }
        const uint64_t chunks = 1024;  // 64 MiB, far more than the client reads
        reply.ok_with_payload(chunks * chunk.size());
        uint64_t sent = 0;
        while (sent < chunks && reply.write(chunk)) ++sent;
        dump_returned.set_value(sent);
      });

  {
    UniqueFd client = raw_connect(path);
    raw_send(client.get(), "{\"command\":\"dump\"}\n");
    CHECK(raw_read_all(client.get(), 1024 * 1024).size() >= 1024 * 1024);
  }  // closed mid-payload
  auto returned = dump_returned.get_future();
  REQUIRE(returned.wait_for(10s) == std::future_status::ready);  // not wedged
  CHECK(returned.get() < 1024);

  auto sensor = SensorConnection::connect(path);
  REQUIRE(sensor);
  CHECK(sensor->request({{"command", "status"}}));

  control.stop();
  CHECK(control.stats().accepted == 2);
  CHECK(control.stats().errors == 1);
}

TEST_CASE("control socket: a peer whose uid is not allowed is refused", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  std::mutex mu;
  std::vector<std::string> logged;
  ControlSocketOptions options = test_options();
  options.allowed_uid = ::getuid() + 1;
  options.log = [&](const std::string& line) {
    std::lock_guard lock(mu);
    logged.push_back(line);
  };
  std::atomic<int> handled{0};
  ControlSocket control = serve(
      path,
      [&](const nlohmann::json&, const PeerCredentials&, ControlReply& reply) {
        ++handled;
        reply.ok();
      },
      options);

  auto sensor = SensorConnection::connect(path);
  REQUIRE(sensor);
  auto status = sensor->request({{"command", "status"}});
  REQUIRE_FALSE(status);
  const std::string why = "permission denied: uid " + std::to_string(::getuid()) + " is not uid " +
                          std::to_string(::getuid() + 1);
  CHECK(status.error().message == why);

  control.stop();
  CHECK(handled == 0);
  CHECK(control.stats().refused == 1);
  CHECK(control.stats().accepted == 0);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0] == "control socket: refused pid " + std::to_string(::getpid()) + ": " + why);
}

TEST_CASE("control socket: malformed request lines get a clear error", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  ControlSocketOptions options = test_options();
  options.request_timeout = 100ms;
  std::atomic<int> handled{0};
  ControlSocket control = serve(
      path,
      [&](const nlohmann::json&, const PeerCredentials&, ControlReply& reply) {
        ++handled;
        reply.ok();
      },
      options);

  CHECK(error_for(path, "status please\n") == "request is not JSON");
  CHECK(error_for(path, "[\"status\"]\n") ==
        "request must be a JSON object with a string \"command\"");
  CHECK(error_for(path, "{\"command\":7}\n") ==
        "request must be a JSON object with a string \"command\"");
  CHECK(error_for(path, std::string(kMaxControlLine + 1, ' ') + "\n") ==
        "request line longer than 65536 bytes");
  CHECK(error_for(path, "{\"command\":\"status\"}", /*half_close=*/true) ==
        "request line not ended by a newline");
  CHECK(error_for(path, "{\"command\":") == "no request line within 100 ms");

  // The longest line allowed still gets through.
  std::string longest = "{\"command\":\"status\",\"pad\":\"\"}";
  longest.insert(longest.size() - 2, kMaxControlLine - longest.size(), 'x');
  UniqueFd fd = raw_connect(path);
  raw_send(fd.get(), longest + "\n");
  CHECK(nlohmann::json::parse(raw_read_all(fd.get()))["ok"] == true);

  control.stop();
  CHECK(handled == 1);
  CHECK(control.stats().errors == 6);
}

TEST_CASE("control socket: a handler that throws or sends nothing still answers", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  ControlSocket control =
      serve(path, [](const nlohmann::json& request, const PeerCredentials&, ControlReply&) {
        if (request["command"] == "throw") (void)request.at("from").get<int64_t>();
      });
  auto throws = SensorConnection::connect(path);
  REQUIRE(throws);
  auto status = throws->request({{"command", "throw"}, {"from", "yesterday"}});
  REQUIRE_FALSE(status);
  CHECK(status.error().message.find("throw: internal error: ") == 0);

  auto silent = SensorConnection::connect(path);
  REQUIRE(silent);
  status = silent->request({{"command", "status"}});
  REQUIRE_FALSE(status);
  CHECK(status.error().message == "status: the handler sent no reply");

  control.stop();
  CHECK(control.stats().errors == 2);
}

TEST_CASE("control socket: requests beyond max_concurrent are turned away as busy", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  ControlSocketOptions options = test_options();
  options.max_concurrent = 1;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ControlSocket control = serve(
      path,
      [&](const nlohmann::json& request, const PeerCredentials&, ControlReply& reply) {
        if (request["command"] == "slow") {
          entered.set_value();
          released.wait();
        }
        reply.ok();
      },
      options);

  auto slow_result = std::async(std::launch::async, [&] {
    auto sensor = SensorConnection::connect(path);
    // The reply ends at the close, once the worker is done.
    return sensor && sensor->request({{"command", "slow"}}).ok() && sensor->read_payload().ok();
  });
  entered.get_future().wait();
  auto second = SensorConnection::connect(path);
  REQUIRE(second);
  auto status = second->request({{"command", "status"}});
  REQUIRE_FALSE(status);
  CHECK(status.error().message == "busy: 1 requests already running");

  release.set_value();
  CHECK(slow_result.get());
  auto after = SensorConnection::connect(path);  // the slow one's slot is free again
  REQUIRE(after);
  CHECK(after->request({{"command", "status"}}));

  control.stop();
  CHECK(control.stats().busy == 1);
  CHECK(control.stats().accepted == 2);
}

TEST_CASE("control socket: a stale socket file is replaced, anything else refused", "[control]") {
  TempDir dir;
  auto handler = [](const nlohmann::json&, const PeerCredentials&, ControlReply& reply) {
    reply.ok();
  };

  const std::string stale = dir.path + "/stale.sock";
  {
    UniqueFd left(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    stale.copy(addr.sun_path, stale.size());
    REQUIRE(::bind(left.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
  }  // closed: the file stays, nothing listens
  ControlSocket control = serve(stale, handler);
  auto sensor = SensorConnection::connect(stale);
  REQUIRE(sensor);
  CHECK(sensor->request({{"command", "status"}}));

  auto second = ControlSocket::listen(stale, handler, test_options());
  REQUIRE_FALSE(second);
  CHECK(second.error().message.find("is in use") != std::string::npos);
  CHECK(std::filesystem::is_socket(stale));  // the live one kept its socket

  const std::string regular = dir.write("regular", "keep me");
  auto over_file = ControlSocket::listen(regular, handler, test_options());
  REQUIRE_FALSE(over_file);
  CHECK(over_file.error().message == "refusing to replace " + regular + ": not a socket");
  CHECK(std::filesystem::is_regular_file(regular));

  const std::string link = dir.path + "/link.sock";
  std::filesystem::create_symlink(regular, link);
  auto over_link = ControlSocket::listen(link, handler, test_options());
  REQUIRE_FALSE(over_link);
  CHECK(over_link.error().message == "refusing to replace " + link + ": not a socket");
  CHECK(std::filesystem::is_symlink(link));

  auto too_long = ControlSocket::listen(dir.path + "/" + std::string(120, 'x'), handler);
  CHECK_FALSE(too_long);
}

TEST_CASE("control socket: stop returns while a client is connected and idle", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  ControlSocketOptions options = test_options();
  options.request_timeout = 10min;  // stop must not wait for it
  ControlSocket control = serve(
      path, [](const nlohmann::json&, const PeerCredentials&, ControlReply& reply) { reply.ok(); },
      options);
  UniqueFd idle = raw_connect(path);
  REQUIRE(eventually([&] { return control.stats().accepted == 1; }));

  control.stop();
  const auto status = nlohmann::json::parse(raw_read_all(idle.get()), nullptr, false);
  REQUIRE(status.is_object());
  CHECK(status["error"] == "sensor is stopping");
  CHECK(control.stats().errors == 0);  // a stop is not a failed request
}
