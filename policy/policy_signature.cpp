#include "policy/policy_signature.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "common/unique_fd.h"

namespace yagura::policy {

void PkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

constexpr std::string_view kFormatField = "yagura-policy-signature";
constexpr std::string_view kFormatVersion = "1";
constexpr size_t kSignatureBytes = 64;
// Base64 of 64 bytes: 22 groups of 4, the last one padded with "==".
constexpr size_t kSignatureBase64Chars = 88;
// A PEM key is a few hundred bytes; the cap keeps a wrong path (a device,
// a huge file) from being read whole.
constexpr off_t kMaxKeyFileBytes = 64 * 1024;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct OpenSslFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// The newest reason on OpenSSL's error queue, which it empties so that a
// stale entry never explains a later, unrelated failure.
std::string openssl_error() {
  unsigned long last = 0;
  for (unsigned long e; (e = ERR_get_error()) != 0;) last = e;
  if (last == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(last, buf, sizeof(buf));
  return buf;
}

std::string to_hex(const unsigned char* data, size_t len) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (size_t i = 0; i < len; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0xf]);
  }
  return out;
}

bool is_fingerprint(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// SHA-256 of the DER SubjectPublicKeyInfo; for a private key, of its
// public half, so both halves of a pair share one fingerprint.
Result<std::string> fingerprint_of(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return Error{"cannot encode public key: " + openssl_error()};
  std::unique_ptr<unsigned char, OpenSslFree> owned(der);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr) != 1) {
    return Error{"cannot hash public key: " + openssl_error()};
  }
  return to_hex(md, md_len);
}

// Refuses anything but Ed25519, naming what was found instead.
Status require_ed25519(EVP_PKEY* key, std::string_view origin) {
  if (EVP_PKEY_get_id(key) == EVP_PKEY_ED25519) return ok_status();
  const char* type = EVP_PKEY_get0_type_name(key);
  return Error{std::string(origin) + ": key type " + (type ? type : "unknown") +
               "; policy keys must be Ed25519"};
}

