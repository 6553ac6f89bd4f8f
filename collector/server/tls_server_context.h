// The collector's TLS settings in one place: TLS 1.2 or later, no
// compression or renegotiation, the server's certificate and key, and
// mandatory client certificates verified against one CA (mutual TLS). A
// client without a certificate, or with one the CA did not sign, fails the
// handshake before it can send a byte of HTTP.
//
//   auto tls = make_tls_server_context({.cert = "collector.pem",
//                                       .key = "collector.key",
//                                       .client_ca = "ca.pem"});
//   if (!tls) die(tls.error().message);  // names the file that is wrong
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/result.h"

namespace yagura::collector {

struct TlsFiles {
  std::string cert;       // PEM: the server certificate, then any intermediates
  std::string key;        // PEM: its private key
  std::string client_ca;  // PEM: the CA(s) that sign sensors' and admins' certificates
};

Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_server_context(const TlsFiles& files);

}  // namespace yagura::collector
