// The collector's HTTPS server over real sockets on 127.0.0.1, with a real
// development PKI (scripts/dev-pki.sh) and a handler that records what
// reaches it. The client is Asio's, so that each test controls exactly
// what goes on the wire: no certificate, an old TLS version, malformed HTTP.
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "collector/server/https_server.h"
#include "collector/server/peer_identity.h"
#include "collector/server/tls_server_context.h"
#include "temp_dir.h"

namespace yagura::collector {
namespace {

using Catch::Matchers::Contains;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using testing::TempDir;

std::string repo_path(const std::string& relative) {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("tests/unit/")) + relative;
}

void run_quietly(const std::string& command) {
  INFO(command);
  REQUIRE(std::system((command + " >/dev/null 2>&1").c_str()) == 0);
}

// Two development PKIs, made once per test run: ours (sensor s1, admin
// csirt, and a client certificate with two common names) and a foreign one
// whose sensor is also called s1.
struct Pki {
  Pki() {
    run_quietly("bash " + repo_path("scripts/dev-pki.sh") + " " + ours.path +
                " --sensor s1 --admin csirt");
    run_quietly("bash " + repo_path("scripts/dev-pki.sh") + " " + foreign.path + " --sensor s1");
    const std::string d = ours.path;
    run_quietly("cd " + d +
                " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                " -keyout two.key -out two.csr -subj '/CN=s1/CN=s2'"
                " && printf 'extendedKeyUsage=clientAuth\\n' > two.ext"
                " && openssl x509 -req -in two.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
                " -days 30 -out two.pem -extfile two.ext");
  }
  TlsFiles server() const {
    return {ours.path + "/collector.pem", ours.path + "/collector.key", ours.path + "/ca.pem"};
  }
  std::string ca() const { return ours.path + "/ca.pem"; }
  TempDir ours, foreign;
};

const Pki& pki() {
  static const Pki instance;
  return instance;
}

struct ClientCert {
  std::string cert, key;  // empty: no client certificate
};
ClientCert sensor_s1() {
  return {pki().ours.path + "/sensor-s1.pem", pki().ours.path + "/sensor-s1.key"};
}
ClientCert admin_csirt() {
  return {pki().ours.path + "/admin-csirt.pem", pki().ours.path + "/admin-csirt.key"};
}
ClientCert foreign_s1() {
  return {pki().foreign.path + "/sensor-s1.pem", pki().foreign.path + "/sensor-s1.key"};
}
ClientCert two_names() { return {pki().ours.path + "/two.pem", pki().ours.path + "/two.key"}; }

// Records every request; answers with `reply`, or throws, or waits for
// release() first.
class RecordingHandler : public RequestHandler {
 public:
  ApiResponse handle(const ApiRequest& request) override {
    std::unique_lock lock(mutex_);
    requests_.push_back(request);
    changed_.notify_all();
    if (request.target == "/throw") throw std::runtime_error("boom");
    if (request.target == "/block") changed_.wait(lock, [&] { return released_; });
    return reply;
  }

  std::vector<ApiRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  void wait_for_requests(size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return requests_.size() >= count; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

  ApiResponse reply{202, "application/x-protobuf", std::string("ack\0\xff", 5)};

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ApiRequest> requests_;
  bool released_ = false;
};

HttpsServerOptions test_options() {
  HttpsServerOptions options;
  options.port = 0;
  options.tls = pki().server();
  options.max_body_bytes = 1024;
  options.threads = 2;
  return options;
}

struct Running {
  explicit Running(HttpsServerOptions options = test_options()) {
    auto started = HttpsServer::start(options, handler);
    INFO((started ? "" : started.error().message));
    REQUIRE(started.ok());
    server = std::move(*started);
  }
  ~Running() { server->stop(); }
  RecordingHandler handler;
  std::unique_ptr<HttpsServer> server;
};

using Response = http::response<http::string_body>;

// A TLS client whose every operation gives up after a while, so that a
// broken server fails the test instead of hanging it.
class Client {
 public:
  struct Options {
    ClientCert cert;
    int max_version = 0;  // e.g. TLS1_1_VERSION; 0: the library's range
  };

