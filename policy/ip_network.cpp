#include "policy/ip_network.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "policy/number_values.h"

namespace yagura::policy {
namespace {

constexpr std::array<uint8_t, 12> kMappedPrefix = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  std::string s(text.substr(0, text.find('%')));
  IpAddress ip;
  uint8_t v4[4];
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    for (size_t i = 0; i < kMappedPrefix.size(); ++i) ip.v6[i] = kMappedPrefix[i];
    for (int i = 0; i < 4; ++i) ip.v6[12 + i] = v4[i];
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.v6.data()) != 1) return std::nullopt;
  return ip;
}

bool IpNetwork::contains(const IpAddress& ip) const {
  unsigned full = prefix / 8;
  for (unsigned i = 0; i < full; ++i)
    if (ip.v6[i] != v6[i]) return false;
  unsigned rest = prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip.v6[full] & mask) == v6[full];
}

std::optional<IpNetwork> parse_cidr(std::string_view text) {
  size_t slash = text.find('/');
  std::string_view addr = text.substr(0, slash);
  if (addr.find('%') != std::string_view::npos) return std::nullopt;
  std::optional<IpAddress> ip = parse_ip(addr);
  if (!ip) return std::nullopt;
  // A dotted address counts its prefix over 32 bits; written as IPv6 (even
  // mapped), over 128.
  bool dotted = addr.find(':') == std::string_view::npos;
  unsigned bits = dotted ? 32 : 128;
  unsigned len = bits;
  if (slash != std::string_view::npos) {
    std::optional<uint64_t> n = parse_unsigned(text.substr(slash + 1));
    if (!n || *n > bits) return std::nullopt;
    len = static_cast<unsigned>(*n);
  }
  IpNetwork net;
  net.prefix = len + (128 - bits);
  for (unsigned i = 0; i < 16; ++i) {
    unsigned keep = net.prefix > i * 8 ? std::min(8u, net.prefix - i * 8) : 0;
    uint8_t mask = keep == 0 ? 0 : static_cast<uint8_t>(0xff << (8 - keep));
    net.v6[i] = ip->v6[i] & mask;
  }
  return net;
}

}  // namespace yagura::policy
