#include "sensor/control/control_socket.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <exception>
#include <filesystem>
#include <list>
#include <system_error>
#include <thread>

#include "common/unique_fd.h"

namespace yagura {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Error messages may carry bytes from a path or a request: never let them
// make dump() throw.
std::string to_line(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string failure_line(std::string_view message) {
  return to_line({{"ok", false}, {"error", message}});
}

int poll_ms(steady_clock::duration d) {
  return static_cast<int>(std::max<int64_t>(0, std::chrono::ceil<milliseconds>(d).count()));
}

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

Result<sockaddr_un> socket_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path))
    return Error{"control socket path must be 1 to " + std::to_string(sizeof(addr.sun_path) - 1) +
                 " bytes: " + path};
  path.copy(addr.sun_path, path.size());
  return addr;
}

// A socket file at `path` is replaced only when nothing listens on it: a
// second sensor must not steal the first one's control socket.
Status clear_stale_socket(const std::string& path, const sockaddr_un& addr) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return ok_status();
    return Error::from_errno("control socket " + path);
  }
  if (!S_ISSOCK(st.st_mode)) return Error{"refusing to replace " + path + ": not a socket", EEXIST};
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!probe.valid()) return Error::from_errno("socket");
  if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0)
    return Error{"control socket " + path + " is in use: is another yagura-sensor running?",
                 EADDRINUSE};
  if (::unlink(path.c_str()) != 0) return Error::from_errno("removing stale " + path);
  return ok_status();
}

// Reads up to the first '\n' (bytes after it are ignored: one request per
// connection). Error codes: ECANCELED when the server stops, ETIMEDOUT,
// EMSGSIZE, EPROTO (closed before the newline).
Result<std::string> read_request_line(int fd, int stop_fd, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  std::string line;
  for (;;) {
    const auto left = deadline - steady_clock::now();
    if (left <= steady_clock::duration::zero())
      return Error{"no request line within " + std::to_string(timeout.count()) + " ms", ETIMEDOUT};
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    const int r = ::poll(fds, 2, poll_ms(left));
    if (r < 0 && errno != EINTR) return Error::from_errno("poll");
    if (fds[1].revents) return Error{"sensor is stopping", ECANCELED};
    if (r <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return Error::from_errno("reading the request");
    }
    if (n == 0) return Error{"request line not ended by a newline", EPROTO};
    const std::string_view got(chunk, static_cast<size_t>(n));
    const size_t newline = got.find('\n');
    line.append(got.substr(0, newline));
    if (line.size() > kMaxControlLine)
      return Error{"request line longer than " + std::to_string(kMaxControlLine) + " bytes",
                   EMSGSIZE};
    if (newline != std::string_view::npos) return line;
  }
}

}  // namespace

// ---- ControlReply

bool ControlReply::ok(nlohmann::json fields) {
  if (fields.is_null()) fields = nlohmann::json::object();
  fields["ok"] = true;
  return send_status(std::move(fields));
}

bool ControlReply::ok_with_payload(uint64_t bytes, nlohmann::json fields) {
  if (!status_sent_) declared_ = bytes;
  if (fields.is_null()) fields = nlohmann::json::object();
  fields["bytes"] = bytes;
  return ok(std::move(fields));
}

bool ControlReply::fail(std::string_view message) {
  return send_status({{"ok", false}, {"error", message}});
}

bool ControlReply::send_status(nlohmann::json status) {
  if (status_sent_) {
    if (broken_.empty()) broken_ = "the handler sent a second status line";
    return false;
  }
  status_sent_ = true;
  return send_all(to_line(status));
}

bool ControlReply::write(std::string_view bytes) {
  if (!status_sent_ && broken_.empty()) broken_ = "the handler wrote payload before the status";
  if (!broken_.empty()) return false;
  if (declared_ && bytes.size() > *declared_ - written_) {
    broken_ = "the handler wrote past the " + std::to_string(*declared_) + " bytes it declared";
    return false;
  }
  // Checked per chunk: a client that reads fast never fills the socket
  // buffer, so the poll in send_all would not see the stop.
  if (stopping()) {
    broken_ = "sensor is stopping";
    return false;
  }
  if (!send_all(bytes)) return false;
  written_ += bytes.size();
  return true;
}

bool ControlReply::stopping() const { return readable_now(stop_fd_); }