  Client(uint16_t port, const Options& options) : port_(port), ctx_(ssl::context::tls_client) {
    ctx_.load_verify_file(pki().ca());
    ctx_.set_verify_mode(ssl::verify_peer);
    if (!options.cert.cert.empty()) {
      ctx_.use_certificate_chain_file(options.cert.cert);
      ctx_.use_private_key_file(options.cert.key, ssl::context::pem);
    }
    if (options.max_version) {
      // Debian's OpenSSL allows nothing older than TLS 1.2 by default: lift
      // that on this side, so that only the server can refuse.
      SSL_CTX_set_security_level(ctx_.native_handle(), 0);
      SSL_CTX_set_cipher_list(ctx_.native_handle(), "DEFAULT@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), options.max_version);
    }
    stream_.emplace(io_, ctx_);
  }

  beast::error_code connect_tcp() {
    beast::error_code result;
    lowest().expires_after(kTimeout);
    lowest().async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_),
                           [&](beast::error_code ec) { result = ec; });
    run();
    return result;
  }

  // TCP, then the TLS handshake; with TLS 1.3 a server that refuses the
  // client's certificate says so after the client's handshake completed, so
  // tests that expect a refusal go on to exchange().
  beast::error_code connect() {
    if (auto ec = connect_tcp()) return ec;
    beast::error_code result;
    lowest().expires_after(kTimeout);
    stream_->async_handshake(ssl::stream_base::client, [&](beast::error_code ec) { result = ec; });
    run();
    return result;
  }

  beast::error_code send(const std::string& raw) {
    beast::error_code result;
    lowest().expires_after(kTimeout);
    net::async_write(*stream_, net::buffer(raw),
                     [&](beast::error_code ec, size_t) { result = ec; });
    run();
    return result;
  }

  // The next response, or the error that ended the connection instead.
  std::optional<Response> read(beast::error_code* error = nullptr) {
    http::response_parser<http::string_body> parser;
    beast::error_code result;
    lowest().expires_after(kTimeout);
    http::async_read(*stream_, buffer_, parser, [&](beast::error_code ec, size_t) { result = ec; });
    run();
    if (error) *error = result;
    if (result) return std::nullopt;
    return parser.release();
  }

  // The raw bytes up to the end of the next header (for 100 Continue).
  std::string read_header_bytes() {
    beast::error_code result;
    lowest().expires_after(kTimeout);
    net::async_read_until(*stream_, net::dynamic_buffer(raw_), "\r\n\r\n",
                          [&](beast::error_code ec, size_t) { result = ec; });
    run();
    REQUIRE_FALSE(result);
    size_t end = raw_.find("\r\n\r\n") + 4;
    std::string header = raw_.substr(0, end);
    raw_.erase(0, end);
    return header;
  }

  // send(), then read(); the error text if either failed.
  std::optional<Response> exchange(const std::string& raw, std::string* error = nullptr) {
    beast::error_code ec = send(raw);
    std::optional<Response> response;
    if (!ec) response = read(&ec);
    if (error && ec) *error = ec.message();
    return response;
  }

 private:
  static constexpr std::chrono::seconds kTimeout{10};
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(*stream_); }
  void run() {
    io_.restart();
    io_.run();
  }

  uint16_t port_;
  net::io_context io_;
  ssl::context ctx_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  std::string raw_;
};

std::string post(const std::string& target, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: collector\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Connects with `cert` and sends one request: the response, or why there was none.
std::optional<Response> one_request(uint16_t port, const Client::Options& options,
                                    std::string* error) {
  Client client(port, options);
  if (beast::error_code ec = client.connect()) {
    *error = ec.message();
    return std::nullopt;
  }
  return client.exchange(post("/v1/batches", "x"), error);
}

}  // namespace

