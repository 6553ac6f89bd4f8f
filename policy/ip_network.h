// IP addresses and networks as a policy compares them.
//
// An IPv4 address is also seen in its IPv4-mapped IPv6 form (::ffff:a.b.c.d)
// and a mapped IPv6 address also as IPv4, so 10.0.0.0/8 matches both
// "10.1.2.3" and "::ffff:10.1.2.3", and ::ffff:0:0/96 matches every IPv4
// address: the JSON prints a mapped peer of an IPv6 socket as IPv4, and a
// policy should not care which socket family saw it.
//
//   auto net = parse_cidr("10.0.0.0/8");
//   auto ip = parse_ip("::ffff:10.1.2.3");
//   bool hit = net && ip && net->contains(*ip);  // true
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace yagura::policy {

struct IpAddress {
  std::array<uint8_t, 16> v6{};  // IPv4 as ::ffff:a.b.c.d
};

// A dotted IPv4 or an IPv6 address ("%scope" suffix ignored).
std::optional<IpAddress> parse_ip(std::string_view text);

struct IpNetwork {
  std::array<uint8_t, 16> v6{};  // IPv4 networks in mapped form
  unsigned prefix = 0;           // over the 128 bits of v6
  bool contains(const IpAddress& ip) const;
};

// "addr/len" (len up to 32 for IPv4, 128 for IPv6) or a bare address (one
// host). Host bits below the prefix are ignored: 10.0.0.1/8 is 10.0.0.0/8.
std::optional<IpNetwork> parse_cidr(std::string_view text);

}  // namespace yagura::policy
