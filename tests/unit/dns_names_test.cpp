#include "sensor/enrich/dns_names.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace yagura {
namespace {

using Names = std::vector<std::string>;

constexpr uint16_t kA = 1;
constexpr uint16_t kCname = 5;
constexpr uint16_t kAaaa = 28;
constexpr uint16_t kIn = 1;
constexpr uint64_t kSecond = 1'000'000'000;
constexpr uint64_t kT0 = 1000 * kSecond;

DnsMessage response(std::string question, std::vector<DnsRecord> answers) {
  DnsMessage m;
  m.response = true;
  m.questions.push_back(DnsQuestion{std::move(question), kA, kIn});
  m.answers = std::move(answers);
  return m;
}

DnsRecord a(std::string owner, std::string address, uint32_t ttl = 300) {
  return DnsRecord{std::move(owner), kA, kIn, ttl, std::move(address)};
}

DnsRecord aaaa(std::string owner, std::string address, uint32_t ttl = 300) {
  return DnsRecord{std::move(owner), kAaaa, kIn, ttl, std::move(address)};
}

DnsRecord cname(std::string owner, std::string target) {
  return DnsRecord{std::move(owner), kCname, kIn, 300, std::move(target)};
}

}  // namespace

TEST_CASE("DnsNames maps an answer's addresses to the question name", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("example.com", {a("example.com", "93.184.215.14"),
                                       aaaa("example.com", "2606:2800:21f:cb07::1")}),
              kT0);
  CHECK(names.names_for("93.184.215.14", kT0) == Names{"example.com"});
  CHECK(names.names_for("2606:2800:21f:cb07::1", kT0) == Names{"example.com"});
  CHECK(names.names_for("2606:2800:21F:CB07:0::1", kT0) == Names{"example.com"});
  CHECK(names.names_for("10.0.0.1", kT0).empty());
}

TEST_CASE("DnsNames follows a CNAME chain, in any order", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("www.example.com",
                       {a("edge.cdn.net", "1.2.3.4"), cname("cdn.example.com", "edge.cdn.net"),
                        cname("www.example.com", "cdn.example.com")}),
              kT0);
  CHECK(names.names_for("1.2.3.4", kT0) == Names{"www.example.com", "edge.cdn.net"});
}

TEST_CASE("DnsNames ignores records outside the question's chain", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("evil.test", {a("evil.test", "6.6.6.6"), a("bank.example", "1.1.1.1"),
                                     cname("other.test", "bank.example")}),
              kT0);
  CHECK(names.names_for("6.6.6.6", kT0) == Names{"evil.test"});
  CHECK(names.names_for("1.1.1.1", kT0).empty());
}

TEST_CASE("DnsNames compares names case-insensitively", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("WWW.Example.com",
                       {cname("www.example.COM", "Edge.cdn.net"), a("edge.CDN.net", "1.2.3.4")}),
              kT0);
  CHECK(names.names_for("1.2.3.4", kT0) == Names{"WWW.Example.com", "edge.CDN.net"});
  names.learn(response("www.example.com", {a("www.example.com", "1.2.3.4")}), kT0);
  CHECK(names.names_for("1.2.3.4", kT0) == Names{"www.example.com", "edge.CDN.net"});
}

TEST_CASE("DnsNames learns only from NOERROR responses to queries", "[dns_names]") {
  DnsNames names(16);
  DnsMessage query = response("example.com", {a("example.com", "1.2.3.4")});
  query.response = false;
  names.learn(query, kT0);

  DnsMessage update = response("example.com", {a("example.com", "1.2.3.5")});
  update.opcode = 5;
  names.learn(update, kT0);

  DnsMessage failed = response("example.com", {a("example.com", "1.2.3.6")});
  failed.rcode = 2;
  names.learn(failed, kT0);

  DnsMessage no_question = response("example.com", {a("example.com", "1.2.3.7")});
  no_question.questions.clear();
  names.learn(no_question, kT0);

  DnsMessage chaos = response("example.com", {a("example.com", "1.2.3.8")});
  chaos.answers[0].rclass = 3;
  names.learn(chaos, kT0);

  for (const char* address : {"1.2.3.4", "1.2.3.5", "1.2.3.6", "1.2.3.7", "1.2.3.8"}) {
    INFO(address);
    CHECK(names.names_for(address, kT0).empty());
  }
}

TEST_CASE("DnsNames keeps an entry for its TTL, between 1 min and 1 h", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("short.test", {a("short.test", "10.0.0.1", 5)}), kT0);
  names.learn(response("mid.test", {a("mid.test", "10.0.0.2", 300)}), kT0);
  names.learn(response("long.test", {a("long.test", "10.0.0.3", 86400)}), kT0);
  names.learn(response("huge.test", {a("huge.test", "10.0.0.4", 0xffffffff)}), kT0);

  CHECK(names.names_for("10.0.0.1", kT0 + 59 * kSecond) == Names{"short.test"});
  CHECK(names.names_for("10.0.0.1", kT0 + 60 * kSecond).empty());

  CHECK(names.names_for("10.0.0.2", kT0 + 299 * kSecond) == Names{"mid.test"});
  CHECK(names.names_for("10.0.0.2", kT0 + 300 * kSecond).empty());

  CHECK(names.names_for("10.0.0.3", kT0 + 3599 * kSecond) == Names{"long.test"});
  CHECK(names.names_for("10.0.0.3", kT0 + 3600 * kSecond).empty());
  CHECK(names.names_for("10.0.0.4", kT0 + 3600 * kSecond).empty());
}

