// The sensor's control socket: the local interface yaguractl talks to
// (status, incident dumps). Only root may use it: the socket file is 0600,
// and every connection's peer credentials (SO_PEERCRED) are checked, so a
// process that inherited or was passed a connected descriptor is refused too.
//
// Protocol, one request per connection, over a Unix stream socket
// (kDefaultControlSocketPath):
//   client: one request line, a JSON object with a string "command" and
//           that command's parameters, ended by '\n'; at most
//           kMaxControlLine bytes before the newline.
//   server: one status line, {"ok":true,...} or {"ok":false,"error":"..."},
//           ended by '\n'; then, for a command with a payload, the payload
//           bytes until the server closes. "bytes":N in the status line
//           promises exactly N payload bytes: fewer means the stream was cut.
// Refusals (peer not allowed, too many connections) are status lines too,
// sent as soon as the connection is accepted, before the request is read.
//
//   auto control = ControlSocket::listen(kDefaultControlSocketPath,
//       [&](const nlohmann::json& request, const PeerCredentials&, ControlReply& reply) {
//         if (request["command"] == "status") reply.ok({{"events", events()}});
//         else reply.fail("unknown command");
//       });
//   if (!control || !control->start()) ...;
//   control->stop();   // prompt: unblocks the accept, idle clients and payload writes
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura {

inline constexpr const char* kDefaultControlSocketPath = "/run/yagura/control.sock";
inline constexpr size_t kMaxControlLine = 64 * 1024;  // a request or status line, without '\n'

struct PeerCredentials {
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

// What a handler answers with: the status line once, then payload bytes.
// Every call returns false once the client is gone (or stops reading for
// write_timeout, or the server is stopping): the handler should then stop
// producing and return.
class ControlReply {
 public:
  // Made by ControlSocket for each request; `fd` is a non-blocking stream
  // socket, `stop_fd` becomes readable when the server stops.
  ControlReply(int fd, int stop_fd, std::chrono::milliseconds write_timeout)
      : fd_(fd), stop_fd_(stop_fd), write_timeout_(write_timeout) {}

  // {"ok":true, ...fields}; write() may follow, streaming until the handler returns.
  bool ok(nlohmann::json fields = nlohmann::json::object());
  // {"ok":true, "bytes":N, ...fields}; exactly N bytes must follow through write().
  bool ok_with_payload(uint64_t bytes, nlohmann::json fields = nlohmann::json::object());
  // {"ok":false, "error":message}.
  bool fail(std::string_view message);
  // Payload bytes, after ok() or ok_with_payload().
  bool write(std::string_view bytes);

  bool status_sent() const { return status_sent_; }
  // Why the reply did not go out whole ("" when it did): the client went
  // away, fewer payload bytes than declared, ...
  std::string problem() const;

 private:
  bool send_status(nlohmann::json status);
  bool send_all(std::string_view bytes);
  bool stopping() const;

  int fd_;
  int stop_fd_;
  std::chrono::milliseconds write_timeout_;
  bool status_sent_ = false;
  std::string broken_;  // why sending stopped
  std::optional<uint64_t> declared_;
  uint64_t written_ = 0;
};

struct ControlSocketOptions {
  uid_t allowed_uid = 0;  // root; tests use their own uid, or another to see refusals
  std::chrono::milliseconds request_timeout{5000};  // from connect to the request line
  // A client that reads nothing for this long is dropped.
  std::chrono::milliseconds write_timeout{30000};
  // Requests handled at once, each on its own thread: a dump can take
  // seconds and status must still answer. More are refused as busy.
  size_t max_concurrent = 2;
  // Refusals and failed requests, one line each, from the control threads.
  std::function<void(const std::string& message)> log;
};

struct ControlSocketStats {
  uint64_t accepted = 0;  // connections handed to a worker
  uint64_t refused = 0;   // peers whose uid is not allowed
  uint64_t busy = 0;      // turned away at max_concurrent
  uint64_t errors = 0;    // bad or late request lines, handler failures, replies cut short
};

class ControlSocket {
 public:
  // Called on a worker thread, up to max_concurrent at once.
  using Handler = std::function<void(const nlohmann::json& request, const PeerCredentials& peer,
                                     ControlReply& reply)>;

  // Binds `path` (mode 0600), creating its directory. A socket file left
  // by a previous run is replaced; anything else at `path` (a regular file,
  // a symlink, a socket something still listens on) is refused.
  static Result<ControlSocket> listen(const std::string& path, Handler handler,
                                      ControlSocketOptions options = {});

  ControlSocket(ControlSocket&&) noexcept;
  ControlSocket& operator=(ControlSocket&&) noexcept;
  ~ControlSocket();  // stop()

  Status start();  // the accept thread
  // Refuses new connections, makes running replies fail, joins every
  // thread (a handler must return once write() fails) and removes the socket file.
  void stop();

  ControlSocketStats stats() const;  // any thread

 private:
  struct Impl;
  explicit ControlSocket(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura
