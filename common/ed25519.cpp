#include "common/ed25519.h"

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

namespace yagura {

void PkeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

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
               "; signing keys must be Ed25519"};
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

Result<std::string> public_pem_of(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return Error{"out of memory"};
  if (PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return Error{"cannot encode the public key: " + openssl_error()};
  }
  return bio_contents(bio.get());
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

std::string domain_message(std::string_view domain, std::string_view message) {
  std::string msg;
  msg.reserve(domain.size() + message.size());
  msg.append(domain);
  msg.append(message);
  return msg;
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

Result<std::string> PublicKey::to_pem() const { return public_pem_of(key_.get()); }

Result<PrivateKey> PrivateKey::from_pem(std::string_view pem, std::string_view origin) {
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos) {
    return Error{std::string(origin) +
                 ": an encrypted private key; only unencrypted PKCS#8 is read"};
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

Result<std::string> PrivateKey::public_pem() const { return public_pem_of(key_.get()); }

Result<GeneratedKeyPair> generate_key_pair() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return Error{"cannot generate an Ed25519 key: " + openssl_error()};

  BioPtr priv(BIO_new(BIO_s_mem()));
  if (!priv) return Error{"out of memory"};
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY").
  if (PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Error{"cannot encode the key pair: " + openssl_error()};
  }
  auto priv_pem = bio_contents(priv.get());
  if (!priv_pem) return priv_pem.error();
  auto pub_pem = public_pem_of(key.get());
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

bool is_fingerprint(std::string_view text) {
  if (text.size() != 64) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<Ed25519Signature> sign_message(std::string_view domain, std::string_view message,
                                      const PrivateKey& key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return Error{"out of memory"};
  const std::string msg = domain_message(domain, message);
  Ed25519Signature sig{};
  size_t len = sig.size();
  // Ed25519 hashes internally (PureEdDSA): no digest is named, and the
  // message goes through the one-shot call, the only one it supports.
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) != 1 ||
      len != sig.size()) {
    return Error{"cannot sign: " + openssl_error()};
  }
  return sig;
}

bool verify_message(std::string_view domain, std::string_view message,
                    const Ed25519Signature& signature, const PublicKey& key) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  const std::string msg = domain_message(domain, message);
  bool good = EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
              EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                               reinterpret_cast<const unsigned char*>(msg.data()), msg.size()) == 1;
  if (!good) openssl_error();  // drop the reason: the answer is just "no"
  return good;
}

std::string base64_encode(std::span<const uint8_t> data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// EVP_DecodeBlock alone is lax (whitespace, padding counted as zero
// bytes); re-encoding and comparing accepts only the one canonical spelling.
bool decode_signature_base64(std::string_view text, Ed25519Signature& out) {
  if (text.size() != kSignatureBase64Chars) return false;
  unsigned char buf[kSignatureBase64Chars];
  int n = EVP_DecodeBlock(buf, reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < static_cast<int>(out.size())) return false;
  Ed25519Signature decoded{};
  std::copy(buf, buf + decoded.size(), decoded.begin());
  if (base64_encode(decoded) != text) return false;
  out = decoded;
  return true;
}

}  // namespace yagura
