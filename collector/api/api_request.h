// The collector's HTTP API as plain values: the server (collector/server)
// terminates TLS, establishes who the peer is from its verified client
// certificate and turns each HTTP request into an ApiRequest; a handler
// answers it with an ApiResponse. Everything behind this line is testable
// without sockets.
#pragma once

#include <string>

namespace yagura::collector {

struct ApiRequest {
  std::string method;  // "GET", "POST"
  std::string target;  // path and query: "/v1/policy?version=3"
  // The common name of the client certificate the TLS handshake verified
  // against the configured CA; never empty (the server answers 401 itself
  // when a verified certificate carries no common name).
  std::string peer;
  std::string content_type;
  std::string content_encoding;
  std::string body;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;  // for errors, one line saying what was wrong
};

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // Called from several server threads at once.
  virtual ApiResponse handle(const ApiRequest& request) = 0;
};

}  // namespace yagura::collector
