#include "collector/server/https_session.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <exception>
#include <utility>

#include "collector/server/peer_identity.h"

namespace yagura::collector::detail {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

// Enough for any header the API needs; larger is refused with 431.
constexpr uint32_t kHeaderLimit = 16 * 1024;
// Longest wait for the client's part of a closing handshake, or for it to
// stop sending a request body the server will not read.
constexpr std::chrono::seconds kCloseTimeout{5};
constexpr size_t kReadChunk = 16 * 1024;

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == beast::http::make_error_code(http::error::bad_target).category();
}

}  // namespace

void log_line(const std::string& text) {
  std::fprintf(stderr, "yagura-collector: %s\n", text.c_str());
}

// --- SessionSet -------------------------------------------------------------

bool SessionSet::add(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  sessions_.emplace(session.get(), session);
  return true;
}

void SessionSet::remove(Session* session) {
  std::lock_guard lock(mutex_);
  sessions_.erase(session);
  if (sessions_.empty()) emptied_.notify_all();
}

size_t SessionSet::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::vector<std::shared_ptr<Session>> SessionSet::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<Session>> live;
  for (auto& [raw, weak] : sessions_)
    if (auto session = weak.lock()) live.push_back(std::move(session));
  return live;
}

bool SessionSet::wait_empty(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_until(lock, deadline, [&] { return sessions_.empty(); });
}

// --- Session ----------------------------------------------------------------

Session::Session(net::ip::tcp::socket socket, SessionContext& context)
    : ctx_(context), stream_(std::move(socket), context.tls) {
  beast::error_code ec;
  auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  if (!ec) remote_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  // Responses are small and followed by a wait for the next request: do not
  // let Nagle hold them back.
  beast::get_lowest_layer(stream_).socket().set_option(net::ip::tcp::no_delay(true), ec);
}

Session::~Session() { ctx_.sessions.remove(this); }

std::string Session::who() const {
  if (peer_ && peer_->ok()) return remote_ + " (" + peer_->value() + ")";
  return remote_;
}

void Session::start() {
  beast::get_lowest_layer(stream_).expires_after(ctx_.options.timeouts.handshake);
  stream_.async_handshake(ssl::stream_base::server,
                          beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
}

void Session::stop_if_idle() {
  net::post(stream_.get_executor(), [self = shared_from_this()] {
    if (self->phase_ != Phase::kInRequest) self->close_now();
  });
}

void Session::on_handshake(error_code ec) {
  if (ec) {
    ctx_.counters.tls_failures++;
    if (ctx_.options.log_requests) log_line(remote_ + ": TLS handshake failed: " + ec.message());
    return;
  }
  peer_ = verified_peer_name(stream_.native_handle());
  next_request();
}

void Session::next_request() {
  // stop() closes waiting sessions; one that finished a request after
  // stop() began must not start waiting.
  if (ctx_.sessions.stopping()) return close_now();
  phase_ = Phase::kWaiting;
  parser_.emplace();
  parser_->header_limit(kHeaderLimit);
  parser_->body_limit(ctx_.options.max_body_bytes);
  if (first_request_ || buffer_.size() > 0) return read_header();
  // Between requests the idle timeout applies; the header timeout starts
  // with the request's first byte.
  beast::get_lowest_layer(stream_).expires_after(ctx_.options.timeouts.idle);
  stream_.async_read_some(buffer_.prepare(kReadChunk),
                          beast::bind_front_handler(&Session::on_first_bytes, shared_from_this()));
}

void Session::on_first_bytes(error_code ec, size_t bytes) {
  // An idle connection timing out is what keep-alive connections do.
  if (ec == beast::error::timeout) return;
  if (ec) return log_closed(ec, "waiting for a request");
  buffer_.commit(bytes);
  read_header();
}

void Session::read_header() {
  beast::get_lowest_layer(stream_).expires_after(ctx_.options.timeouts.header);
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_header, shared_from_this()));
}

void Session::on_header(error_code ec, size_t) {
  if (ec) return on_read_error(ec);
  phase_ = Phase::kInRequest;
  if (!peer_->ok()) return send(401, "text/plain", peer_->error().message + "\n", false, true);
  const auto& request = parser_->get();
  if (!parser_->is_done() && request.version() >= 11 &&
      beast::iequals(request[http::field::expect], "100-continue")) {
    // The client waits for this before it sends the body.
    continue_ = {http::status::continue_, request.version()};
    beast::get_lowest_layer(stream_).expires_after(ctx_.options.timeouts.transfer);
    http::async_write(stream_, continue_, [self = shared_from_this()](error_code ec, size_t) {
      if (ec) return self->log_closed(ec, "sending 100 Continue");
      self->read_body();
    });
    return;
  }
  read_body();
}

void Session::read_body() {
  if (parser_->is_done()) return answer();
  // Restarted on every read: a slow sender (a sensor under a bandwidth cap)
  // is fine, a stalled one is not.
  beast::get_lowest_layer(stream_).expires_after(ctx_.options.timeouts.transfer);
  http::async_read_some(stream_, buffer_, *parser_,
                        beast::bind_front_handler(&Session::on_body, shared_from_this()));
}

void Session::on_body(error_code ec, size_t) {
  if (ec) return on_read_error(ec);
  read_body();
}

