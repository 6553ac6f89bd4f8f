// The collector's HTTPS front: mutual TLS (tls_server_context.h), HTTP/1.1
// with keep-alive, and a pool of threads. Each request becomes an
// ApiRequest whose peer is the common name of the client certificate the
// handshake verified (peer_identity.h); the RequestHandler's answer is
// written back. Everything a client controls is bounded: connections,
// header and body size, and the time each step may take.
//
// The handler runs on the I/O threads and may block (a batch waits for its
// SQLite commit): while `threads` handlers are busy, the other connections
// wait for a thread, so a single slow commit never stalls them all when
// threads > 1.
//
//   HttpsServerOptions options{.port = 0, .tls = {cert, key, ca}};
//   auto server = HttpsServer::start(options, api);
//   if (!server) die(server.error().message);
//   connect_to((*server)->port());
//   (*server)->stop();  // requests in flight are answered first
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "collector/api/api_request.h"
#include "collector/server/tls_server_context.h"
#include "common/result.h"

namespace yagura::collector {

struct ServerTimeouts {
  std::chrono::seconds handshake{10};  // TCP accept to the end of the TLS handshake
  std::chrono::seconds header{10};     // a request's first byte to the end of its header
  std::chrono::seconds transfer{30};   // a body or a response that makes no progress
  std::chrono::seconds idle{120};      // a kept-alive connection between requests
  std::chrono::seconds stop{10};       // stop(): the longest wait for requests in flight
};

struct HttpsServerOptions {
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 address; "0.0.0.0" for all
  uint16_t port = 8443;               // 0: any free port (see port())
  TlsFiles tls;
  uint64_t max_body_bytes = 16u << 20;  // larger bodies are answered 413
  uint32_t max_connections = 1024;      // further connections are closed at once
  uint32_t threads = 4;
  ServerTimeouts timeouts;
  bool log_requests = false;  // one line per request on stderr
};

// Totals since start. Errors a client causes are counted, not logged (a
// fleet's worth of log lines), except with log_requests.
struct ServerStats {
  uint64_t connections = 0;          // accepted and handed a session
  uint64_t connections_open = 0;     // now
  uint64_t connections_refused = 0;  // closed at once: max_connections were open
  uint64_t tls_failures = 0;         // handshakes that failed (no or foreign certificate, ...)
  uint64_t requests = 0;             // answered, by the handler or by the server
  uint64_t client_errors = 0;        // 4xx answers
  uint64_t server_errors = 0;        // 5xx answers
  uint64_t body_bytes = 0;           // request bodies received
  uint64_t aborted_at_stop = 0;      // connections stop() cut after timeouts.stop
};

class HttpsServer {
 public:
  // Loads the TLS files, listens, and starts the threads; handler must
  // outlive the server.
  static Result<std::unique_ptr<HttpsServer>> start(const HttpsServerOptions& options,
                                                    RequestHandler& handler);
  ~HttpsServer();  // stop()
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  uint16_t port() const;  // the bound port, also when options.port was 0

  // Stops accepting, closes idle connections, lets requests in flight be
  // answered (with "Connection: close") for up to timeouts.stop, cuts what
  // is left, and joins the threads. Idempotent.
  void stop();

  ServerStats stats() const;

 private:
  struct Impl;
  explicit HttpsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura::collector