TEST_CASE("server: an mTLS request reaches the handler with its peer and exact body",
          "[collector][server]") {
  Running running;
  Client client(running.server->port(), {.cert = sensor_s1()});
  REQUIRE_FALSE(client.connect());
  const std::string body(
      "zstd\0\x01\xfe\xff"
      "frame",
      13);
  auto response = client.exchange(post("/v1/batches?v=1", body,
                                       "Content-Type: application/x-protobuf\r\n"
                                       "Content-Encoding: zstd\r\n"));
  REQUIRE(response);
  CHECK(response->result_int() == 202);
  CHECK((*response)[http::field::content_type] == "application/x-protobuf");
  CHECK(response->body() == std::string("ack\0\xff", 5));
  CHECK(response->keep_alive());

  auto requests = running.handler.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/v1/batches?v=1");
  CHECK(requests[0].peer == "s1");
  CHECK(requests[0].content_type == "application/x-protobuf");
  CHECK(requests[0].content_encoding == "zstd");
  CHECK(requests[0].body == body);

  // Another certificate of the same CA: another peer.
  Client admin(running.server->port(), {.cert = admin_csirt()});
  REQUIRE_FALSE(admin.connect());
  REQUIRE(admin.exchange("GET /v1/hosts HTTP/1.1\r\nHost: c\r\n\r\n"));
  requests = running.handler.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].peer == "csirt");
  CHECK(requests[1].method == "GET");
  CHECK(requests[1].body.empty());
}

TEST_CASE("server: a client without a certificate fails the handshake", "[collector][server]") {
  Running running;
  std::string error;
  CHECK_FALSE(one_request(running.server->port(), {}, &error));
  CHECK_THAT(error, Contains("certificate required"));
  CHECK(running.handler.requests().empty());
}

TEST_CASE("server: a certificate from another CA fails the handshake", "[collector][server]") {
  Running running;
  std::string error;
  CHECK_FALSE(one_request(running.server->port(), {.cert = foreign_s1()}, &error));
  CHECK_THAT(error, Contains("unknown ca"));
  CHECK(running.handler.requests().empty());
  running.server->stop();  // the server counts after the client saw the alert
  CHECK(running.server->stats().tls_failures == 1);
}

TEST_CASE("server: TLS 1.1 is refused, TLS 1.2 accepted", "[collector][server]") {
  Running running;
  std::string error;
  CHECK_FALSE(one_request(running.server->port(),
                          {.cert = sensor_s1(), .max_version = TLS1_1_VERSION}, &error));
  CHECK_THAT(error, Contains("protocol version"));
  CHECK(running.handler.requests().empty());

  error.clear();
  auto response = one_request(running.server->port(),
                              {.cert = sensor_s1(), .max_version = TLS1_2_VERSION}, &error);
  INFO(error);
  REQUIRE(response);
  CHECK(response->result_int() == 202);
}

TEST_CASE("server: a certificate without a single common name is answered 401",
          "[collector][server]") {
  Running running;
  Client client(running.server->port(), {.cert = two_names()});
  REQUIRE_FALSE(client.connect());
  auto response = client.exchange(post("/v1/batches", "x"));
  REQUIRE(response);
  CHECK(response->result_int() == 401);
  CHECK_THAT(response->body(), Contains("more than one common name"));
  CHECK_FALSE(response->keep_alive());
  CHECK(running.handler.requests().empty());
}