bool ControlReply::send_all(std::string_view bytes) {
  if (!broken_.empty()) return false;
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a client gone away is EPIPE here, not SIGPIPE for the sensor.
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      broken_ = (errno == EPIPE || errno == ECONNRESET) ? "the client went away"
                                                        : Error::from_errno("sending").message;
      return false;
    }
    pollfd fds[2] = {{fd_, POLLOUT, 0}, {stop_fd_, POLLIN, 0}};
    const int r = ::poll(fds, 2, static_cast<int>(write_timeout_.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) broken_ = Error::from_errno("poll").message;
    if (r == 0)
      broken_ = "the client read nothing for " + std::to_string(write_timeout_.count()) + " ms";
    if (r > 0 && fds[1].revents) broken_ = "sensor is stopping";
    if (!broken_.empty()) return false;
  }
  return true;
}

std::string ControlReply::problem() const {
  if (!broken_.empty()) return broken_;
  if (!status_sent_) return "the handler sent no status line";
  if (declared_ && written_ != *declared_)
    return "the handler wrote " + std::to_string(written_) + " of the " +
           std::to_string(*declared_) + " bytes it declared";
  return "";
}

// ---- ControlSocket

struct ControlSocket::Impl {
  struct Worker {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  std::string path;
  Handler handler;
  ControlSocketOptions options;
  UniqueFd listen_fd;
  UniqueFd stop_fd;  // an eventfd, readable from stop() on: wakes every poll
  dev_t dev = 0;     // the socket file we bound, removed on stop only if still ours
  ino_t ino = 0;
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::list<Worker> workers;  // accept thread only, then stop() once it is joined
  std::atomic<uint64_t> accepted{0}, refused{0}, busy{0}, errors{0};

  void log(const std::string& message) const {
    if (options.log) options.log(message);
  }

