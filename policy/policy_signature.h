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
// Keys and the signing itself are common/ed25519.h; the names below stay
// usable as policy::PublicKey and so on.
//
//   auto key = load_private_key("csirt.key");
//   auto sig = sign_policy(policy_bytes, *key);            // the .sig text
//   auto pub = load_public_key("csirt.pub");
//   std::vector<PublicKey> trusted{std::move(*pub)};
//   auto who = verify_policy(policy_bytes, *sig, trusted);  // -> fingerprint
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "common/ed25519.h"
#include "common/result.h"

namespace yagura::policy {

// Prepended to the policy bytes before signing and verifying. Changing it
// invalidates every signature in the field: a new format gets a new prefix
// and a new "yagura-policy-signature" number.
inline constexpr std::string_view kPolicySignatureDomain = "yagura policy v1\n";

using yagura::GeneratedKeyPair;
using yagura::generate_key_pair;
using yagura::load_private_key;
using yagura::load_public_key;
using yagura::PkeyFree;
using yagura::PkeyPtr;
using yagura::PrivateKey;
using yagura::PublicKey;

// The parsed content of a signature file.
struct SignatureFile {
  std::string key_fingerprint;  // 64 lower-case hex digits
  Ed25519Signature signature{};
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
