#include "policy/policy_signature.h"

namespace yagura::policy {

namespace {

constexpr std::string_view kFormatField = "yagura-policy-signature";
constexpr std::string_view kFormatVersion = "1";

// The next non-blank line of `text` from `pos`, without its line end and
// trailing blanks (mail clients add both); empty at the end.
std::string_view next_line(std::string_view text, size_t& pos, int& line_no) {
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (!line.empty()) return line;
  }
  return {};
}

// The value of the field `name` on the next line.
Result<std::string_view> expect_field(std::string_view text, size_t& pos, int& line_no,
                                      std::string_view name) {
  std::string_view line = next_line(text, pos, line_no);
  if (line.empty()) {
    return Error{"malformed signature file: ends before the '" + std::string(name) + "' field"};
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || line.substr(0, colon) != name) {
    return Error{"malformed signature file: line " + std::to_string(line_no) + ": expected '" +
                 std::string(name) + ": ...'"};
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  return value;
}

}  // namespace

Result<SignatureFile> parse_signature_file(std::string_view text) {
  size_t pos = 0;
  int line_no = 0;
  SignatureFile sig;

  auto format = expect_field(text, pos, line_no, kFormatField);
  if (!format) return format.error();
  if (*format != kFormatVersion) {
    return Error{"malformed signature file: format '" + std::string(*format) +
                 "' is not supported (this version reads " + std::string(kFormatVersion) + ")"};
  }

  auto key = expect_field(text, pos, line_no, "key");
  if (!key) return key.error();
  if (!is_fingerprint(*key)) {
    return Error{"malformed signature file: line " + std::to_string(line_no) +
                 ": key is not 64 lower-case hex digits"};
  }
  sig.key_fingerprint = std::string(*key);

  auto signature = expect_field(text, pos, line_no, "signature");
  if (!signature) return signature.error();
  if (!decode_signature_base64(*signature, sig.signature)) {
    return Error{"malformed signature file: line " + std::to_string(line_no) +
                 ": signature is not the base64 of 64 bytes"};
  }

  if (!next_line(text, pos, line_no).empty()) {
    return Error{"malformed signature file: line " + std::to_string(line_no) +
                 ": unexpected content after the signature"};
  }
  return sig;
}

std::string format_signature_file(const SignatureFile& sig) {
  return std::string(kFormatField) + ": " + std::string(kFormatVersion) + "\n" +
         "key: " + sig.key_fingerprint + "\n" + "signature: " + base64_encode(sig.signature) +
         "\n";
}

Result<std::string> sign_policy(std::string_view policy_bytes, const PrivateKey& key) {
  auto signature = sign_message(kPolicySignatureDomain, policy_bytes, key);
  if (!signature) return signature.error();
  return format_signature_file(SignatureFile{key.fingerprint(), *signature});
}

Result<std::string> verify_policy(std::string_view policy_bytes, std::string_view signature_text,
                                  std::span<const PublicKey> trusted) {
  auto sig = parse_signature_file(signature_text);
  if (!sig) return sig.error();
  return verify_policy(policy_bytes, *sig, trusted);
}

Result<std::string> verify_policy(std::string_view policy_bytes, const SignatureFile& sig,
                                  std::span<const PublicKey> trusted) {
  if (trusted.empty()) return Error{"no trusted policy keys configured"};

  const PublicKey* key = nullptr;
  for (const PublicKey& k : trusted) {
    if (k.fingerprint() == sig.key_fingerprint) key = &k;
  }
  if (key == nullptr) {
    return Error{"signed by key " + sig.key_fingerprint + ", which is not trusted (" +
                 std::to_string(trusted.size()) + " trusted key" +
                 (trusted.size() == 1 ? "" : "s") + ")"};
  }
  if (!verify_message(kPolicySignatureDomain, policy_bytes, sig.signature, *key)) {
    return Error{"bad signature: the policy is not what key " + sig.key_fingerprint + " signed"};
  }
  return sig.key_fingerprint;
}

}  // namespace yagura::policy
