// One client connection of HttpsServer, and what the connections of one
// server share. Internal to collector/server: HttpsServer is the interface.
//
// A session does the TLS handshake, establishes the peer from the client
// certificate, then reads and answers requests until the client closes,
// asks to close, sends something the server cannot answer on the same
// connection (malformed, too large) or a timeout expires. All of a
// session's handlers run on its own strand.
#pragma once

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collector/server/https_server.h"

namespace yagura::collector::detail {

struct ServerCounters {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> connections_refused{0};
  std::atomic<uint64_t> tls_failures{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> client_errors{0};
  std::atomic<uint64_t> server_errors{0};
  std::atomic<uint64_t> body_bytes{0};
  std::atomic<uint64_t> aborted_at_stop{0};
};

class Session;

// The live sessions of one server, so that stop() can close the idle ones
// and wait for the others.
class SessionSet {
 public:
  // False once stopping: the caller drops the connection.
  bool add(const std::shared_ptr<Session>& session);
  void remove(Session* session);
  size_t size() const;
  bool stopping() const { return stopping_.load(); }
  // Marks the set stopping (no add() succeeds after) and returns the live sessions.
  std::vector<std::shared_ptr<Session>> begin_stop();
  // True if the set became empty before deadline.
  bool wait_empty(std::chrono::steady_clock::time_point deadline);

 private:
  mutable std::mutex mutex_;
  std::condition_variable emptied_;
  std::map<Session*, std::weak_ptr<Session>> sessions_;
  std::atomic<bool> stopping_{false};
};

// Shared by all sessions of one server, and outlives them.
struct SessionContext {
  const HttpsServerOptions& options;
  RequestHandler& handler;
  boost::asio::ssl::context& tls;
  ServerCounters& counters;
  SessionSet& sessions;
};

// Writes "yagura-collector: <text>" to stderr as one line.
void log_line(const std::string& text);

class Session : public std::enable_shared_from_this<Session> {
 public:
  // socket's executor must be a strand of its own.
  Session(boost::asio::ip::tcp::socket socket, SessionContext& context);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start();
  // Posts to the strand: closes the connection unless a request is being
  // read, answered or written.
  void stop_if_idle();

 private:
  using error_code = boost::beast::error_code;
  enum class Phase { kHandshake, kWaiting, kInRequest, kClosing };

  void on_handshake(error_code ec);
  void next_request();
  void on_first_bytes(error_code ec, size_t bytes);
  void read_header();
  void on_header(error_code ec, size_t bytes);
  void read_body();
  void on_body(error_code ec, size_t bytes);
  void on_read_error(error_code ec);
  void answer();
  // Answers the current request; with body_unread, the rest of the request
  // is still on the wire: the connection closes after the answer.
  void send(int status, const std::string& content_type, std::string body, bool keep_alive,
            bool body_unread = false);
  void on_sent(bool keep_alive, bool body_unread, error_code ec, size_t bytes);
  void close_gracefully();
  void close_after_draining();
  void drain();
  void close_now();
  void log_closed(error_code ec, const char* while_doing);
  std::string who() const;

  SessionContext& ctx_;
  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  std::string remote_;  // "address:port", for log lines
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  boost::beast::http::response<boost::beast::http::empty_body> continue_;
  std::optional<Result<std::string>> peer_;
  Phase phase_ = Phase::kHandshake;
  bool first_request_ = true;
  std::vector<char> drain_buffer_;
  uint64_t drained_ = 0;
};

}  // namespace yagura::collector::detail
