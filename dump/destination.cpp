#include "dump/destination.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace yagura::dump {
namespace {

constexpr size_t kMaxDomainChars = 253;

// `text` as a 16-byte address, IPv4 as ::ffff:a.b.c.d; `is_v4` says which
// it was written as. False when it is neither.
bool parse_address(std::string_view text, std::array<uint8_t, 16>& out, bool& is_v4) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return false;
  char buf[INET6_ADDRSTRLEN];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  uint8_t v4[4];
  if (::inet_pton(AF_INET, buf, v4) == 1) {
    out = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, v4[0], v4[1], v4[2], v4[3]};
    is_v4 = true;
    return true;
  }
  is_v4 = false;
  return ::inet_pton(AF_INET6, buf, out.data()) == 1;
}

std::string normalized_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool valid_domain(std::string_view name) {
  if (name.empty() || name.size() > kMaxDomainChars || name.front() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

Result<Destination> Destination::parse(std::string_view text) {
  Destination d;
  std::string_view addr = text;
  std::string_view prefix;
  if (size_t slash = text.find('/'); slash != std::string_view::npos) {
    addr = text.substr(0, slash);
    prefix = text.substr(slash + 1);
  }
  bool is_v4 = false;
  if (parse_address(addr, d.address_, is_v4)) {
    const unsigned max_bits = is_v4 ? 32 : 128;
    unsigned bits = max_bits;
    if (text.size() != addr.size()) {
      auto [end, ec] = std::from_chars(prefix.data(), prefix.data() + prefix.size(), bits);
      if (prefix.empty() || ec != std::errc() || end != prefix.data() + prefix.size() ||
          bits > max_bits) {
        return Error{"destination '" + std::string(text) + "': prefix length must be 0 to " +
                     std::to_string(max_bits)};
      }
    }
    d.prefix_bits_ = bits + (is_v4 ? 96 : 0);
    return d;
  }
  std::string name = normalized_name(text);
  if (!valid_domain(name)) {
    return Error{"destination '" + std::string(text) +
                 "' is neither an IP address, a CIDR network nor a domain name"};
  }
  d.domain_ = std::move(name);
  return d;
}

bool Destination::matches_address(std::string_view ip) const {
  if (is_domain()) return false;
  std::array<uint8_t, 16> a{};
  bool is_v4 = false;
  if (!parse_address(ip, a, is_v4)) return false;
  const unsigned full = prefix_bits_ / 8, rest = prefix_bits_ % 8;
  if (!std::equal(a.begin(), a.begin() + full, address_.begin())) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (address_[full] & mask);
}

bool Destination::matches_name(std::string_view name) const {
  if (!is_domain()) return false;
  const std::string n = normalized_name(name);
  if (n == domain_) return true;
  return n.size() > domain_.size() && n.ends_with(domain_) &&
         n[n.size() - domain_.size() - 1] == '.';
}

}  // namespace yagura::dump
