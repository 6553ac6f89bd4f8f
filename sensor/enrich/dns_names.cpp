#include "sensor/enrich/dns_names.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace yagura {
namespace {

constexpr uint8_t kOpcodeQuery = 0;
constexpr uint8_t kRcodeNoError = 0;
constexpr uint16_t kClassIn = 1;
constexpr uint16_t kTypeA = 1;
constexpr uint16_t kTypeCname = 5;
constexpr uint16_t kTypeAaaa = 28;
constexpr uint64_t kNsPerSecond = 1'000'000'000;

// Escaped names (see dns_message.h) escape only '.', '\' and non-ASCII
// bytes, so comparing their text folds exactly the ASCII letters.
bool same_name(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    return lower(x) == lower(y);
  });
}

std::string ntop(int family, const void* address) {
  char text[INET6_ADDRSTRLEN];
  return ::inet_ntop(family, address, text, sizeof(text)) ? std::string(text) : std::string();
}

std::string ipv6_text(const in6_addr& address) {
  if (IN6_IS_ADDR_V4MAPPED(&address)) return ntop(AF_INET, &address.s6_addr[12]);
  return ntop(AF_INET6, &address);
}

}  // namespace

std::string canonical_address(std::string_view address) {
  const std::string text(address);  // inet_pton wants a C string
  in6_addr v6;
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) return ipv6_text(v6);
  return text;
}

std::string address_text(std::span<const uint8_t> address) {
  if (address.size() == 4) return ntop(AF_INET, address.data());
  if (address.size() != 16) return "";
  in6_addr v6;
  std::memcpy(&v6, address.data(), sizeof(v6));
  return ipv6_text(v6);
}

DnsNames::DnsNames(size_t max_addresses) : addresses_(max_addresses) {}

void DnsNames::learn(const DnsMessage& message, uint64_t now_ns) {
  if (!message.response || message.opcode != kOpcodeQuery || message.rcode != kRcodeNoError ||
      message.questions.empty()) {
    return;
  }
  const std::string& question = message.questions.front().name;

  // The question name and every name CNAMEs lead to from it. Answers need
  // not list the chain in order; each pass adds at least one name or ends.
  std::vector<std::string_view> chain{question};
  auto in_chain = [&](std::string_view name) {
    return std::ranges::any_of(chain, [&](std::string_view c) { return same_name(c, name); });
  };
  for (bool grew = true; grew;) {
    grew = false;
    for (const DnsRecord& r : message.answers) {
      if (r.type == kTypeCname && in_chain(r.name) && !in_chain(r.data)) {
        chain.push_back(r.data);
        grew = true;
      }
    }
  }

  for (const DnsRecord& r : message.answers) {
    if ((r.type != kTypeA && r.type != kTypeAaaa) || r.rclass != kClassIn || !in_chain(r.name)) {
      continue;
    }
    const uint64_t lifetime_ns =
        std::clamp(uint64_t{r.ttl} * kNsPerSecond, kMinLifetimeNs, kMaxLifetimeNs);
    const std::string address = canonical_address(r.data);
    // The owner first, so that the question name ends up the most recent.
    if (!same_name(r.name, question)) remember(address, r.name, now_ns + lifetime_ns, now_ns);
    remember(address, question, now_ns + lifetime_ns, now_ns);
  }
}

std::vector<std::string> DnsNames::names_for(std::string_view address, uint64_t now_ns) {
  std::vector<std::string> out;
  if (const Names* names = addresses_.find(canonical_address(address))) {
    for (const Name& n : *names) {
      if (now_ns < n.expires_ns) out.push_back(n.name);
    }
  }
  return out;
}

void DnsNames::remember(const std::string& address, const std::string& name, uint64_t expires_ns,
                        uint64_t now_ns) {
  Names* names = addresses_.find(address);
  if (names == nullptr) {
    addresses_.put(address, Names{{name, expires_ns}});
    return;
  }
  // Expired names go first, so that they do not push out live ones.
  std::erase_if(*names,
                [&](const Name& n) { return n.expires_ns <= now_ns || same_name(n.name, name); });
  names->insert(names->begin(), Name{name, expires_ns});
  if (names->size() > kMaxNamesPerAddress) names->resize(kMaxNamesPerAddress);
}

}  // namespace yagura
