#include "ctl/policy_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <vector>

#include "common/durable_file.h"
#include "common/read_file.h"
#include "common/unique_fd.h"
#include "policy/policy_signature.h"

namespace yagura::ctl {

namespace {

constexpr std::string_view kSignatureSuffix = ".sig";

int refuse(const std::string& message) {
  std::fprintf(stderr, "yaguractl: %s\n", message.c_str());
  return kExitRefused;
}

// Writes `text` to `path`, creating it with `mode` (less the umask).
// With `exclusive` an existing file is an error, never overwritten.
Status write_file(const std::string& path, const std::string& text, mode_t mode, bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  UniqueFd fd(::open(path.c_str(), flags, mode));
  if (!fd.valid()) {
    if (errno == EEXIST) return Error{path + ": already exists; refusing to overwrite it"};
    return Error::from_errno(path);
  }
  if (Status s = write_all(fd.get(), text, path); !s) return s;
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) return Error::from_errno(path);
  return ok_status();
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

int policy_keygen(const ParsedArgs& args) {
  const std::string prefix = *args.value("out");
  const std::string key_path = prefix + ".key", pub_path = prefix + ".pub";
  // Checked up front so that an existing .pub does not leave a new,
  // orphaned .key behind; O_EXCL below still closes the race.
  for (const std::string& path : {key_path, pub_path}) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0) {
      return refuse(path + ": already exists; refusing to overwrite it");
    }
  }
  auto pair = policy::generate_key_pair();
  if (!pair) return refuse(pair.error().message);
  if (Status s = write_file(key_path, pair->private_pem, 0600, true); !s) {
    return refuse(s.error().message);
  }
  if (Status s = write_file(pub_path, pair->public_pem, 0644, true); !s) {
    ::unlink(key_path.c_str());  // ours: created just above
    return refuse(s.error().message);
  }
  std::printf("wrote %s (private: keep it off the sensors) and %s\nkey fingerprint %s\n",
              key_path.c_str(), pub_path.c_str(), pair->fingerprint.c_str());
  return kExitOk;
}

int policy_sign(const ParsedArgs& args) {
  const std::string key_path = *args.value("key");
  const std::string policy_path = args.positional().at(0);
  const std::string sig_path =
      args.value("out").value_or(policy_path + std::string(kSignatureSuffix));
  // A slip such as --out policy.yaml would replace the policy with its
  // own signature.
  if (same_file(sig_path, policy_path) || same_file(sig_path, key_path)) {
    return refuse(sig_path + ": --out names an input (the policy or the key)");
  }

  auto key = policy::load_private_key(key_path);
  if (!key) return refuse(key.error().message);
  auto policy_bytes = read_file(policy_path);
  if (!policy_bytes) return refuse(policy_bytes.error().message);
  auto sig = policy::sign_policy(*policy_bytes, *key);
  if (!sig) return refuse(policy_path + ": " + sig.error().message);
  if (Status s = write_file(sig_path, *sig, 0644, false); !s) return refuse(s.error().message);
  std::printf("signed %s with key %s: %s\n", policy_path.c_str(), key->fingerprint().c_str(),
              sig_path.c_str());
  return kExitOk;
}

int policy_verify(const ParsedArgs& args) {
  const std::string policy_path = args.positional().at(0);
  const std::string sig_path =
      args.value("sig").value_or(policy_path + std::string(kSignatureSuffix));

  std::vector<policy::PublicKey> trusted;
  for (const std::string& path : args.values("trusted")) {
    auto key = policy::load_public_key(path);
    if (!key) return refuse(key.error().message);
    trusted.push_back(std::move(*key));
  }
  auto policy_bytes = read_file(policy_path);
  if (!policy_bytes) return refuse(policy_bytes.error().message);
  auto sig_text = read_file(sig_path);
  if (!sig_text) return refuse(sig_text.error().message);
  auto sig = policy::parse_signature_file(*sig_text);
  if (!sig) return refuse(sig_path + ": " + sig.error().message);

  auto signer = policy::verify_policy(*policy_bytes, *sig, trusted);
  if (!signer) {
    return refuse(policy_path + " (signature " + sig_path + "): " + signer.error().message);
  }
  std::printf("%s: good signature by key %s\n", policy_path.c_str(), signer->c_str());
  return kExitOk;
}

}  // namespace yagura::ctl
