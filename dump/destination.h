// The "destination" criterion of a dump: an IP address, a network in CIDR
// notation, or a domain name, and whether an address or a name from an
// event falls under it.
//
// Addresses compare by value (an IPv4-mapped IPv6 address is its IPv4
// address); a domain matches itself and every name below it, ignoring case
// and a trailing dot, since an incident's domain is usually a zone
// ("evil.example" covers "c2.evil.example").
//
//   auto d = Destination::parse("10.0.0.0/8");
//   d->matches_address("10.1.2.3");  // true
//   auto n = Destination::parse("Example.COM.");
//   n->matches_name("www.example.com");  // true
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::dump {

class Destination {
 public:
  static Result<Destination> parse(std::string_view text);

  bool is_domain() const { return !domain_.empty(); }
  // False for a domain, and for text that is not an address.
  bool matches_address(std::string_view ip) const;
  // False for an address.
  bool matches_name(std::string_view name) const;

 private:
  Destination() = default;

  std::string domain_;                 // lower case, no trailing dot; empty for a network
  std::array<uint8_t, 16> address_{};  // IPv4 as IPv4-mapped IPv6
  unsigned prefix_bits_ = 0;           // of the 128
};

}  // namespace yagura::dump