TEST_CASE("server: a body over the limit is answered 413 and not handled", "[collector][server]") {
  Running running;  // max_body_bytes 1024
  const uint16_t port = running.server->port();

  SECTION("a body of exactly the limit is handled") {
    Client client(port, {.cert = sensor_s1()});
    REQUIRE_FALSE(client.connect());
    auto response = client.exchange(post("/v1/batches", std::string(1024, 'b')));
    REQUIRE(response);
    CHECK(response->result_int() == 202);
    REQUIRE(running.handler.requests().size() == 1);
    CHECK(running.handler.requests()[0].body.size() == 1024);
  }
  SECTION("Content-Length over the limit") {
    Client client(port, {.cert = sensor_s1()});
    REQUIRE_FALSE(client.connect());
    auto response = client.exchange(post("/v1/batches", std::string(1025, 'b')));
    REQUIRE(response);
    CHECK(response->result_int() == 413);
    CHECK_THAT(response->body(), Contains("body exceeds 1024 bytes"));
    CHECK_FALSE(response->keep_alive());
    CHECK(running.handler.requests().empty());
    CHECK_FALSE(client.read());  // the server closed the connection
  }
  SECTION("chunks adding up to more than the limit") {
    Client client(port, {.cert = sensor_s1()});
    REQUIRE_FALSE(client.connect());
    std::string chunk = "200\r\n" + std::string(512, 'c') + "\r\n";
    auto response = client.exchange(
        "POST /v1/batches HTTP/1.1\r\nHost: c\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk +
        chunk + chunk + "0\r\n\r\n");
    REQUIRE(response);
    CHECK(response->result_int() == 413);
    CHECK(running.handler.requests().empty());
  }
  // Whatever happened, the server goes on serving.
  std::string error;
  auto after = one_request(port, {.cert = sensor_s1()}, &error);
  REQUIRE(after);
  CHECK(after->result_int() == 202);
}

TEST_CASE("server: malformed HTTP is answered 400 and the server keeps serving",
          "[collector][server]") {
  Running running;
  const uint16_t port = running.server->port();
  auto request = GENERATE(as<std::string>{}, "GARBAGE\r\n\r\n",
                          "POST /v1/batches HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "POST /v1/batches HTTP/1.1\r\nBad Header\r\n\r\n");
  Client client(port, {.cert = sensor_s1()});
  REQUIRE_FALSE(client.connect());
  auto response = client.exchange(request);
  REQUIRE(response);
  CHECK(response->result_int() == 400);
  CHECK_THAT(response->body(), Contains("malformed HTTP request"));
  CHECK_FALSE(client.read());  // and closed that connection
  CHECK(running.handler.requests().empty());

  std::string error;
  auto after = one_request(port, {.cert = sensor_s1()}, &error);
  REQUIRE(after);
  CHECK(after->result_int() == 202);
}

TEST_CASE("server: two requests on one kept-alive connection", "[collector][server]") {
  Running running;
  Client client(running.server->port(), {.cert = sensor_s1()});
  REQUIRE_FALSE(client.connect());
  auto first = client.exchange(post("/v1/batches", "one"));
  auto second = client.exchange(post("/v1/batches", "two"));
  REQUIRE(first);
  REQUIRE(second);
  CHECK(second->result_int() == 202);
  auto requests = running.handler.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body == "one");
  CHECK(requests[1].body == "two");
  CHECK(running.server->stats().connections == 1);

  // A request that asks to close gets its answer, then the connection ends.
  auto last = client.exchange(post("/v1/batches", "three", "Connection: close\r\n"));
  REQUIRE(last);
  CHECK_FALSE(last->keep_alive());
  CHECK_FALSE(client.read());
}

TEST_CASE("server: Expect: 100-continue gets its interim answer", "[collector][server]") {
  Running running;
  Client client(running.server->port(), {.cert = sensor_s1()});
  REQUIRE_FALSE(client.connect());
  REQUIRE_FALSE(client.send(
      "POST /v1/batches HTTP/1.1\r\nHost: c\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"));
  CHECK_THAT(client.read_header_bytes(), Catch::Matchers::StartsWith("HTTP/1.1 100 Continue"));
  auto response = client.exchange("body");
  REQUIRE(response);
  CHECK(response->result_int() == 202);
  REQUIRE(running.handler.requests().size() == 1);
  CHECK(running.handler.requests()[0].body == "body");
}

TEST_CASE("server: a handler that throws gives 500, and the connection goes on",
          "[collector][server]") {
  Running running;
  Client client(running.server->port(), {.cert = sensor_s1()});
  REQUIRE_FALSE(client.connect());
  auto response = client.exchange(post("/throw", "x"));
  REQUIRE(response);
  CHECK(response->result_int() == 500);
  auto next = client.exchange(post("/v1/batches", "y"));
  REQUIRE(next);
  CHECK(next->result_int() == 202);
  CHECK(running.server->stats().server_errors == 1);
}

