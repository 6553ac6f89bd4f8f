#include "policy/policy_signature.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"

using namespace yagura::policy;
namespace fs = std::filesystem;

using yagura::testing::TempDir;

namespace {

const std::string kPolicy = "name: baseline\nversion: 42\nrules:\n  - id: r1\n";

struct TestKeys {
  GeneratedKeyPair pair;
  PrivateKey priv;
  PublicKey pub;
};

TestKeys make_keys() {
  auto pair = generate_key_pair();
  REQUIRE(pair.ok());
  auto priv = PrivateKey::from_pem(pair->private_pem, "test.key");
  REQUIRE(priv.ok());
  auto pub = PublicKey::from_pem(pair->public_pem, "test.pub");
  REQUIRE(pub.ok());
  return TestKeys{*pair, std::move(*priv), std::move(*pub)};
}

// A fresh key of another algorithm, as PEM (public or private).
std::string foreign_pem(bool private_half, const char* algorithm) {
  EVP_PKEY* key = std::string(algorithm) == "EC"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  REQUIRE(key != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  int rc = private_half ? PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr)
                        : PEM_write_bio_PUBKEY(bio, key);
  REQUIRE(rc == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

// Signs `message` with OpenSSL directly, bypassing sign_policy's prefix.
SignatureFile raw_signature(const TestKeys& keys, const std::string& message) {
  SignatureFile sig;
  sig.key_fingerprint = keys.pub.fingerprint();
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = sig.signature.size();
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, keys.priv.get()) == 1);
  REQUIRE(EVP_DigestSign(ctx, sig.signature.data(), &len,
                         reinterpret_cast<const unsigned char*>(message.data()),
                         message.size()) == 1);
  EVP_MD_CTX_free(ctx);
  return sig;
}

std::string verify_error(const std::string& policy, const std::string& sig_text,
                         const std::vector<PublicKey>& trusted) {
  auto r = verify_policy(policy, sig_text, trusted);
  REQUIRE_FALSE(r.ok());
  return r.error().message;
}

}  // namespace

TEST_CASE("A signed policy verifies and names its key", "[signature]") {
  TestKeys keys = make_keys();
  CHECK(keys.priv.fingerprint() == keys.pair.fingerprint);
  CHECK(keys.pub.fingerprint() == keys.pair.fingerprint);
  CHECK(keys.pair.private_pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
  CHECK(keys.pair.public_pem.rfind("-----BEGIN PUBLIC KEY-----", 0) == 0);

  auto sig = sign_policy(kPolicy, keys.priv);
  REQUIRE(sig.ok());
  CHECK(sig->rfind("yagura-policy-signature: 1\nkey: " + keys.pair.fingerprint + "\nsignature: ",
                   0) == 0);
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(keys.pub));
  auto who = verify_policy(kPolicy, *sig, trusted);
  REQUIRE(who.ok());
  CHECK(*who == keys.pair.fingerprint);
}

TEST_CASE("The fingerprint is the SHA-256 of the DER public key", "[signature]") {
  TestKeys keys = make_keys();
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(keys.pub.get(), &der);
  REQUIRE(len > 0);
  unsigned char md[32];
  unsigned int md_len = 0;
  REQUIRE(EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr) == 1);
  OPENSSL_free(der);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < md_len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    hex += buf;
  }
  CHECK(keys.pub.fingerprint() == hex);
}

TEST_CASE("One changed policy byte fails verification", "[signature]") {
  TestKeys keys = make_keys();
  auto sig = sign_policy(kPolicy, keys.priv);
  REQUIRE(sig.ok());
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(keys.pub));
  std::string tampered = kPolicy;
  tampered[tampered.find("42")] = '3';
  CHECK_THAT(verify_error(tampered, *sig, trusted), Catch::Contains("bad signature"));
  CHECK_THAT(verify_error(kPolicy + "\n", *sig, trusted), Catch::Contains("bad signature"));
  CHECK_THAT(verify_error("\xef\xbb\xbf" + kPolicy, *sig, trusted),
             Catch::Contains("bad signature"));  // a BOM added by an editor
}

