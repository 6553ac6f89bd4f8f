#include "sensor/control/distributed_policy.h"

#include <unistd.h>

#include <cstdio>

#include "common/durable_file.h"

namespace yagura {

DistributedPolicy::DistributedPolicy(std::string state_dir)
    : path_(std::move(state_dir) + "/distributed-policy.yaml") {}

bool DistributedPolicy::present() const { return ::access(path_.c_str(), R_OK) == 0; }

Status DistributedPolicy::store(const wire::v1::PolicyDocument& document) const {
  if (Status s = replace_file_durably(path_ + ".sig", document.signature()); !s) return s;
  return replace_file_durably(path_, document.policy());
}

void DistributedPolicy::discard() const {
  std::remove(path_.c_str());
  std::remove((path_ + ".sig").c_str());
}

policy::PolicyLoadOptions DistributedPolicy::options(policy::PolicyLoadOptions configured) const {
  configured.path = path_;
  configured.require_signature = true;
  return configured;
}

}  // namespace yagura
