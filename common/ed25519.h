// Ed25519 keys and signatures: the one signing scheme Yagura uses, for
// policies (policy/policy_signature.h) and incident dumps (dump/).
//
// Keys are PEM files: the private key PKCS#8 ("BEGIN PRIVATE KEY"), the
// public key SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), what `openssl
// genpkey -algorithm ed25519` and `openssl pkey -pubout` also produce. Only
// Ed25519 keys load; an RSA or EC key is refused when loaded, not later when
// a signature fails to verify. A key is named by its fingerprint: the
// lower-case hex SHA-256 of its DER SubjectPublicKeyInfo (of the public
// half, for a private key, so both halves of a pair share it).
//
// Every signed message starts with a domain, a prefix naming what is signed
// ("yagura policy v1\n", "yagura dump v1\n"): a signature the same key makes
// over one kind of artifact never verifies as another kind.
//
//   auto key = load_private_key("/var/lib/yagura/dump.key");
//   auto sig = sign_message("yagura dump v1\n", manifest_line, *key);
//   auto pub = PublicKey::from_pem(pem, "dump");
//   bool good = verify_message("yagura dump v1\n", manifest_line, *sig, *pub);
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

using Ed25519Signature = std::array<uint8_t, 64>;

// An Ed25519 public key and its fingerprint.
class PublicKey {
 public:
  // `origin` (a path, "generated") names the key in error messages.
  static Result<PublicKey> from_pem(std::string_view pem, std::string_view origin);

  const std::string& fingerprint() const { return fingerprint_; }
  EVP_PKEY* get() const { return key_.get(); }  // still owned here
  // The key as OpenSSL writes it: one spelling per key, so a caller can
  // require the PEM it was given to be exactly this.
  Result<std::string> to_pem() const;

 private:
  PublicKey(PkeyPtr key, std::string fingerprint)
      : key_(std::move(key)), fingerprint_(std::move(fingerprint)) {}
  PkeyPtr key_;
  std::string fingerprint_;
};

// An Ed25519 private key; fingerprint() is that of its public key.
class PrivateKey {
 public:
  // Unencrypted PKCS#8 only: an encrypted key is refused rather than
  // prompting for a passphrase on a terminal that may not be there.
  static Result<PrivateKey> from_pem(std::string_view pem, std::string_view origin);

  const std::string& fingerprint() const { return fingerprint_; }
  EVP_PKEY* get() const { return key_.get(); }  // still owned here
  Result<std::string> public_pem() const;       // its public half, as PublicKey::to_pem

 private:
  PrivateKey(PkeyPtr key, std::string fingerprint)
      : key_(std::move(key)), fingerprint_(std::move(fingerprint)) {}
  PkeyPtr key_;
  std::string fingerprint_;
};

// A fresh key pair, both halves as PEM text.
struct GeneratedKeyPair {
  std::string private_pem;  // PKCS#8
  std::string public_pem;   // SubjectPublicKeyInfo
  std::string fingerprint;
};
Result<GeneratedKeyPair> generate_key_pair();

// Reads a public key file; refuses a key that is not Ed25519.
Result<PublicKey> load_public_key(const std::string& path);

// Reads a private key file. Refuses a file that group or others can read
// or write (as ssh does): a key that leaked to other accounts signs for its
// owner, and a warning is easy to miss. `chmod 600` fixes it.
Result<PrivateKey> load_private_key(const std::string& path);

// 64 lower-case hex digits.
bool is_fingerprint(std::string_view text);

// Signs `domain` followed by `message`.
Result<Ed25519Signature> sign_message(std::string_view domain, std::string_view message,
                                      const PrivateKey& key);
// Whether `signature` is `key`'s over `domain` followed by `message`.
bool verify_message(std::string_view domain, std::string_view message,
                    const Ed25519Signature& signature, const PublicKey& key);

// Standard base64 with padding, no line breaks.
std::string base64_encode(std::span<const uint8_t> data);
// Decodes exactly one signature from its canonical base64 (88 characters);
// false for any other spelling, so a signature has one text form.
bool decode_signature_base64(std::string_view text, Ed25519Signature& out);

}  // namespace yagura