TEST_CASE("A changed signature byte fails verification", "[signature]") {
  TestKeys keys = make_keys();
  auto text = sign_policy(kPolicy, keys.priv);
  REQUIRE(text.ok());
  auto sig = parse_signature_file(*text);
  REQUIRE(sig.ok());
  sig->signature[10] ^= 0x01;
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(keys.pub));
  CHECK_THAT(verify_error(kPolicy, format_signature_file(*sig), trusted),
             Catch::Contains("bad signature"));
}

TEST_CASE("A signature by an untrusted key is refused by fingerprint", "[signature]") {
  TestKeys signer = make_keys();
  TestKeys other = make_keys();
  auto sig = sign_policy(kPolicy, signer.priv);
  REQUIRE(sig.ok());
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(other.pub));
  std::string err = verify_error(kPolicy, *sig, trusted);
  CHECK_THAT(err, Catch::Contains("signed by key " + signer.pair.fingerprint) &&
                      Catch::Contains("not trusted"));
  CHECK_THAT(verify_error(kPolicy, *sig, {}), Catch::Contains("no trusted policy keys"));
}

TEST_CASE("A signature claiming a trusted key but made by another fails", "[signature]") {
  TestKeys signer = make_keys();
  TestKeys trusted_keys = make_keys();
  auto text = sign_policy(kPolicy, signer.priv);
  REQUIRE(text.ok());
  auto sig = parse_signature_file(*text);
  REQUIRE(sig.ok());
  sig->key_fingerprint = trusted_keys.pub.fingerprint();
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(trusted_keys.pub));
  CHECK_THAT(verify_error(kPolicy, format_signature_file(*sig), trusted),
             Catch::Contains("bad signature"));
}

TEST_CASE("The right key is found among several trusted ones", "[signature]") {
  TestKeys a = make_keys(), b = make_keys();
  auto sig = sign_policy(kPolicy, b.priv);
  REQUIRE(sig.ok());
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(a.pub));
  trusted.push_back(std::move(b.pub));
  auto who = verify_policy(kPolicy, *sig, trusted);
  REQUIRE(who.ok());
  CHECK(*who == b.pair.fingerprint);
}

TEST_CASE("Domain separation: a signature over the bare bytes is not a policy signature",
          "[signature]") {
  TestKeys keys = make_keys();
  SignatureFile bare = raw_signature(keys, kPolicy);
  SignatureFile prefixed = raw_signature(keys, std::string(kPolicySignatureDomain) + kPolicy);
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(keys.pub));
  CHECK_THAT(verify_error(kPolicy, format_signature_file(bare), trusted),
             Catch::Contains("bad signature"));
  // The documented message, made by any Ed25519 signer, does verify.
  CHECK(verify_policy(kPolicy, format_signature_file(prefixed), trusted).ok());
}

TEST_CASE("Signature files survive email: CRLF, blank lines, trailing blanks", "[signature]") {
  TestKeys keys = make_keys();
  auto text = sign_policy(kPolicy, keys.priv);
  REQUIRE(text.ok());
  std::string mangled = "\r\n";
  for (char c : *text) mangled += (c == '\n') ? std::string(" \r\n") : std::string(1, c);
  mangled += "\r\n\r\n";
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(keys.pub));
  CHECK(verify_policy(kPolicy, mangled, trusted).ok());
}

