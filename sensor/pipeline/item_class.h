// What the pipeline's queues know about an item: its type, for the loss
// counters, and its priority, for back-pressure. Low-priority items are shed
// first when a queue fills; process lifecycle, tamper, alerts and health go
// last, because the process tree, the policy and the accounting depend on
// them.
//
//   ItemClass c = classify_record(bytes);   // the reader: only the header type
//   ItemClass e = classify_event(event);    // after the judge: alerts count
//   item_type_name(c.type);                 // "exec", "unknown", "health"
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "bpf/events.h"
#include "common/event.h"

namespace yagura {

enum class Priority : uint8_t { kLow = 0, kHigh = 1 };
inline constexpr size_t kPriorities = 2;

// Item types share bpf/events.h's numbering (YG_EV_*), with two more: 0 for
// a record too short to carry a type or with a type this build does not
// know, and one past the kernel's types for health lines.
inline constexpr size_t kUnknownItem = 0;
inline constexpr size_t kHealthItem = YG_EV_TYPE_MAX;
inline constexpr size_t kItemTypes = YG_EV_TYPE_MAX + 1;

struct ItemClass {
  size_t type = kUnknownItem;
  Priority priority = Priority::kHigh;
};

// "unknown", "exec", ..., "tamper", "health".
const char* item_type_name(size_t type);
const char* priority_name(Priority priority);

// From the record header alone (the reader decodes nothing). A record whose
// type cannot be read is high priority: the decoder then names what is
// wrong with it in its own counters.
ItemClass classify_record(std::span<const uint8_t> record);
// An event carrying an alert is high priority whatever its type.
ItemClass classify_event(const Event& event);
inline constexpr ItemClass kHealthClass{kHealthItem, Priority::kHigh};

}  // namespace yagura
