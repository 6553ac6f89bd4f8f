// An HTTPS client for talking to the collector, on libcurl (OpenSSL): mutual
// TLS (the client certificate and key are presented; the server is verified
// against `ca_file` alone, never the system store, and its host name,
// optionally also against a pinned public key), TLS 1.2 or newer only,
// HTTP/1.1, no redirects followed. Routing follows the configuration only:
// the configured proxy or none; http(s)_proxy, all_proxy and no_proxy in
// the environment are ignored. One connection is kept alive and reused
// between requests. Not thread-safe: one client per thread.
//
//   auto client = HttpsClient::create({.base_url = "https://collector:8443",
//                                      .ca_file = "ca.pem", .cert_file = "sensor.pem",
//                                      .key_file = "sensor.key"});
//   auto r = (*client)->post("/v1/batches", frame, "application/x-protobuf", "zstd");
//   if (!r) retry_later(r.error().message);        // no answer: network, TLS
//   else if (r->status == 200) ack(r->body);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura {

struct HttpsClientOptions {
  std::string base_url;   // "https://host:port"; requests append their path
  std::string ca_file;    // trusted CA(s) for the server certificate, PEM
  std::string cert_file;  // client certificate (PEM), may hold the chain
  std::string key_file;   // its private key (PEM)
  // curl's pin syntax "sha256//<base64>[;sha256//...]": the server's public
  // key must also match one. Empty: CA verification only.
  std::string pinned_public_key;
  // "http://proxy:3128": requests go through a CONNECT tunnel, TLS to the
  // collector inside it. Empty: direct.
  std::string proxy;
  std::chrono::milliseconds connect_timeout{10'000};
  // The whole request, upload and answer included: with a bandwidth cap,
  // it must leave time for the largest body to go out at that rate.
  std::chrono::milliseconds request_timeout{60'000};
  uint64_t max_send_bytes_per_second = 0;  // 0: unlimited
};

struct HttpResponse {
  long status = 0;
  std::string content_type;
  std::string body;
};

class HttpsClient {
 public:
  // Fails when a file cannot be read or curl cannot be set up; nothing is
  // connected until the first request.
  static Result<std::unique_ptr<HttpsClient>> create(const HttpsClientOptions& options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // An error when no HTTP answer came (connection, TLS, timeout) or its body
  // exceeds 64 MiB; any status, 4xx and 5xx included, is a response. Errors
  // name the method and URL and carry curl's message.
  Result<HttpResponse> post(std::string_view path, std::string_view body,
                            std::string_view content_type, std::string_view content_encoding = {});
  Result<HttpResponse> get(std::string_view path);

  // Request body bytes put on the wire since create, failed attempts
  // included (what the bandwidth cap and the link actually carried).
  uint64_t bytes_sent() const;

 private:
  struct Impl;
  explicit HttpsClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura
