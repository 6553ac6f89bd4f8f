// Servers on loopback for tests of TLS clients, each on its own thread,
// bound to port 0 (no port races), stopped by their destructors.
//
// TlsTestServer: HTTPS (HTTP/1.1) answering every request with one canned
// response and recording what arrived. With `client_ca_file` it requires a
// client certificate signed by that CA, as the collector does. Connections
// are kept alive and counted, so a test can tell reuse from reconnects.
//
// ConnectProxy: an HTTP CONNECT proxy that relays the tunnel and records
// the targets it was asked for.
//
//   TlsTestServer server({.cert_file = pki + "/collector.pem",
//                         .key_file = pki + "/collector.key", .client_ca_file = pki + "/ca.pem"});
//   server.respond({.status = 200, .content_type = "text/plain", .body = "ok"});
//   ... POST server.url() + "/v1/batches" ...
//   CHECK(server.requests().at(0).body == frame);
//   CHECK(server.connections() == 1);
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace yagura::testing {

struct TestRequest {
  std::string method;
  std::string target;                          // "/v1/batches"
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string client_common_name;  // of the client certificate; empty without one
};

struct TestResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
  bool close = false;  // "Connection: close", and the server closes it
};

class TlsTestServer {
 public:
  struct Options {
    std::string cert_file;       // the server's certificate chain, PEM
    std::string key_file;        // its key, PEM
    std::string client_ca_file;  // empty: no client certificate asked for
    std::string address = "127.0.0.1";
    bool tls1_1_only = false;  // offers TLS 1.1 and nothing newer
    bool silent = false;       // reads requests but never answers
  };

  // Throws when the certificate, key or CA cannot be loaded.
  explicit TlsTestServer(const Options& options);
  ~TlsTestServer();
  TlsTestServer(const TlsTestServer&) = delete;
  TlsTestServer& operator=(const TlsTestServer&) = delete;

  std::string url() const;  // "https://<address>:<port>"
  uint16_t port() const;
  // The answer to every request from now on (default: 200, empty body).
  void respond(TestResponse response);
  std::vector<TestRequest> requests() const;  // complete requests, in order
  int connections() const;                    // TCP connections accepted

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class ConnectProxy {
 public:
  ConnectProxy();
  ~ConnectProxy();
  ConnectProxy(const ConnectProxy&) = delete;
  ConnectProxy& operator=(const ConnectProxy&) = delete;

  std::string url() const;                   // "http://127.0.0.1:<port>"
  std::vector<std::string> targets() const;  // "host:port" of each CONNECT

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura::testing