TEST_CASE("server: connections above max_connections are closed and counted",
          "[collector][server]") {
  HttpsServerOptions options = test_options();
  options.max_connections = 1;
  Running running(options);
  Client first(running.server->port(), {.cert = sensor_s1()});
  REQUIRE_FALSE(first.connect());

  std::string error;
  CHECK_FALSE(one_request(running.server->port(), {.cert = sensor_s1()}, &error));
  CHECK(running.server->stats().connections_refused == 1);
  CHECK(running.handler.requests().empty());

  auto response = first.exchange(post("/v1/batches", "x"));
  REQUIRE(response);
  CHECK(response->result_int() == 202);
}

TEST_CASE("server: stop() closes idle connections and answers requests in flight",
          "[collector][server]") {
  Running running;
  const uint16_t port = running.server->port();
  Client idle(port, {.cert = sensor_s1()});
  REQUIRE_FALSE(idle.connect());
  REQUIRE(idle.exchange(post("/v1/batches", "x")));  // kept alive, now idle

  Client busy(port, {.cert = sensor_s1()});
  REQUIRE_FALSE(busy.connect());
  REQUIRE_FALSE(busy.send(post("/block", "y")));
  running.handler.wait_for_requests(2);  // /block is in the handler

  std::thread stopper([&] { running.server->stop(); });
  // The idle connection is closed without waiting for its timeout ...
  beast::error_code ec;
  CHECK_FALSE(idle.read(&ec));
  CHECK(ec != beast::error::timeout);
  // ... and the request in flight is answered, with the connection closing.
  running.handler.release();
  auto response = busy.read();
  REQUIRE(response);
  CHECK(response->result_int() == 202);
  CHECK_FALSE(response->keep_alive());
  stopper.join();
  CHECK(running.server->stats().aborted_at_stop == 0);
  CHECK(running.server->stats().connections_open == 0);

  Client late(port, {.cert = sensor_s1()});
  CHECK(late.connect_tcp());  // no longer listening
}

TEST_CASE("tls: the server's files are checked when the context is made", "[collector][server]") {
  TlsFiles files = pki().server();
  REQUIRE(make_tls_server_context(files).ok());

  TlsFiles missing = files;
  missing.client_ca = pki().ours.path + "/nope.pem";
  auto error = make_tls_server_context(missing);
  REQUIRE_FALSE(error.ok());
  CHECK_THAT(error.error().message, Contains("tls.client_ca") && Contains("nope.pem"));

  TlsFiles wrong_key = files;
  wrong_key.key = pki().ours.path + "/sensor-s1.key";
  error = make_tls_server_context(wrong_key);
  REQUIRE_FALSE(error.ok());
  CHECK_THAT(error.error().message, Contains("is not the key of"));
}

TEST_CASE("peer identity: exactly one common name", "[collector][server]") {
  auto cn = [](const std::string& pem_path) {
    FILE* f = std::fopen(pem_path.c_str(), "r");
    REQUIRE(f);
    X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    REQUIRE(cert);
    auto name = certificate_common_name(cert);
    X509_free(cert);
    return name;
  };
  auto s1 = cn(pki().ours.path + "/sensor-s1.pem");
  REQUIRE(s1.ok());
  CHECK(*s1 == "s1");
  auto two = cn(pki().ours.path + "/two.pem");
  REQUIRE_FALSE(two.ok());
  CHECK_THAT(two.error().message, Contains("more than one common name"));
  // The CA's subject has a common name too; one without any:
  TempDir dir;
  run_quietly("cd " + dir.path +
              " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
              " -keyout o.key -out o.pem -days 1 -subj '/O=Only an organization'");
  auto none = cn(dir.path + "/o.pem");
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.error().message, Contains("no common name"));
}

}  // namespace yagura::collector
