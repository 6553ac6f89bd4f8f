#include "collector/server/tls_server_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <fstream>

namespace yagura::collector {
namespace {

// OpenSSL's reason for the last failure, e.g. "PEM routines::no start line".
std::string openssl_reason() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

// Checked first so that a missing file is reported as such, with errno.
Status readable(const char* what, const std::string& path) {
  if (path.empty()) return Error{std::string(what) + " is not set"};
  if (!std::ifstream(path)) return Error::from_errno(std::string(what) + ": cannot read " + path);
  return ok_status();
}

// The context id under which sessions are cached: OpenSSL refuses to resume
// a session on a server that verifies clients unless it is set.
constexpr unsigned char kSessionIdContext[] = "yagura-collector";

}  // namespace

Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_server_context(const TlsFiles& files) {
  for (auto [what, path] : {std::pair{"tls.cert", &files.cert}, std::pair{"tls.key", &files.key},
                            std::pair{"tls.client_ca", &files.client_ca}})
    if (Status s = readable(what, *path); !s) return s.error();

  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::no_compression | ssl::context::single_dh_use);
  // Client-initiated renegotiation costs the server a handshake per request.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // The ciphers are OpenSSL's defaults; the floor is set explicitly.
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1)
    return Error{"tls: cannot require TLS 1.2: " + openssl_reason()};

  if (SSL_CTX_use_certificate_chain_file(native, files.cert.c_str()) != 1)
    return Error{"tls.cert: " + files.cert + ": " + openssl_reason()};
  // Also checks that the key is the certificate's.
  if (SSL_CTX_use_PrivateKey_file(native, files.key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      return Error{"tls.key: " + files.key + " is not the key of " + files.cert};
    }
    return Error{"tls.key: " + files.key + ": " + openssl_reason()};
  }

  if (SSL_CTX_load_verify_locations(native, files.client_ca.c_str(), nullptr) != 1)
    return Error{"tls.client_ca: " + files.client_ca + ": " + openssl_reason()};
  // Named in the certificate request, so that a client holding several
  // certificates picks the one this CA signed.
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.client_ca.c_str());
  if (!names) return Error{"tls.client_ca: " + files.client_ca + ": " + openssl_reason()};
  SSL_CTX_set_client_CA_list(native, names);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_session_id_context(native, kSessionIdContext, sizeof(kSessionIdContext) - 1);
  return ctx;
}

}  // namespace yagura::collector
