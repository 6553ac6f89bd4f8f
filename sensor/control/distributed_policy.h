// A policy the collector distributed: kept in the state directory as
// "distributed-policy.yaml" and its ".sig", so that it survives restarts,
// and loaded through load_policy like a local file, except that its
// signature is always required: the collector carries policies, it is not
// trusted to vouch for them.
//
//   DistributedPolicy d(state_dir);
//   d.store(document);                              // the upload thread
//   auto loaded = load_policy(d.options(configured)); // the control thread
//   if (!loaded) d.discard();
#pragma once

#include <string>

#include "common/result.h"
#include "policy/policy_loader.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura {

class DistributedPolicy {
 public:
  explicit DistributedPolicy(std::string state_dir);

  const std::string& path() const { return path_; }
  bool present() const;

  // Replaces the stored policy: the signature first, then the policy, each
  // durably (common/durable_file.h).
  Status store(const wire::v1::PolicyDocument& document) const;
  void discard() const;

  // The configured options with this policy in place of the configured
  // file, and a signature required.
  policy::PolicyLoadOptions options(policy::PolicyLoadOptions configured) const;

 private:
  std::string path_;
};

}  // namespace yagura
