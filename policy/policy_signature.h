// Ed25519 signatures over policy files.
//
// The CSIRT signs a policy on a workstation, with a private key that never
// has to be on a server, and every sensor verifies it against the public
// keys it trusts. The signature is a detached text file, so it survives
// copy/paste and email:
//
//   yagura-policy-signature: 1
//   key: <lower-case hex SHA-256 of the signer's public key, DER SubjectPublicKeyInfo>
//   signature: <base64 of the 64-byte Ed25519 signature>
//
// The signed message is kPolicySignatureDomain followed by the exact bytes
// of the policy file (no normalisation: one changed byte, newline or BOM
// fails). The prefix separates domains: a signature the same key makes
// over anything else (a forensic dump, a future artifact with its own
// prefix) never verifies as a policy signature.
//
// Keys are PEM files: the private key PKCS#8 ("BEGIN PRIVATE KEY"), the
// public key SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), what `openssl
// genpkey -algorithm ed25519` and `openssl pkey -pubout` also produce. Only
// Ed25519 keys load; an RSA or EC key is refused when loaded, not later
// when a signature fails to verify.
//
//   auto key = load_private_key("csirt.key");
//   auto sig = sign_policy(policy_bytes, *key);            // the .sig text
//   auto pub = load_public_key("csirt.pub");
//   std::vector<PublicKey> trusted{std::move(*pub)};
//   auto who = verify_policy(policy_bytes, *sig, trusted);  // -> fingerprint
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::policy {

// Prepended to the policy bytes before signing and verifying. Changing it
// invalidates every signature in the field: a new format gets a new prefix
// and a new "yagura-policy-signature" number.
inline constexpr std::string_view kPolicySignatureDomain = "yagura policy v1\n";

struct PkeyFree {
  void operator()(EVP_PKEY* key) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A trusted Ed25519 public key and its fingerprint.
class PublicKey {
 public:
  // `origin` (a path, "generated") names the key in error messages.
  static Result<PublicKey> from_pem(std::string_view pem, std::string_view origin);

  const std::string& fingerprint() const { return fingerprint_; }
  EVP_PKEY* get() const { return key_.get(); }  // still owned here

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
// or write (as ssh does): a policy key that leaked to other accounts can
// sign for every sensor, and a warning on a workstation is easy to miss.
// `chmod 600` fixes it.
Result<PrivateKey> load_private_key(const std::string& path);

// The parsed content of a signature file.
struct SignatureFile {
  std::string key_fingerprint;  // 64 lower-case hex digits
  std::array<uint8_t, 64> signature{};
};

// Strict: the three fields, each once, in that order; CRLF line ends and
// blank lines are tolerated (email), anything else is an error.
Result<SignatureFile> parse_signature_file(std::string_view text);
std::string format_signature_file(const SignatureFile& sig);

// The signature file text for `policy_bytes`.
Result<std::string> sign_policy(std::string_view policy_bytes, const PrivateKey& key);

// Checks a signature over `policy_bytes` against the trusted keys and
// returns the fingerprint of the key that verified. Errors say which check
// failed: malformed signature file, key not trusted, bad signature.
Result<std::string> verify_policy(std::string_view policy_bytes, std::string_view signature_text,
                                  std::span<const PublicKey> trusted);
// The same for a signature file already parsed (a caller that reports
// parse errors against the signature file and the rest against the policy).
Result<std::string> verify_policy(std::string_view policy_bytes, const SignatureFile& sig,
                                  std::span<const PublicKey> trusted);

}  // namespace yagura::policy
