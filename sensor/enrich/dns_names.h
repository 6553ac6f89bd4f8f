// Address → the names DNS answers gave for it, so that a later connect to
// 93.184.215.14 can be shown as "example.com".
//
// Contract:
// - Learns only from responses (QR set, opcode QUERY, NOERROR), and from
//   their answer section: class IN A and AAAA records owned by the first
//   question's name or by a name the CNAME records lead to from it. Other
//   records are ignored, as stub resolvers (glibc) ignore them, so an answer
//   cannot attach an address to a name nobody asked for.
// - An address maps to the question name (what the program asked for) and,
//   when it differs, to the A/AAAA record's owner (the end of the CNAME
//   chain): www.example.com CNAME edge.cdn.net A 1.2.3.4 gives
//   1.2.3.4 → ["www.example.com", "edge.cdn.net"].
// - An entry lives for its record's TTL, but at least kMinLifetimeNs and at
//   most kMaxLifetimeNs: programs and local caches (nscd, JVMs, browsers) go
//   on using answers after the TTL, and a connect then should still be named;
//   the ceiling keeps an address that was given to someone else later from
//   carrying an old name all day.
// - At most max_addresses addresses, the least recently learned or looked up
//   dropped first, and kMaxNamesPerAddress names per address, the most
//   recent live ones kept. Names compare ASCII case-insensitively, as DNS does.
// - Names are hints: any local program that exchanges packets with port 53
//   can feed answers.
// - Single-threaded: one pipeline stage owns it.
//
//   DnsNames names(4096);
//   if (auto dns = parse_dns_message(payload, msg_len)) names.learn(*dns, event.ktime_ns);
//   for (auto& n : names.names_for(address_text(remote_bytes), now_ns)) show(n);
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/lru_map.h"
#include "sensor/decode/dns_message.h"

namespace yagura {

// The text form addresses are compared in: inet_ntop's, except that an
// IPv4-mapped IPv6 address (::ffff:a.b.c.d) is written as IPv4, so a connect
// from a dual-stack socket finds the A record it came from. Text that is not
// an address comes back unchanged.
std::string canonical_address(std::string_view address);

// The same form from 4 (IPv4) or 16 (IPv6) address bytes in network order;
// "" for any other size.
std::string address_text(std::span<const uint8_t> address);

class DnsNames {
 public:
  static constexpr size_t kMaxNamesPerAddress = 8;
  static constexpr uint64_t kMinLifetimeNs = 60'000'000'000;     // 1 min
  static constexpr uint64_t kMaxLifetimeNs = 3'600'000'000'000;  // 1 h

  explicit DnsNames(size_t max_addresses);

  // `now_ns` is any monotonic clock, the same one names_for() is given.
  void learn(const DnsMessage& message, uint64_t now_ns);

  // The names for an address, most recently learned first (from one answer:
  // the question name before the owner), without the expired ones. A lookup
  // counts as a use for the LRU order.
  std::vector<std::string> names_for(std::string_view address, uint64_t now_ns);

 private:
  struct Name {
    std::string name;
    uint64_t expires_ns;
  };
  using Names = std::vector<Name>;  // most recent first

  void remember(const std::string& address, const std::string& name, uint64_t expires_ns,
                uint64_t now_ns);

  LruMap<std::string, Names> addresses_;
};

}  // namespace yagura