void Session::on_read_error(error_code ec) {
  phase_ = Phase::kInRequest;
  if (ec == http::error::body_limit)
    return send(413, "text/plain",
                "request body exceeds " + std::to_string(ctx_.options.max_body_bytes) + " bytes\n",
                false, true);
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
    return send(431, "text/plain",
                "request header exceeds " + std::to_string(kHeaderLimit) + " bytes\n", false, true);
  // end_of_stream: closed between requests; partial_message: closed in the
  // middle of one. Neither leaves anyone to answer.
  if (is_http_error(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message)
    return send(400, "text/plain", "malformed HTTP request: " + ec.message() + "\n", false, true);
  log_closed(ec, "reading a request");
}

void Session::answer() {
  auto& request = parser_->get();
  ApiRequest api{.method = std::string(request.method_string()),
                 .target = std::string(request.target()),
                 .peer = peer_->value(),
                 .content_type = std::string(request[http::field::content_type]),
                 .content_encoding = std::string(request[http::field::content_encoding]),
                 .body = std::move(request.body())};
  ctx_.counters.body_bytes += api.body.size();
  ApiResponse response;
  std::string failure;  // why the handler gave no usable answer
  try {
    response = ctx_.handler.handle(api);
  } catch (const std::exception& e) {
    failure = std::string("handler threw: ") + e.what();
  } catch (...) {
    failure = "handler threw";
  }
  if (failure.empty() && (response.status < 100 || response.status > 599))
    failure = "handler answered with status " + std::to_string(response.status);
  if (!failure.empty()) response = {500, "text/plain", "internal error\n"};
  // 5xx: the collector could not do its job (the store failed); the
  // operator must see it, and clients back off, which bounds the lines.
  if (ctx_.options.log_requests || response.status >= 500) {
    std::string line = who() + ": " + api.method + " " + api.target + " " +
                       std::to_string(api.body.size()) + " B -> " +
                       std::to_string(response.status) + " " +
                       std::to_string(response.body.size()) + " B";
    if (response.status >= 500)
      line +=
          ": " + (failure.empty() ? response.body.substr(0, response.body.find('\n')) : failure);
    log_line(line);
  }
  // A server that is stopping answers, then closes.
  send(response.status, response.content_type, std::move(response.body),
       request.keep_alive() && !ctx_.sessions.stopping());
}

void Session::send(int status, const std::string& content_type, std::string body, bool keep_alive,
                   bool body_unread) {
  ctx_.counters.requests++;
  if (status >= 500) {
    ctx_.counters.server_errors++;
  } else if (status >= 400) {
    ctx_.counters.client_errors++;
    if (ctx_.options.log_requests && body_unread)
      log_line(who() + ": answered " + std::to_string(status) + ": " +
               body.substr(0, body.find('\n')));
  }
  unsigned version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
  response_ = {};
  response_.version(version);
  response_.result(static_cast<unsigned>(status));
  response_.set(http::field::content_type, content_type);
  response_.body() = std::move(body);
  response_.keep_alive(keep_alive);
  response_.prepare_payload();
  beast::get_lowest_layer(stream_).expires_after(ctx_.options.timeouts.transfer);
  http::async_write(
      stream_, response_,
      beast::bind_front_handler(&Session::on_sent, shared_from_this(), keep_alive, body_unread));
}

void Session::on_sent(bool keep_alive, bool body_unread, error_code ec, size_t) {
  if (ec) return log_closed(ec, "writing a response");
  first_request_ = false;
  if (body_unread) return close_after_draining();
  if (keep_alive) return next_request();
  // A stopping server does not wait for the client's side of the closing
  // handshake: the answer is complete (it has a length) and written.
  if (ctx_.sessions.stopping()) return close_now();
  close_gracefully();
}

void Session::close_gracefully() {
  phase_ = Phase::kClosing;
  beast::get_lowest_layer(stream_).expires_after(kCloseTimeout);
  // The client's close_notify, or its closing the socket, ends the wait.
  stream_.async_shutdown([self = shared_from_this()](error_code) { self->close_now(); });
}

// The client may still be sending the request the server refused: closing
// with unread data would reset the connection, and the client could lose
// the answer. Half-close, then read and discard for a short while.
void Session::close_after_draining() {
  phase_ = Phase::kClosing;
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
  beast::get_lowest_layer(stream_).expires_after(kCloseTimeout);
  drain_buffer_.resize(kReadChunk);
  drain();
}

void Session::drain() {
  beast::get_lowest_layer(stream_).async_read_some(
      net::buffer(drain_buffer_), [self = shared_from_this()](error_code ec, size_t bytes) {
        self->drained_ += bytes;
        if (ec || self->drained_ > self->ctx_.options.max_body_bytes) return self->close_now();
        self->drain();
      });
}

void Session::close_now() {
  phase_ = Phase::kClosing;
  beast::get_lowest_layer(stream_).close();
}

void Session::log_closed(error_code ec, const char* while_doing) {
  if (!ctx_.options.log_requests || ec == net::error::operation_aborted ||
      ec == http::error::end_of_stream || ec == ssl::error::stream_truncated ||
      ec == net::error::eof)
    return;
  log_line(who() + ": closed while " + while_doing + ": " + ec.message());
}

}  // namespace yagura::collector::detail