TEST_CASE("DnsNames returns only the names of an address that have not expired", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("old.test", {a("old.test", "10.0.0.1", 60)}), kT0);
  names.learn(response("new.test", {a("new.test", "10.0.0.1", 600)}), kT0 + 30 * kSecond);
  CHECK(names.names_for("10.0.0.1", kT0 + 59 * kSecond) == Names{"new.test", "old.test"});
  CHECK(names.names_for("10.0.0.1", kT0 + 61 * kSecond) == Names{"new.test"});

  // Learning a name again renews it, without a second copy.
  names.learn(response("old.test", {a("old.test", "10.0.0.1", 60)}), kT0 + 100 * kSecond);
  CHECK(names.names_for("10.0.0.1", kT0 + 101 * kSecond) == Names{"old.test", "new.test"});
}

TEST_CASE("DnsNames drops the least recently used address at capacity", "[dns_names]") {
  DnsNames names(2);
  names.learn(response("one.test", {a("one.test", "10.0.0.1")}), kT0);
  names.learn(response("two.test", {a("two.test", "10.0.0.2")}), kT0);
  CHECK(names.names_for("10.0.0.1", kT0) == Names{"one.test"});  // 10.0.0.2 is now the oldest
  names.learn(response("three.test", {a("three.test", "10.0.0.3")}), kT0);
  CHECK(names.names_for("10.0.0.2", kT0).empty());
  CHECK(names.names_for("10.0.0.1", kT0) == Names{"one.test"});
  CHECK(names.names_for("10.0.0.3", kT0) == Names{"three.test"});
}

TEST_CASE("DnsNames finds IPv4 answers from IPv4-mapped addresses", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("v4.test", {a("v4.test", "192.0.2.7")}), kT0);
  CHECK(names.names_for("::ffff:192.0.2.7", kT0) == Names{"v4.test"});
  CHECK(names.names_for("::FFFF:c000:207", kT0) == Names{"v4.test"});

  // An AAAA record holding a mapped address is found from the IPv4 form.
  names.learn(response("mapped.test", {aaaa("mapped.test", "::ffff:198.51.100.1")}), kT0);
  CHECK(names.names_for("198.51.100.1", kT0) == Names{"mapped.test"});
}

TEST_CASE("DnsNames keeps the most recent names of an address", "[dns_names]") {
  DnsNames names(16);
  for (int i = 0; i < 10; ++i) {
    const std::string name = "n" + std::to_string(i) + ".test";
    names.learn(response(name, {a(name, "10.0.0.1")}), kT0 + i * kSecond);
  }
  Names expected;
  for (int i = 9; i >= 2; --i) expected.push_back("n" + std::to_string(i) + ".test");
  REQUIRE(DnsNames::kMaxNamesPerAddress == 8);
  CHECK(names.names_for("10.0.0.1", kT0 + 10 * kSecond) == expected);
}

TEST_CASE("DnsNames lets expired names make room for live ones", "[dns_names]") {
  DnsNames names(16);
  names.learn(response("long.test", {a("long.test", "10.0.0.1", 3600)}), kT0);
  for (int i = 0; i < 7; ++i) {
    const std::string name = "s" + std::to_string(i) + ".test";
    names.learn(response(name, {a(name, "10.0.0.1", 60)}), kT0);
  }
  // Eight names, seven of them expired: a new one replaces those, not long.test.
  names.learn(response("new.test", {a("new.test", "10.0.0.1")}), kT0 + 120 * kSecond);
  CHECK(names.names_for("10.0.0.1", kT0 + 120 * kSecond) == Names{"new.test", "long.test"});
}

TEST_CASE("canonical_address and address_text", "[dns_names]") {
  CHECK(canonical_address("192.0.2.1") == "192.0.2.1");
  CHECK(canonical_address("::ffff:192.0.2.1") == "192.0.2.1");
  CHECK(canonical_address("2001:DB8:0:0::1") == "2001:db8::1");
  CHECK(canonical_address("::1") == "::1");
  CHECK(canonical_address("not an address") == "not an address");

  const uint8_t v4[] = {192, 0, 2, 1};
  const uint8_t mapped[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
  const uint8_t v6[] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(address_text(v4) == "192.0.2.1");
  CHECK(address_text(mapped) == "192.0.2.1");
  CHECK(address_text(v6) == "2001:db8::1");
  CHECK(address_text(std::span(v6).first(5)).empty());
}

}  // namespace yagura
