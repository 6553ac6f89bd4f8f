#include "policy/policy_loader.h"

#include <cerrno>

#include "common/read_file.h"
#include "policy/default_policy.h"
#include "policy/policy_compiler.h"
#include "policy/policy_signature.h"
#include "policy/version_guard.h"

namespace yagura::policy {
namespace {

// nullopt when the file does not exist; an error when it cannot be read.
Result<std::optional<std::string>> read_if_present(const std::string& path) {
  auto text = read_file(path);
  if (!text) {
    if (text.error().code == ENOENT) return std::optional<std::string>();
    return text.error();
  }
  return std::optional<std::string>(std::move(*text));
}

Result<std::string> check_signature(const PolicyLoadOptions& o, const std::string& text) {
  const std::string sig_path = o.path + ".sig";
  auto sig = read_if_present(sig_path);
  if (!sig) return sig.error();
  if (!*sig) {
    if (o.require_signature)
      return Error{o.path + ": refused: unsigned (no " + sig_path +
                   ") and policy.require_signature is on"};
    return std::string();
  }
  std::vector<PublicKey> trusted;
  for (const std::string& k : o.trusted_keys) {
    auto key = load_public_key(k);
    if (!key) return key.error();
    trusted.push_back(std::move(*key));
  }
  if (trusted.empty())
    return Error{o.path + ": refused: signed, but policy.trusted_keys names no key to check it"};
  auto signer = verify_policy(text, **sig, trusted);
  if (!signer) return Error{sig_path + ": refused: " + signer.error().message};
  return *signer;
}

}  // namespace

Result<LoadedPolicy> load_policy(const PolicyLoadOptions& o) {
  if (o.path.empty()) {
    auto compiled = compile_policy(default_policy_text(), std::string(kDefaultPolicyOrigin));
    if (!compiled) return compiled.error();
    return LoadedPolicy{std::move(*compiled), std::string(kDefaultPolicyOrigin), ""};
  }
  auto text = read_if_present(o.path);
  if (!text) return text.error();
  if (!*text) return Error{o.path + ": no such file"};
  // Signature first: an unsigned file is not parsed by a sensor that wants
  // signatures, whatever it holds.
  auto signer = check_signature(o, **text);
  if (!signer) return signer.error();
  auto compiled = compile_policy(**text, o.path);
  if (!compiled) return compiled.error();
  if (!o.state_dir.empty()) {
    VersionGuard guard(o.state_dir);
    if (Status s = guard.check((*compiled)->version(), (*compiled)->sha256(), o.allow_rollback); !s)
      return Error{o.path + ": refused: " + s.error().message};
  }
  return LoadedPolicy{std::move(*compiled), o.path, std::move(*signer)};
}

Status record_accepted(const PolicyLoadOptions& o, const CompiledPolicy& policy) {
  if (o.path.empty() || o.state_dir.empty()) return {};
  VersionGuard guard(o.state_dir);
  return guard.record({policy.version(), policy.sha256()});
}

}  // namespace yagura::policy
