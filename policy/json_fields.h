// The policy's view of one recorded JSON event line (docs/events.md), for
// `yaguractl policy test`, which replays recorded events: every field of
// the catalog (fields.h), its values as the line carries them. A unit test
// checks that they are the values EventFields gives for the event the line
// was written from.
//
// Strings come back as the bytes the sensor saw. The output writes a byte
// that is not valid UTF-8 as the lone surrogate escape \udcXX (Python's
// surrogateescape), which JSON parsers such as nlohmann::json reject;
// parse() reads them back to the byte exactly.
//
//   auto event = JsonFields::parse(line);
//   if (!event) return event.error();          // "bad JSON event: ..."
//   std::vector<std::string> v;
//   event->values({find_field("CommandLine")->id, ""}, v);
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "policy/fields.h"

namespace yagura::policy {

class JsonFields : public FieldSource {
 public:
  // One event line. An error when it is not JSON, not an object, or has no
  // known "type".
  static Result<JsonFields> parse(std::string_view line);

  uint32_t type_bit() const override { return type_bit_; }
  // The event's "ktime_ns", when it has one.
  std::optional<uint64_t> ktime_ns() const;
  void values(const FieldRef& field, std::vector<std::string>& out) const override;
  // The parsed line; its strings hold the bytes the line's escapes stand for.
  const nlohmann::json& document() const { return event_; }

 private:
  JsonFields(nlohmann::json event, uint32_t type_bit)
      : event_(std::move(event)), type_bit_(type_bit) {}

  nlohmann::json event_;
  uint32_t type_bit_;
};

}  // namespace yagura::policy
