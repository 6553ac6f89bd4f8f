// Who is on the other end of a mutual-TLS connection: the common name of
// the client certificate the handshake verified. It is the sensor_id a
// sensor may send batches as, or the name an administrator is listed under,
// so it must be unambiguous: a subject with no common name, more than one,
// an empty one or one with control characters identifies no one.
//
//   auto peer = verified_peer_name(stream.native_handle());
//   if (!peer) answer(401, peer.error().message);
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <string>

#include "common/result.h"

namespace yagura::collector {

// The single common name in cert's subject.
Result<std::string> certificate_common_name(X509* cert);

// The common name of the peer's certificate, once the handshake verified it.
Result<std::string> verified_peer_name(SSL* ssl);

}  // namespace yagura::collector
