// Which pushed policy a host should run. A push names target tags
// ("team=a"); a host is targeted when its tags carry all of them, and every
// host when there are none. A host should run the newest version targeted
// at it: that is the one the collector offers, unless the host already
// runs it (or a newer one) or refused exactly that version.
//
//   const PolicyRecord* p = latest_targeted(*store.policies(), batch.host.tags);
//   auto offer = policy_offer(p, running_version, host.failed_policy_version);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collector/store/event_store.h"
#include "common/result.h"

namespace yagura::collector {

// "key=value" (split at the first '='; the key must not be empty).
Result<std::pair<std::string, std::string>> parse_target(std::string_view target);

// Targets are assumed valid (checked by parse_target when pushed).
bool targets_match(const std::vector<std::string>& targets, const Tags& tags);

// The newest policy in `policies` targeted at `tags`, or null.
const PolicyRecord* latest_targeted(const std::vector<PolicyRecord>& policies, const Tags& tags);

// `latest` when the host should be offered it.
std::optional<PolicyRecord> policy_offer(const PolicyRecord* latest, uint64_t running_version,
                                         uint64_t failed_version);

}  // namespace yagura::collector
