#include "ctl/sensor_connection.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>

namespace yagura::ctl {

namespace {

Status write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno("writing the payload");
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return ok_status();
}

}  // namespace

Result<SensorConnection> SensorConnection::connect(const std::string& path,
                                                   std::chrono::milliseconds idle_timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return Error{"control socket path too long: " + path};
  path.copy(addr.sun_path, path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Error::from_errno("socket");
  const timeval tv{static_cast<time_t>(idle_timeout.count() / 1000),
                   static_cast<suseconds_t>(idle_timeout.count() % 1000 * 1000)};
  if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
    return Error::from_errno("setting the control socket's timeouts");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    if (err == ENOENT) return Error{"is yagura-sensor running? no control socket at " + path, err};
    if (err == ECONNREFUSED)
      return Error{"is yagura-sensor running? nothing listens on " + path, err};
    if (err == EACCES || err == EPERM)
      return Error{"permission denied on " + path + ": yaguractl must be run as root", err};
    return Error::from_errno("connecting to " + path, err);
  }
  return SensorConnection(std::move(fd), path, idle_timeout);
}

Result<size_t> SensorConnection::receive(std::string& out) {
  char chunk[64 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd_.get(), chunk, sizeof(chunk), 0);
    if (n >= 0) {
      out.append(chunk, static_cast<size_t>(n));
      return static_cast<size_t>(n);
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
      return Error{"the sensor sent nothing for " + std::to_string(idle_timeout_.count()) + " ms",
                   ETIMEDOUT};
    return Error::from_errno("reading from " + path_);
  }
}

Result<nlohmann::json> SensorConnection::request(const nlohmann::json& request) {
  if (requested_) return Error{"one request per control connection"};
  requested_ = true;
  const std::string text =
      request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  for (std::string_view line = text; !line.empty();) {
    const ssize_t n = ::send(fd_.get(), line.data(), line.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    // A sensor that refused the connection may have answered and closed
    // before reading the request: its status line is still there to read.
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) break;
    if (n < 0) return Error::from_errno("sending the request to " + path_);
    line.remove_prefix(static_cast<size_t>(n));
  }

  std::string received;
  size_t newline;
  while ((newline = received.find('\n')) == std::string::npos) {
    if (received.size() > kMaxControlLine) return Error{"the sensor's status line is too long"};
    auto n = receive(received);
    if (!n) return n.error();
    if (*n == 0) return Error{"the sensor closed the connection without answering"};
  }
  const nlohmann::json status =
      nlohmann::json::parse(received.substr(0, newline), nullptr, /*allow_exceptions=*/false);
  if (!status.is_object() || !status.contains("ok") || !status["ok"].is_boolean())
    return Error{"the sensor's answer is not a status line"};
  if (!status["ok"].get<bool>()) {
    const auto error = status.find("error");
    return Error{error != status.end() && error->is_string() ? error->get<std::string>()
                                                             : "the sensor refused the request"};
  }
  if (const auto bytes = status.find("bytes"); bytes != status.end()) {
    if (!bytes->is_number_unsigned()) return Error{"the sensor's \"bytes\" is not a count"};
    expected_bytes_ = bytes->get<uint64_t>();
  }
  pending_ = received.substr(newline + 1);
  payload_ready_ = true;
  return status;
}

Status SensorConnection::read_payload(const std::function<Status(std::string_view)>& sink) {
  if (!payload_ready_) return Error{"no payload to read: no successful request on this connection"};
  payload_ready_ = false;
  uint64_t total = 0;
  std::string chunk = std::move(pending_);
  for (;;) {
    total += chunk.size();
    if (expected_bytes_ && total > *expected_bytes_)
      return Error{"the sensor sent more than the " + std::to_string(*expected_bytes_) +
                   " bytes it announced"};
    if (!chunk.empty()) {
      if (Status s = sink(chunk); !s) return s;
    }
    chunk.clear();
    auto n = receive(chunk);
    if (!n) return n.error();
    if (*n == 0) break;
  }
  if (expected_bytes_ && total != *expected_bytes_)
    return Error{"payload cut short: " + std::to_string(total) + " of " +
                 std::to_string(*expected_bytes_) + " bytes (the sensor stopped or failed?)"};
  return ok_status();
}

Status SensorConnection::read_payload_to(int fd) {
  return read_payload([fd](std::string_view bytes) { return write_all(fd, bytes); });
}

Result<std::string> SensorConnection::read_payload() {
  std::string out;
  Status s = read_payload([&out](std::string_view bytes) {
    out.append(bytes);
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

}  // namespace yagura::ctl
