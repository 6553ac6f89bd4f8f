#include "tls_test_server.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

// clang-format off
#include <utility>  // first: Boost 1.74's asio/awaitable.hpp uses std::exchange without it
// clang-format on

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <cctype>
#include <mutex>
#include <thread>

// GCC 12 sees Asio 1.74's coroutine frame allocator (operator new inside a
// recycling cache, matching delete) as mismatched: a false positive.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace yagura::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\n" (no body).
TestRequest parse_head(std::string_view head) {
  TestRequest request;
  size_t line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = line.find(' ', sp1 + 1);
  request.method = line.substr(0, sp1);
  request.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (line_end + 2 < head.size()) {
    size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    line = head.substr(start, line_end - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    size_t value = line.find_first_not_of(' ', colon + 1);
    request.headers[lower(std::string(line.substr(0, colon)))] =
        value == std::string_view::npos ? "" : std::string(line.substr(value));
  }
  return request;
}

std::string peer_common_name(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return "";
  char name[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof(name));
  X509_free(cert);
  return name;
}

// An io_context on its own thread. Owners call stop() first thing in their
// destructor, so that no handler runs while their members go; destroying
// the io_context then destroys the suspended coroutines.
struct LoopThread {
  asio::io_context io;
  std::thread thread;

  void start() {
    thread = std::thread([this] { io.run(); });
  }
  void stop() {
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

}  // namespace

struct TlsTestServer::Impl {
  Options options;
  ssl::context tls{ssl::context::tls_server};  // outlives the loop's streams
  LoopThread loop;
  tcp::acceptor acceptor{loop.io};
  std::atomic<int> connections{0};
  mutable std::mutex mutex;
  TestResponse response;
  std::vector<TestRequest> requests;

  explicit Impl(const Options& o) : options(o) {
    tls.use_certificate_chain_file(o.cert_file);
    tls.use_private_key_file(o.key_file, ssl::context::pem);
    if (!o.client_ca_file.empty()) {
      tls.load_verify_file(o.client_ca_file);
      tls.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      // Without a session id context, OpenSSL fails a client's session
      // resumption with an internal error once client certificates are
      // verified: every reconnect of the same client would fail.
      static const unsigned char kContext[] = "yagura-test";
      SSL_CTX_set_session_id_context(tls.native_handle(), kContext, sizeof(kContext) - 1);
    }
    if (o.tls1_1_only) {
      // OpenSSL 3 allows TLS 1.1 only at security level 0.
      SSL_CTX* ctx = tls.native_handle();
      SSL_CTX_set_security_level(ctx, 0);
      SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
      SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    }
    tcp::endpoint endpoint(asio::ip::make_address(o.address), 0);
    acceptor.open(endpoint.protocol());
    acceptor.bind(endpoint);
    acceptor.listen();
    asio::co_spawn(loop.io, accept_loop(), asio::detached);
    loop.start();
  }
  ~Impl() { loop.stop(); }

  awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
      ++connections;
      asio::co_spawn(loop.io, serve(std::move(socket)), asio::detached);
    }
  }

  // Requests carry a Content-Length body (no chunked encoding).
  awaitable<void> serve(tcp::socket socket) {
    ssl::stream<tcp::socket> stream(std::move(socket), tls);
    try {
      co_await stream.async_handshake(ssl::stream_base::server, use_awaitable);
      const std::string common_name = peer_common_name(stream.native_handle());
      std::string buffer;
      for (;;) {  // until the client closes: keep-alive
        size_t head_size = co_await asio::async_read_until(stream, asio::dynamic_buffer(buffer),
                                                           "\r\n\r\n", use_awaitable);
        TestRequest request = parse_head(std::string_view(buffer).substr(0, head_size));
        buffer.erase(0, head_size);
        size_t length = std::stoul(
            request.headers.count("content-length") ? request.headers["content-length"] : "0");
        if (buffer.size() < length) {
          co_await asio::async_read(stream, asio::dynamic_buffer(buffer),
                                    asio::transfer_exactly(length - buffer.size()), use_awaitable);
        }
        request.body = buffer.substr(0, length);
        buffer.erase(0, length);
        request.client_common_name = common_name;
        TestResponse answer;
        {
          std::lock_guard lock(mutex);
          requests.push_back(std::move(request));
          answer = response;
        }
        if (options.silent) continue;
        std::string out = "HTTP/1.1 " + std::to_string(answer.status) +
                          " Test\r\nContent-Type: " + answer.content_type +
                          "\r\nContent-Length: " + std::to_string(answer.body.size()) +
                          (answer.close ? "\r\nConnection: close" : "") + "\r\n\r\n";
        out += answer.body;
        co_await asio::async_write(stream, asio::buffer(out), use_awaitable);
        if (answer.close) {
          co_await stream.async_shutdown(use_awaitable);
          co_return;
        }
      }
    } catch (const std::exception&) {
      // The client went away or the handshake failed: the connection ends.
    }
  }
};

