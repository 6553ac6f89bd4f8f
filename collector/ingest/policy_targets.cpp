#include "collector/ingest/policy_targets.h"

namespace yagura::collector {

Result<std::pair<std::string, std::string>> parse_target(std::string_view target) {
  size_t eq = target.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return Error{"target \"" + std::string(target) + "\" is not key=value", 0};
  }
  return std::pair{std::string(target.substr(0, eq)), std::string(target.substr(eq + 1))};
}

bool targets_match(const std::vector<std::string>& targets, const Tags& tags) {
  for (const std::string& target : targets) {
    auto kv = parse_target(target);
    if (!kv) return false;
    auto it = tags.find(kv->first);
    if (it == tags.end() || it->second != kv->second) return false;
  }
  return true;
}

const PolicyRecord* latest_targeted(const std::vector<PolicyRecord>& policies, const Tags& tags) {
  const PolicyRecord* latest = nullptr;
  for (const PolicyRecord& p : policies) {
    if ((latest == nullptr || p.version > latest->version) && targets_match(p.targets, tags)) {
      latest = &p;
    }
  }
  return latest;
}

std::optional<PolicyRecord> policy_offer(const PolicyRecord* latest, uint64_t running_version,
                                         uint64_t failed_version) {
  if (latest == nullptr || latest->version <= running_version ||
      latest->version == failed_version) {
    return std::nullopt;
  }
  return *latest;
}

}  // namespace yagura::collector
