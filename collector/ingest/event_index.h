// One event's JSON (docs/events.md, schema 2) to the values the store
// indexes, after checking it is what the batch says it is.
//
// - process_key, parent_key, boot_id: "process.key", "parent.key", "host.boot_id";
// - exe, exe_sha256: "process.exe", "process.exe_file.sha256" (exec events);
// - remote_ip/remote_port, the other end of a connection: "network.remote"
//   when present, else "network.destination" when this host initiated the
//   exchange (connect, udp_send and their close), else "network.source" for
//   an accept or the close of an accepted connection; none for listen and
//   udp_bind (the address is this host's own);
// - domains: "network.destination.domain[]", "dns.question.name" and
//   "dns.answers[].name";
// - file_path: "file.path".
// Addresses and names are normalized as queries normalize theirs
// (canonical_ip, normalize_domain), so both sides meet.
//
//   auto e = index_event(event.json(), event.type(), event.time_ns());
//   if (!e) refuse the batch with e.error().message;
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "collector/store/event_store.h"
#include "common/result.h"

namespace yagura::collector {

// Errors: not JSON, not one line, not an object, "type" missing or not
// `type`.
Result<EventRecord> index_event(std::string_view json_text, std::string_view type,
                                uint64_t time_ns);

// The address as inet_ntop writes it ("2001:db8::1", "10.0.0.5"; an
// IPv4-mapped IPv6 address as IPv4, as the sensor prints it); text that is
// not an address is returned unchanged.
std::string canonical_ip(std::string_view ip);
// ASCII lower case, without a trailing dot: DNS names compare that way.
std::string normalize_domain(std::string_view name);

}  // namespace yagura::collector
