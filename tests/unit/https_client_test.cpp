#include "uploader/transport/https_client.h"

#include <stdio.h>
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <optional>

#include "temp_dir.h"
#include "tls_test_server.h"
#include "test_pki.h"

namespace yagura {
namespace {

using namespace std::chrono_literals;
using testing::ConnectProxy;
using testing::TempDir;
using testing::TlsTestServer;
using testing::foreign_pki;
using testing::our_pki;

TlsTestServer::Options server_options(const std::string& pki = our_pki()) {
  return {.cert_file = pki + "/collector.pem",
          .key_file = pki + "/collector.key",
          .client_ca_file = our_pki() + "/ca.pem"};
}

HttpsClientOptions client_options(const std::string& url, const std::string& pki = our_pki()) {
  return {.base_url = url,
          .ca_file = our_pki() + "/ca.pem",
          .cert_file = pki + "/sensor-test-sensor.pem",
          .key_file = pki + "/sensor-test-sensor.key",
          .connect_timeout = 5s,
          .request_timeout = 5s};
}

std::unique_ptr<HttpsClient> make_client(const HttpsClientOptions& options) {
  auto client = HttpsClient::create(options);
  INFO((client ? "" : client.error().message));
  REQUIRE(client);
  return std::move(*client);
}

// curl's pin of a certificate's public key: "sha256//<base64 of SHA-256 of the DER key>".
std::string pin_of(const std::string& cert_file) {
  std::string command = "openssl x509 -in " + cert_file +
                        " -pubkey -noout | openssl pkey -pubin -outform der"
                        " | openssl dgst -sha256 -binary | base64";
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char line[128] = {};
  bool read = ::fgets(line, sizeof(line), pipe) != nullptr;
  REQUIRE(::pclose(pipe) == 0);
  REQUIRE(read);
  std::string pin(line);
  while (!pin.empty() && (pin.back() == '\n' || pin.back() == '\r')) pin.pop_back();
  REQUIRE(pin.size() == 44);
  return "sha256//" + pin;
}

// Sets an environment variable for one scope, as a user's shell might.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> old;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    if (const char* v = ::getenv(name.c_str())) old = v;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

const std::string kBody("\x28\xb5\x2f\xfd\x00binary\0body\xff", 17);

TEST_CASE("https client: a POST arrives with its body and headers, the answer comes back") {
  TlsTestServer server(server_options());
  server.respond(
      {.status = 200, .content_type = "application/x-protobuf", .body = std::string("ack\0ed", 6)});
  auto client = make_client(client_options(server.url()));

  auto response = client->post("/v1/batches", kBody, "application/x-protobuf", "zstd");
  INFO((response ? "" : response.error().message));
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->content_type == "application/x-protobuf");
  CHECK(response->body == std::string("ack\0ed", 6));

  auto requests = server.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "POST");
  CHECK(requests[0].target == "/v1/batches");
  CHECK(requests[0].body == kBody);
  CHECK(requests[0].headers["content-type"] == "application/x-protobuf");
  CHECK(requests[0].headers["content-encoding"] == "zstd");
  CHECK(requests[0].headers.count("expect") == 0);
  CHECK(requests[0].client_common_name == "test-sensor");
  CHECK(client->bytes_sent() == kBody.size());
}

TEST_CASE("https client: requests share one kept-alive connection") {
  TlsTestServer server(server_options());
  auto client = make_client(client_options(server.url()));
  const std::string big(2 << 20, 'x');  // over curl's "Expect: 100-continue" threshold

  REQUIRE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  REQUIRE(client->post("/v1/batches", big, "application/x-protobuf"));
  REQUIRE(client->get("/v1/policy"));

  auto requests = server.requests();
  REQUIRE(requests.size() == 3);
  CHECK(requests[0].headers.count("content-encoding") == 0);
  CHECK(requests[1].body == big);
  CHECK(requests[1].headers.count("expect") == 0);
  CHECK(requests[2].method == "GET");
  CHECK(requests[2].target == "/v1/policy");
  CHECK(requests[2].body.empty());
  CHECK(server.connections() == 1);
  CHECK(client->bytes_sent() == kBody.size() + big.size());
}

TEST_CASE("https client: a connection the server closed is replaced by a new one") {
  TlsTestServer server(server_options());
  server.respond({.status = 200, .close = true});
  auto client = make_client(client_options(server.url()));
  for (int i = 0; i < 3; ++i) {
    auto response = client->post("/v1/batches", kBody, "application/x-protobuf");
    INFO((response ? "" : response.error().message));
    REQUIRE(response);
  }
  CHECK(server.connections() == 3);
  CHECK(server.requests().size() == 3);
}

TEST_CASE("https client: 4xx and 5xx are answers, not errors") {
  TlsTestServer server(server_options());
  auto client = make_client(client_options(server.url()));
  for (int status : {400, 403, 413, 503}) {
    server.respond({.status = status, .body = "no"});
    auto response = client->post("/v1/batches", kBody, "application/x-protobuf");
    REQUIRE(response);
    CHECK(response->status == status);
    CHECK(response->body == "no");
  }
}

TEST_CASE("https client: a server certificate from another CA is refused") {
  TlsTestServer server(server_options(foreign_pki()));
  auto client = make_client(client_options(server.url()));
  auto response = client->post("/v1/batches", kBody, "application/x-protobuf");
  REQUIRE_FALSE(response);
  CHECK_THAT(response.error().message, Catch::Contains(server.url() + "/v1/batches"));
  CHECK(server.requests().empty());
}

