#include "policy/compiled_policy.h"

#include <bit>

#include "policy/fields.h"

namespace yagura::policy {

std::span<const uint32_t> CompiledPolicy::rules_for_type(uint32_t type_bit) const {
  // One bit, within the catalog's types; anything else has no rules.
  if (!std::has_single_bit(type_bit) || !(type_bit & kAllTypes)) return {};
  return p_.by_type[std::countr_zero(type_bit)];
}

}  // namespace yagura::policy
