// Loads the policy a sensor runs: reads the file, checks its signature
// against the trusted keys, compiles it, and checks it against rollback.
// Nothing is applied here; a policy that comes back is ready to swap in.
//
// The signature is the detached file "<path>.sig" (policy_signature.h).
// With require_signature, a policy without one, or with one that does not
// verify against a trusted key, is refused. Without it, a signature that
// is present must still verify: a bad signature is never ignored.
//
//   PolicyLoadOptions o{.path = "/etc/yagura/policy.yaml", .trusted_keys =
//   {"/etc/yagura/csirt.pub"},
//                       .state_dir = "/var/lib/yagura"};
//   auto loaded = load_policy(o);
//   if (!loaded) log(loaded.error().message);     // "policy.yaml:12:5: unknown field ..."
//   apply(loaded->policy);
//   record_accepted(o, *loaded->policy);           // once applied
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "policy/compiled_policy.h"

namespace yagura::policy {

struct PolicyLoadOptions {
  std::string path;  // empty: the built-in default policy
  bool require_signature = true;
  std::vector<std::string> trusted_keys;  // public key files (PEM)
  std::string state_dir;                  // rollback state; empty: no rollback check
  bool allow_rollback = false;
};

struct LoadedPolicy {
  std::shared_ptr<const CompiledPolicy> policy;
  std::string origin;  // the path, or kDefaultPolicyOrigin
  std::string signer;  // fingerprint of the key that verified it; "" when unsigned
};

Result<LoadedPolicy> load_policy(const PolicyLoadOptions& options);

// Remembers the policy as accepted, so an older one is refused from now on.
// The built-in policy is not recorded: it is replaced, not rolled back to.
Status record_accepted(const PolicyLoadOptions& options, const CompiledPolicy& policy);

}  // namespace yagura::policy
