#include "sensor/pipeline/item_class.h"

#include <cstddef>
#include <cstring>
#include <iterator>
#include <variant>

namespace yagura {
namespace {

constexpr const char* kTypeNames[] = {"unknown", "exec", "fork", "exit",   "cred",
                                      "network", "dns",  "file", "tamper", "health"};
static_assert(std::size(kTypeNames) == kItemTypes, "a name for every item type");
// EventBody lists its alternatives in YG_EV_* order, from YG_EV_EXEC = 1.
static_assert(std::variant_size_v<EventBody> == YG_EV_TYPE_MAX - 1);

Priority type_priority(size_t type) {
  switch (type) {
    case YG_EV_NET:
    case YG_EV_DNS:
    case YG_EV_FILE:
      return Priority::kLow;
    default:
      return Priority::kHigh;
  }
}

}  // namespace

const char* item_type_name(size_t type) {
  return type < kItemTypes ? kTypeNames[type] : kTypeNames[kUnknownItem];
}

const char* priority_name(Priority priority) { return priority == Priority::kLow ? "low" : "high"; }

ItemClass classify_record(std::span<const uint8_t> record) {
  uint16_t type = kUnknownItem;
  if (record.size() >= sizeof(yg_header))
    std::memcpy(&type, record.data() + offsetof(yg_header, type), sizeof(type));
  if (type >= YG_EV_TYPE_MAX) type = kUnknownItem;
  return ItemClass{type, type_priority(type)};
}

ItemClass classify_event(const Event& event) {
  const size_t type = event.body.index() + YG_EV_EXEC;
  const Priority p = event.verdict.alerts.empty() ? type_priority(type) : Priority::kHigh;
  return ItemClass{type, p};
}

}  // namespace yagura