// A read-only BIO over `pem`. The size cap also keeps the length within
// BIO_new_mem_buf's int.
Result<BioPtr> pem_bio(std::string_view pem, std::string_view origin) {
  if (pem.size() > static_cast<size_t>(kMaxKeyFileBytes)) {
    return Error{std::string(origin) + ": too large for a key file"};
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{"out of memory"};
  return bio;
}

Result<std::string> bio_contents(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  if (len < 0) return Error{"cannot read PEM buffer"};
  return std::string(data, static_cast<size_t>(len));
}

// Reads a small file whole; `mode` receives its permission bits, taken
// from the descriptor that was read (no check-then-open race).
Result<std::string> read_key_file(const std::string& path, mode_t* mode) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno(path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::from_errno(path);
  if (!S_ISREG(st.st_mode)) return Error{path + ": not a regular file"};
  if (st.st_size > kMaxKeyFileBytes) return Error{path + ": too large for a key file"};
  *mode = st.st_mode;
  std::string text(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::from_errno(path);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  return text;
}

// OpenSSL's default would prompt on the terminal for an encrypted key;
// refusing keeps sign and verify non-interactive.
int no_passphrase(char*, int, int, void*) { return -1; }

std::string base64_encode(const uint8_t* data, size_t len) {
  std::string out(4 * ((len + 2) / 3), '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Decodes exactly one 64-byte signature. EVP_DecodeBlock alone is lax
// (whitespace, padding counted as zero bytes); re-encoding and comparing
// accepts only the one canonical spelling.
bool decode_signature(std::string_view text, std::array<uint8_t, 64>& out) {
  if (text.size() != kSignatureBase64Chars) return false;
  unsigned char buf[kSignatureBase64Chars];
  int n = EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < static_cast<int>(kSignatureBytes)) return false;
  std::copy(buf, buf + kSignatureBytes, out.begin());
  return base64_encode(out.data(), out.size()) == text;
}

std::string signed_message(std::string_view policy_bytes) {
  std::string msg;
  msg.reserve(kPolicySignatureDomain.size() + policy_bytes.size());
  msg.append(kPolicySignatureDomain);
  msg.append(policy_bytes);
  return msg;
}

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

Result<PublicKey> PublicKey::from_pem(std::string_view pem, std::string_view origin) {
  auto bio = pem_bio(pem, origin);
  if (!bio) return bio.error();
  PkeyPtr key(PEM_read_bio_PUBKEY(bio->get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    openssl_error();
    return Error{std::string(origin) + ": no PEM public key (\"BEGIN PUBLIC KEY\") found"};
  }
  if (Status s = require_ed25519(key.get(), origin); !s) return s.error();
  auto fp = fingerprint_of(key.get());
  if (!fp) return Error{std::string(origin) + ": " + fp.error().message};
  return PublicKey(std::move(key), std::move(*fp));
}

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view origin) {
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos) {
    return Error{std::string(origin) +
                 ": an encrypted private key; yaguractl reads unencrypted PKCS#8 only"};
  }
  auto bio = pem_bio(pem, origin);
  if (!bio) return bio.error();
  PkeyPtr key(PEM_read_bio_PrivateKey(bio->get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    openssl_error();
    return Error{std::string(origin) + ": no PEM private key (\"BEGIN PRIVATE KEY\") found"};
  }
  if (Status s = require_ed25519(key.get(), origin); !s) return s.error();
  auto fp = fingerprint_of(key.get());
  if (!fp) return Error{std::string(origin) + ": " + fp.error().message};
  return PrivateKey(std::move(key), std::move(*fp));
}

Result<GeneratedKeyPair> generate_key_pair() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Error{"cannot generate an Ed25519 key: " + openssl_error()};

  BioPtr priv(BIO_new(BIO_s_mem()));
  BioPtr pub(BIO_new(BIO_s_mem()));
  if (!priv || !pub) return Error{"out of memory"};
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY").
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    return Error{"cannot encode the key pair: " + openssl_error()};
  }
  auto priv_pem = bio_contents(priv.get());
  if (!priv_pem) return priv_pem.error();
  auto pub_pem = bio_contents(pub.get());
  if (!pub_pem) return pub_pem.error();
  auto fp = fingerprint_of(key.get());
  if (!fp) return fp.error();
  return GeneratedKeyPair{std::move(*priv_pem), std::move(*pub_pem), std::move(*fp)};
}

Result<PublicKey> load_public_key(const std::string& path) {
  mode_t mode = 0;
  auto text = read_key_file(path, &mode);
  if (!text) return text.error();
  return PublicKey::from_pem(*text, path);
}

Result<PrivateKey> load_private_key(const std::string& path) {
  mode_t mode = 0;
  auto text = read_key_file(path, &mode);
  if (!text) return text.error();
  if ((mode & (S_IRWXG | S_IRWXO)) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", static_cast<unsigned>(mode & 07777));
    return Error{path + ": private key is accessible by group or others (mode " + octal +
                 "); chmod 600 it"};
  }
  return PrivateKey::from_pem(*text, path);
}

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
  if (!decode_signature(*signature, sig.signature)) {
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
         "key: " + sig.key_fingerprint + "\n" +
         "signature: " + base64_encode(sig.signature.data(), sig.signature.size()) + "\n";
}

Result<std::string> sign_policy(std::string_view policy_bytes, const PrivateKey& key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Error{"out of memory"};
  const std::string msg = signed_message(policy_bytes);
  SignatureFile sig;
  sig.key_fingerprint = key.fingerprint();
  size_t len = sig.signature.size();
  // Ed25519 hashes internally (PureEdDSA): no digest is named, and the
  // message goes through the one-shot call, the only one it supports.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.signature.data(), &len,
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1 ||
      len != kSignatureBytes) {
    return Error{"cannot sign: " + openssl_error()};
  }
  return format_signature_file(sig);
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

  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Error{"out of memory"};
  const std::string msg = signed_message(policy_bytes);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1) {
    return Error{"cannot verify: " + openssl_error()};
  }
  int rc = EVP_DigestVerify(ctx.get(), sig.signature.data(), sig.signature.size(),
                            reinterpret_cast<const unsigned char*>(msg.data()), msg.size());
  if (rc != 1) {
    openssl_error();
    return Error{"bad signature: the policy is not what key " + sig.key_fingerprint + " signed"};
  }
  return sig.key_fingerprint;
}

}  // namespace yagura::policy
