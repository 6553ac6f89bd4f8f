// The type-specific objects of the activity events: "network", "dns",
// "file" and "tamper", written by JsonWriter after "process" and "parent".
// docs/events.md describes every field; names follow the Sigma taxonomy for
// Linux where it has one (network.destination.ip is DestinationIp, ...).
#pragma once

#include "common/event.h"
#include "sensor/output/json_object.h"

namespace yagura::json {

void write_network(ObjectWriter& top, const NetEvent& e, const Enrichment& en);
void write_dns(ObjectWriter& top, const DnsEvent& e);
void write_file(ObjectWriter& top, const FileEvent& e);
void write_tamper(ObjectWriter& top, const TamperEvent& e, const Enrichment& en);

}  // namespace yagura::json
