// The policy compiled into the sensor (config/default-policy.yaml, embedded
// at build time): what runs when the configuration names no policy file.
// It comes with the binary, so it is trusted as the binary is, unsigned.
#pragma once

#include <string_view>

namespace yagura::policy {

inline constexpr std::string_view kDefaultPolicyOrigin = "built-in default policy";

std::string_view default_policy_text();

}  // namespace yagura::policy