  void run();
  void admit(UniqueFd conn);
  void serve(int fd, const PeerCredentials& peer);
  void reap_finished();
  void join_all();
};

void ControlSocket::Impl::run() {
  for (;;) {
    pollfd fds[2] = {{listen_fd.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      log(Error::from_errno("control socket: poll").message);
      return;
    }
    if (fds[1].revents) return;
    if (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
      log("control socket: the listening socket failed; no more requests");
      return;
    }
    UniqueFd conn(::accept4(listen_fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (conn.valid()) {
      admit(std::move(conn));
      continue;
    }
    if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED) continue;
    ++errors;
    log(Error::from_errno("control socket: accept").message);
    // Out of descriptors: the listening socket stays readable, so back off
    // rather than spin (and still wake for stop).
    pollfd stop{stop_fd.get(), POLLIN, 0};
    ::poll(&stop, 1, 100);
  }
}

void ControlSocket::Impl::admit(UniqueFd conn) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  if (::getsockopt(conn.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    ++errors;
    log(Error::from_errno("control socket: SO_PEERCRED").message);
    return;
  }
  const PeerCredentials peer{cred.pid, cred.uid, cred.gid};
  // The connection is fresh, so its send buffer has room for one short
  // line: these refusals never block the accept thread.
  if (peer.uid != options.allowed_uid) {
    ++refused;
    const std::string why =
        "permission denied: uid " + std::to_string(peer.uid) +
        (options.allowed_uid == 0 ? " is not root"
                                  : " is not uid " + std::to_string(options.allowed_uid));
    const std::string line = failure_line(why);
    ::send(conn.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    log("control socket: refused pid " + std::to_string(peer.pid) + ": " + why);
    return;
  }
  reap_finished();
  if (workers.size() >= options.max_concurrent) {
    ++busy;
    const std::string line = failure_line("busy: " + std::to_string(options.max_concurrent) +
                                          " requests already running");
    ::send(conn.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    return;
  }
  Worker& worker = workers.emplace_back();
  try {
    worker.thread = std::thread([this, &worker, peer, conn = std::move(conn)]() mutable {
      serve(conn.get(), peer);
      // Done before the client sees the close: a client that connects
      // again at once is not turned away as busy by this worker.
      worker.done = true;
      conn.reset();
    });
  } catch (const std::system_error& e) {
    workers.pop_back();
    ++errors;
    log(std::string("control socket: no thread for a request: ") + e.what());
    return;
  }
  ++accepted;
}

void ControlSocket::Impl::serve(int fd, const PeerCredentials& peer) {
  ControlReply reply(fd, stop_fd.get(), options.write_timeout);
  auto refuse = [&](const std::string& why) {
    if (!stopping) {
      ++errors;
      log("control socket: request from pid " + std::to_string(peer.pid) + ": " + why);
    }
    reply.fail(why);
  };
  auto line = read_request_line(fd, stop_fd.get(), options.request_timeout);
  if (!line) return refuse(line.error().message);
  const nlohmann::json request = nlohmann::json::parse(*line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return refuse("request is not JSON");
  if (!request.is_object() || !request.contains("command") || !request["command"].is_string())
    return refuse("request must be a JSON object with a string \"command\"");
  const std::string command = request["command"];
  try {
    handler(request, peer, reply);
  } catch (const std::exception& e) {
    // Exceptions (nlohmann's on a parameter of the wrong type, say) stop here.
    if (!reply.status_sent()) return refuse(command + ": internal error: " + e.what());
    ++errors;
    log("control socket: " + command + ": internal error: " + e.what());
    return;
  }
  if (!reply.status_sent()) return refuse(command + ": the handler sent no reply");
  const std::string problem = reply.problem();
  if (!problem.empty() && !stopping) {
    ++errors;
    log("control socket: " + command + " reply cut short: " + problem);
  }
}

void ControlSocket::Impl::reap_finished() {
  for (auto it = workers.begin(); it != workers.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    it->thread.join();
    it = workers.erase(it);
  }
}

void ControlSocket::Impl::join_all() {
  for (Worker& w : workers) w.thread.join();
  workers.clear();
}

Result<ControlSocket> ControlSocket::listen(const std::string& path, Handler handler,
                                            ControlSocketOptions options) {
  auto addr = socket_address(path);
  if (!addr) return addr.error();
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) return Error{"creating " + parent.string() + ": " + ec.message(), ec.value()};
  if (Status s = clear_stale_socket(path, *addr); !s) return s.error();

  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->handler = std::move(handler);
  impl->options = std::move(options);
  impl->listen_fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!impl->listen_fd.valid()) return Error::from_errno("socket");
  impl->stop_fd.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl->stop_fd.valid()) return Error::from_errno("eventfd");
  if (::bind(impl->listen_fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof(*addr)) != 0)
    return Error::from_errno("binding " + path);
  // Before listen(): until then a connect is refused, so there is no moment
  // when the file has the umask's looser mode and accepts connections.
  struct stat st {};
  if (::chmod(path.c_str(), 0600) != 0 || ::lstat(path.c_str(), &st) != 0) {
    const Error e = Error::from_errno("chmod 0600 " + path);
    ::unlink(path.c_str());
    return e;
  }
  impl->dev = st.st_dev;
  impl->ino = st.st_ino;
  if (::listen(impl->listen_fd.get(), 16) != 0) {
    const Error e = Error::from_errno("listening on " + path);
    ::unlink(path.c_str());
    return e;
  }
  return ControlSocket(std::move(impl));
}

ControlSocket::ControlSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlSocket::ControlSocket(ControlSocket&&) noexcept = default;
ControlSocket& ControlSocket::operator=(ControlSocket&& other) noexcept {
  if (this != &other) {
    stop();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
ControlSocket::~ControlSocket() { stop(); }

Status ControlSocket::start() {
  if (!impl_ || impl_->thread.joinable() || impl_->stopping)
    return Error{"control socket: start() on a socket already started or stopped"};
  try {
    impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  } catch (const std::system_error& e) {
    return Error{std::string("control socket thread: ") + e.what()};
  }
  return ok_status();
}

void ControlSocket::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  const uint64_t one = 1;
  if (::write(impl_->stop_fd.get(), &one, sizeof(one)) != sizeof(one))
    impl_->log(Error::from_errno("control socket: waking the threads").message);
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->join_all();
  impl_->listen_fd.reset();
  struct stat st {};
  if (::lstat(impl_->path.c_str(), &st) == 0 && st.st_dev == impl_->dev && st.st_ino == impl_->ino)
    ::unlink(impl_->path.c_str());
}

ControlSocketStats ControlSocket::stats() const {
  if (!impl_) return {};
  return {impl_->accepted.load(), impl_->refused.load(), impl_->busy.load(), impl_->errors.load()};
}

}  // namespace yagura
