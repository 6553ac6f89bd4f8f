// The policy's view of a decoded Event (policy/fields.h): every field of the
// catalog, its values exactly as JsonWriter prints them (a string's raw
// bytes, numbers in decimal, bools "true"/"false", addresses as the JSON's
// "ip"), without building the JSON. It sits on the sensor's hot path: a
// field is resolved by its id in constant time, and only the values asked
// for are made. The rules the JSON derives values by (enum names, which end
// of a connection is the destination, ...) come from
// sensor/output/json_values.h, shared with the writer; a unit test checks
// both against JsonFields, which reads the written line.
//
// Holds references: the event and host must outlive it.
//
//   EventFields fields(event, host);
//   std::vector<std::string> v;
//   fields.values({policy::find_field("DestinationPort")->id, ""}, v);  // {"443"}
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/event.h"
#include "common/host.h"
#include "policy/fields.h"

namespace yagura {

class EventFields : public policy::FieldSource {
 public:
  EventFields(const Event& event, const HostIdentity& host) : event_(event), host_(host) {}

  uint32_t type_bit() const override;
  void values(const policy::FieldRef& field, std::vector<std::string>& out) const override;

 private:
  const Event& event_;
  const HostIdentity& host_;
};

}  // namespace yagura