TEST_CASE("Malformed signature files are refused as such", "[signature]") {
  TestKeys keys = make_keys();
  auto text = sign_policy(kPolicy, keys.priv);
  REQUIRE(text.ok());
  auto good = parse_signature_file(*text);
  REQUIRE(good.ok());
  const std::string fp = good->key_fingerprint;
  const std::string b64 = text->substr(text->find("\nsignature: ") + 12, 88);
  REQUIRE(format_signature_file(*good) == *text);

  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = *text;
    size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    return s.replace(at, from.size(), to);
  };
  // The last character before "==" carries 2 bits of the signature and 4
  // zero bits ('A', 'Q', 'g' or 'w'); the next letter sets one of the zeros.
  std::string non_canonical = b64;
  ++non_canonical[85];

  const std::vector<std::string> bad = {
      "",
      "not a signature\n",
      "key: " + fp + "\nsignature: " + b64 + "\n",                          // no format line
      replace("yagura-policy-signature: 1", "yagura-policy-signature: 2"),  // unknown format
      replace("key: " + fp, "key: " + fp.substr(0, 63)),                    // short fingerprint
      replace(fp, std::string(64, 'A')),                                    // upper-case hex
      replace(fp, std::string(64, 'g')),                                    // not hex
      replace("signature: " + b64, "signature: " + b64.substr(0, 84) + "===="),
      replace("signature: " + b64, "signature: " + b64.substr(0, 86)),          // 63 bytes
      replace("signature: " + b64, "signature: !" + b64.substr(1)),             // not base64
      replace(b64, non_canonical),                                              // not canonical
      "yagura-policy-signature: 1\nsignature: " + b64 + "\nkey: " + fp + "\n",  // reordered
      *text + "key: " + fp + "\n",                                              // repeated field
      *text + "comment: hello\n",                                               // trailing content
      replace("signature: " + b64 + "\n", ""),                                  // truncated
  };
  std::vector<PublicKey> trusted;
  trusted.push_back(std::move(keys.pub));
  for (const std::string& s : bad) {
    INFO(s);
    CHECK_FALSE(parse_signature_file(s).ok());
    CHECK_THAT(verify_error(kPolicy, s, trusted), Catch::Contains("malformed signature file"));
  }
}

TEST_CASE("Keys that are not Ed25519 are refused when loaded", "[signature]") {
  for (const char* algorithm : {"RSA", "EC"}) {
    INFO(algorithm);
    auto pub = PublicKey::from_pem(foreign_pem(false, algorithm), "other.pub");
    REQUIRE_FALSE(pub.ok());
    CHECK_THAT(pub.error().message, Catch::StartsWith("other.pub: key type ") &&
                                        Catch::Contains(algorithm) &&
                                        Catch::Contains("must be Ed25519"));
    auto priv = PrivateKey::from_pem(foreign_pem(true, algorithm), "other.key");
    REQUIRE_FALSE(priv.ok());
    CHECK_THAT(priv.error().message, Catch::Contains("must be Ed25519"));
  }
}

TEST_CASE("Key PEM of the wrong kind or encrypted is refused", "[signature]") {
  TestKeys keys = make_keys();
  auto as_pub = PublicKey::from_pem(keys.pair.private_pem, "swapped.pub");
  REQUIRE_FALSE(as_pub.ok());
  CHECK_THAT(as_pub.error().message, Catch::Contains("swapped.pub: no PEM public key"));
  CHECK_FALSE(PrivateKey::from_pem("garbage", "x.key").ok());

  BIO* bio = BIO_new(BIO_s_mem());
  char pass[] = "secret";
  REQUIRE(PEM_write_bio_PKCS8PrivateKey(bio, keys.priv.get(), EVP_aes_256_cbc(), pass, 6, nullptr,
                                        nullptr) == 1);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string encrypted(data, static_cast<size_t>(len));
  BIO_free(bio);
  auto priv = PrivateKey::from_pem(encrypted, "enc.key");
  REQUIRE_FALSE(priv.ok());
  CHECK_THAT(priv.error().message, Catch::Contains("encrypted"));
}

TEST_CASE("Key files: a private key open to group or others is refused", "[signature]") {
  TestKeys keys = make_keys();
  TempDir dir;
  std::string key_600 = dir.write("a.key", keys.pair.private_pem, 0600);
  std::string key_640 = dir.write("b.key", keys.pair.private_pem, 0640);
  std::string key_604 = dir.write("c.key", keys.pair.private_pem, 0604);
  std::string pub_644 = dir.write("a.pub", keys.pair.public_pem, 0644);

  auto priv = load_private_key(key_600);
  REQUIRE(priv.ok());
  CHECK(priv->fingerprint() == keys.pair.fingerprint);
  for (const std::string& path : {key_640, key_604}) {
    auto r = load_private_key(path);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::StartsWith(path) && Catch::Contains("chmod 600"));
  }
  auto pub = load_public_key(pub_644);
  REQUIRE(pub.ok());
  CHECK(pub->fingerprint() == keys.pair.fingerprint);

  auto missing = load_public_key(dir.path + "/missing.pub");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message, Catch::Contains("missing.pub"));
  CHECK_FALSE(load_public_key(dir.path).ok());  // a directory
}
