// The event fields a policy can name, and where their values come from.
//
// A field's name is its path in the JSON event (docs/events.md):
// "process.exe", "network.destination.port", "host.tags.team". Sigma's Linux
// field names are accepted as aliases of the field they map to one to one
// ("Image" is "process.exe", "DestinationPort" is
// "network.destination.port"), so a Sigma rule's fields need no renaming.
//
// Every value is text, exactly as the JSON writer prints it: a number in
// decimal ("443"), a bool as "true"/"false", an address as the JSON's
// "ip" string. A field absent from an event has no values; a list field
// (process.args, network.destination.domain, lineage.exe) has one value per
// element, and a condition on it holds when it holds for any value.
//
// Two sources give the values: EventFields reads a decoded Event (the
// sensor's hot path), JsonFields a recorded JSON line (`yaguractl policy
// test`). A unit test checks that both give the same values for every field
// of the catalog.
//
//   const FieldSpec* f = find_field("Image");   // -> process.exe
//   FieldRef ref{f->id, ""};
//   std::vector<std::string> values;
//   EventFields(event, host).values(ref, values);  // {"/usr/bin/curl"}
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace yagura::policy {

// Bits of the event types a field can appear on.
enum EventTypeBit : uint32_t {
  kExecBit = 1u << 0,
  kForkBit = 1u << 1,
  kExitBit = 1u << 2,
  kCredBit = 1u << 3,
  kNetworkBit = 1u << 4,
  kDnsBit = 1u << 5,
  kFileBit = 1u << 6,
  kTamperBit = 1u << 7,
  kAllTypes = 0xff,
};

// The bit of a JSON "type" value ("exec", ...), 0 for an unknown one.
uint32_t event_type_bit(std::string_view type_name);

// What the values of a field are, which decides the operators that apply.
enum class FieldType : uint8_t {
  kString,  // eq, in, prefix, suffix, contains, glob, regex
  kNumber,  // eq, in, gt, ge, lt, le, range
  kBool,    // eq ("true"/"false")
  kIp,      // eq, in, cidr
};

using FieldId = uint16_t;

struct FieldSpec {
  FieldId id;
  std::string_view name;   // the JSON path
  FieldType type;
  bool list;               // several values per event
  bool keyed;              // the name takes a key: "host.tags.<key>"
  uint32_t types;          // EventTypeBit mask of the events that can have it
  std::string_view sigma;  // the Sigma field that maps to it, "" if none
};

// Every field, by id (all_fields()[id].id == id).
std::span<const FieldSpec> all_fields();

// A field by its name or Sigma alias; keyed fields match "<name>.<key>" and
// give the key in *key. nullptr when there is no such field.
const FieldSpec* find_field(std::string_view name, std::string* key = nullptr);

// A field as a condition names it: keyed fields carry their key.
struct FieldRef {
  FieldId id = 0;
  std::string key;

  bool operator==(const FieldRef&) const = default;
};

class FieldSource {
 public:
  virtual ~FieldSource() = default;
  // The bit of the event's type.
  virtual uint32_t type_bit() const = 0;
  // Appends the field's values to out; appends nothing when it is absent.
  virtual void values(const FieldRef& field, std::vector<std::string>& out) const = 0;
};

}  // namespace yagura::policy