TEST_CASE("https client: a server certificate for another host name is refused") {
  // Our collector certificate names localhost, 127.0.0.1 and ::1 only.
  TlsTestServer::Options options = server_options();
  options.address = "127.0.0.2";
  TlsTestServer server(options);
  auto client = make_client(client_options(server.url()));
  REQUIRE_FALSE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  CHECK(server.requests().empty());
}

TEST_CASE("https client: a client certificate the server does not trust gets no answer") {
  TlsTestServer server(server_options());
  auto client = make_client(client_options(server.url(), foreign_pki()));
  REQUIRE_FALSE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  CHECK(server.requests().empty());
}

TEST_CASE("https client: the pinned public key must match the server's") {
  TlsTestServer server(server_options());
  HttpsClientOptions options = client_options(server.url());

  options.pinned_public_key = pin_of(foreign_pki() + "/collector.pem");
  REQUIRE_FALSE(make_client(options)->post("/v1/batches", kBody, "application/x-protobuf"));
  CHECK(server.requests().empty());

  options.pinned_public_key = pin_of(our_pki() + "/collector.pem");
  auto response = make_client(options)->post("/v1/batches", kBody, "application/x-protobuf");
  INFO((response ? "" : response.error().message));
  REQUIRE(response);
  CHECK(response->status == 200);
}

TEST_CASE("https client: a server offering only TLS 1.1 is refused") {
  TlsTestServer::Options options = server_options();
  options.tls1_1_only = true;
  TlsTestServer server(options);
  auto client = make_client(client_options(server.url()));
  auto response = client->post("/v1/batches", kBody, "application/x-protobuf");
  REQUIRE_FALSE(response);
  CHECK_THAT(response.error().message, Catch::Contains("protocol version"));
  CHECK(server.connections() == 1);
  CHECK(server.requests().empty());
}

TEST_CASE("https client: requests go through the configured proxy, tunnel kept alive") {
  TlsTestServer server(server_options());
  ConnectProxy proxy;
  HttpsClientOptions options = client_options(server.url());
  options.proxy = proxy.url();
  auto client = make_client(options);
  // no_proxy from the environment does not bypass the configured proxy.
  ScopedEnv no_proxy("no_proxy", "127.0.0.1,localhost");

  REQUIRE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  REQUIRE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  CHECK(proxy.targets() == std::vector<std::string>{"127.0.0.1:" + std::to_string(server.port())});
  CHECK(server.requests().size() == 2);
}

TEST_CASE("https client: proxy variables in the environment are ignored") {
  TlsTestServer server(server_options());
  ConnectProxy proxy;
  ScopedEnv https_proxy("https_proxy", proxy.url());
  ScopedEnv all_proxy("ALL_PROXY", proxy.url());
  auto client = make_client(client_options(server.url()));

  REQUIRE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  CHECK(proxy.targets().empty());
  CHECK(server.requests().size() == 1);
}

TEST_CASE("https client: a server that never answers is an error after the timeout") {
  TlsTestServer::Options server_opts = server_options();
  server_opts.silent = true;
  TlsTestServer server(server_opts);
  HttpsClientOptions options = client_options(server.url());
  options.request_timeout = 300ms;
  auto client = make_client(options);

  auto response = client->post("/v1/batches", kBody, "application/x-protobuf");
  REQUIRE_FALSE(response);
  CHECK(server.requests().size() == 1);  // it was sent: the answer is what lacked
}

TEST_CASE("https client: with a bandwidth cap, the body still arrives whole and is counted") {
  TlsTestServer server(server_options());
  HttpsClientOptions options = client_options(server.url());
  options.max_send_bytes_per_second = 1 << 20;
  auto client = make_client(options);
  const std::string body(128 * 1024, 'b');

  REQUIRE(client->post("/v1/batches", body, "application/x-protobuf"));
  REQUIRE(client->post("/v1/batches", kBody, "application/x-protobuf"));
  CHECK(client->bytes_sent() == body.size() + kBody.size());
  auto requests = server.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].body == body);
}

TEST_CASE("https client: create refuses unreadable files and non-HTTPS URLs") {
  HttpsClientOptions options = client_options("https://127.0.0.1:1");
  REQUIRE(HttpsClient::create(options));

  HttpsClientOptions missing_key = options;
  missing_key.key_file = our_pki() + "/no-such.key";
  auto client = HttpsClient::create(missing_key);
  REQUIRE_FALSE(client);
  CHECK_THAT(client.error().message, Catch::Contains("no-such.key"));
  CHECK(client.error().code == ENOENT);

  HttpsClientOptions no_ca = options;
  no_ca.ca_file.clear();
  CHECK_FALSE(HttpsClient::create(no_ca));

  HttpsClientOptions plain = options;
  plain.base_url = "http://127.0.0.1:1";
  CHECK_FALSE(HttpsClient::create(plain));
}

TEST_CASE("https client: nothing listening is an error naming the URL") {
  auto client = make_client(client_options("https://127.0.0.1:1"));
  auto response = client->get("/v1/policy");
  REQUIRE_FALSE(response);
  CHECK_THAT(response.error().message, Catch::Contains("GET https://127.0.0.1:1/v1/policy"));
}

}  // namespace
}  // namespace yagura