TlsTestServer::TlsTestServer(const Options& options) : impl_(std::make_unique<Impl>(options)) {}
TlsTestServer::~TlsTestServer() = default;

uint16_t TlsTestServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::string TlsTestServer::url() const {
  return "https://" + impl_->options.address + ":" + std::to_string(port());
}

void TlsTestServer::respond(TestResponse response) {
  std::lock_guard lock(impl_->mutex);
  impl_->response = std::move(response);
}

std::vector<TestRequest> TlsTestServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

int TlsTestServer::connections() const { return impl_->connections; }

struct ConnectProxy::Impl {
  LoopThread loop;
  tcp::acceptor acceptor{loop.io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  mutable std::mutex mutex;
  std::vector<std::string> targets;

  Impl() {
    asio::co_spawn(loop.io, accept_loop(), asio::detached);
    loop.start();
  }
  ~Impl() { loop.stop(); }

  awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket socket = co_await acceptor.async_accept(use_awaitable);
      asio::co_spawn(loop.io, tunnel(std::move(socket)), asio::detached);
    }
  }

  // Copies one direction until it ends, then passes the end on.
  static awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    char data[16 * 1024];
    try {
      for (;;) {
        size_t n = co_await from->async_read_some(asio::buffer(data), use_awaitable);
        co_await asio::async_write(*to, asio::buffer(data, n), use_awaitable);
      }
    } catch (const std::exception&) {
    }
    boost::system::error_code ignored;
    to->shutdown(tcp::socket::shutdown_send, ignored);
  }

  awaitable<void> tunnel(tcp::socket socket) {
    auto client = std::make_shared<tcp::socket>(std::move(socket));
    try {
      std::string buffer;
      size_t head_size = co_await asio::async_read_until(*client, asio::dynamic_buffer(buffer),
                                                         "\r\n\r\n", use_awaitable);
      TestRequest request = parse_head(std::string_view(buffer).substr(0, head_size));
      if (request.method != "CONNECT") co_return;
      {
        std::lock_guard lock(mutex);
        targets.push_back(request.target);
      }
      size_t colon = request.target.rfind(':');
      tcp::resolver resolver(loop.io);
      auto endpoints = co_await resolver.async_resolve(
          request.target.substr(0, colon), request.target.substr(colon + 1), use_awaitable);
      auto server = std::make_shared<tcp::socket>(loop.io);
      co_await asio::async_connect(*server, endpoints, use_awaitable);
      co_await asio::async_write(
          *client, asio::buffer(std::string_view("HTTP/1.1 200 Connection established\r\n\r\n")),
          use_awaitable);
      if (buffer.size() > head_size) {  // the client did not wait for the answer
        co_await asio::async_write(*server, asio::buffer(buffer.substr(head_size)), use_awaitable);
      }
      asio::co_spawn(loop.io, relay(server, client), asio::detached);
      co_await relay(client, server);
    } catch (const std::exception&) {
      // A bad request or an unreachable target: the client sees the close.
    }
  }
};

ConnectProxy::ConnectProxy() : impl_(std::make_unique<Impl>()) {}
ConnectProxy::~ConnectProxy() = default;

std::string ConnectProxy::url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

std::vector<std::string> ConnectProxy::targets() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->targets;
}

}  // namespace yagura::testing
