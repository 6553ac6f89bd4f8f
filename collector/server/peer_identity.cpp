#include "collector/server/peer_identity.h"

#include <openssl/crypto.h>
#include <openssl/objects.h>

namespace yagura::collector {

Result<std::string> certificate_common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  if (!subject) return Error{"client certificate has no subject"};
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return Error{"client certificate has no common name"};
  if (X509_NAME_get_index_by_NID(subject, NID_commonName, index) >= 0)
    return Error{"client certificate has more than one common name"};

  // Whatever string type the certificate used (PrintableString, BMP, ...).
  const ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return Error{"client certificate's common name is not valid text"};
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);

  if (name.empty()) return Error{"client certificate's common name is empty"};
  // Also catches an embedded NUL ("s1\0s2" must not pass for "s1").
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f)
      return Error{"client certificate's common name has control characters"};
  return name;
}

Result<std::string> verified_peer_name(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert) return Error{"no client certificate"};
  if (SSL_get_verify_result(ssl) != X509_V_OK) return Error{"client certificate not verified"};
  return certificate_common_name(cert);
}

}  // namespace yagura::collector
