// The sensor's dump signing key: an Ed25519 key of its own, created on
// first use, so that every dump it writes can be traced to it. Its
// fingerprint is what a CSIRT compares with the key the sensor registered
// (PrivateKey::public_pem() gives the half to register).
//
//   auto key = load_or_create_dump_key("/var/lib/yagura/dump.key");
//   if (!key) return key.error();
//   log("dump key " + key->fingerprint());
#pragma once

#include <string>

#include "common/ed25519.h"
#include "common/result.h"

namespace yagura::dump {

// Loads the key at `path`, or, when there is no file there, creates one
// (PKCS#8 PEM, mode 0600, written durably: a crash leaves no half key) and
// loads that. Refuses a key file group or others can read or write, and
// one that is not an Ed25519 key. The directory must exist.
Result<PrivateKey> load_or_create_dump_key(const std::string& path);

}  // namespace yagura::dump
