#include "dump/dump_scope.h"

#include <catch2/catch.hpp>
#include <string>

#include "dump/destination.h"
#include "dump/rfc3339.h"
#include "tests/unit/dump_test_support.h"

using namespace yagura;
using namespace yagura::dump;
using namespace yagura::testing;

TEST_CASE("dump scope: RFC 3339 times read as nanoseconds since the epoch", "[dump]") {
  CHECK(parse_rfc3339("2026-11-22T06:01:02Z") == kT0);
  CHECK(parse_rfc3339("2026-11-22T06:01:02.123456789Z") == kT0 + 123456789);
  CHECK(parse_rfc3339("2026-11-22T06:01:02.5Z") == kT0 + 500'000'000);
  CHECK(parse_rfc3339("2026-11-22T08:31:02+02:30") == kT0);
  CHECK(parse_rfc3339("2026-11-22T01:01:02-05:00") == kT0);
  CHECK(parse_rfc3339("1970-01-01T00:00:00Z") == 0u);
  CHECK(parse_rfc3339("2024-02-29T00:00:00Z").has_value());  // leap year
  for (const char* bad : {"2026-11-22 06:01:02Z", "2026-11-22T06:01:02", "2025-02-29T00:00:00Z",
                          "2026-13-01T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T06:01:02.Z",
                          "2026-11-22T06:01:02.1234567890Z", "1969-12-31T23:59:59Z",
                          "2026-11-22T06:01:02+0100", "9999-01-01T00:00:00Z", ""}) {
    INFO(bad);
    CHECK_FALSE(parse_rfc3339(bad).has_value());
  }
}

TEST_CASE("dump scope: command-line options, relative times, validation", "[dump]") {
  const uint64_t now = kT0 + 7200 * kSecond;
  DumpScope scope;
  REQUIRE(set_scope_option(scope, "from", "-2h", now));
  REQUIRE(set_scope_option(scope, "to", "now", now));
  REQUIRE(set_scope_option(scope, "process", "4242:990000000000", now));
  REQUIRE(set_scope_option(scope, "mode", "lineage", now));
  REQUIRE(set_scope_option(scope, "exe", "/usr/bin/*", now));
  REQUIRE(set_scope_option(scope, "user", "alice", now));
  REQUIRE(set_scope_option(scope, "destination", "10.0.0.0/8", now));
  REQUIRE(validate_scope(scope));
  CHECK(scope.from_ns == kT0);
  CHECK(scope.to_ns == now);
  CHECK(scope.mode == ProcessMode::kLineage);
  CHECK(describe_scope(scope) ==
        "from 2026-11-22T06:01:02.000000000Z, to 2026-11-22T08:01:02.000000000Z, process "
        "4242:990000000000, its ancestors and descendants, exe /usr/bin/*, user alice, "
        "destination 10.0.0.0/8");

  DumpScope bad;
  CHECK_FALSE(set_scope_option(bad, "from", "yesterday", now));
  CHECK_FALSE(set_scope_option(bad, "from", "-2w", now));
  CHECK_FALSE(set_scope_option(bad, "process", "4242", now));
  CHECK_FALSE(set_scope_option(bad, "pid", "0", now));
  CHECK_FALSE(set_scope_option(bad, "pid", "12x", now));
  CHECK_FALSE(set_scope_option(bad, "mode", "children", now));
  CHECK_FALSE(set_scope_option(bad, "destination", "10.0.0.0/33", now));
  CHECK_FALSE(set_scope_option(bad, "destination", "not a host", now));
  CHECK_FALSE(set_scope_option(bad, "colour", "red", now));

  DumpScope both;
  REQUIRE(set_scope_option(both, "process", "1:2", now));
  REQUIRE(set_scope_option(both, "pid", "1", now));
  CHECK_THAT(validate_scope(both).error().message, Catch::Contains("not both"));
  DumpScope mode_alone;
  REQUIRE(set_scope_option(mode_alone, "mode", "descendants", now));
  CHECK_FALSE(validate_scope(mode_alone));
  DumpScope backwards;
  REQUIRE(set_scope_option(backwards, "from", "-1h", now));
  REQUIRE(set_scope_option(backwards, "to", "-2h", now));
  CHECK_FALSE(validate_scope(backwards));
  CHECK(describe_scope(DumpScope{}) == "everything in the journal");
}

TEST_CASE("dump scope: JSON round trip, strict about members", "[dump]") {
  DumpScope scope;
  scope.from_ns = kT0;
  scope.pid = 4242;
  scope.mode = ProcessMode::kDescendants;
  scope.destination = "example.com";
  const nlohmann::json j = scope_to_json(scope);
  CHECK(j == nlohmann::json{{"from", "2026-11-22T06:01:02.000000000Z"},
                            {"pid", 4242},
                            {"mode", "descendants"},
                            {"destination", "example.com"}});
  auto back = scope_from_json(j);
  REQUIRE(back.ok());
  CHECK(scope_to_json(*back) == j);

  CHECK(scope_from_json(nlohmann::json::object()).ok());
  CHECK_THAT(scope_from_json({{"since", "x"}}).error().message, Catch::Contains("since"));
  CHECK_FALSE(scope_from_json({{"from", "-2h"}}).ok());  // absolute times only
  CHECK_FALSE(scope_from_json({{"pid", -1}}).ok());
  CHECK_FALSE(scope_from_json({{"pid", "4242"}}).ok());
  CHECK_FALSE(scope_from_json({{"exe", 3}}).ok());
  CHECK_FALSE(scope_from_json({{"mode", "lineage"}}).ok());  // no process
  CHECK_FALSE(scope_from_json(nlohmann::json::array()).ok());
}

TEST_CASE("dump scope: destinations", "[dump]") {
  auto host = Destination::parse("192.0.2.1");
  REQUIRE(host.ok());
  CHECK(host->matches_address("192.0.2.1"));
  CHECK(host->matches_address("::ffff:192.0.2.1"));
  CHECK_FALSE(host->matches_address("192.0.2.2"));
  CHECK_FALSE(host->matches_address("example.com"));
  CHECK_FALSE(host->matches_name("192.0.2.1"));

  auto net = Destination::parse("192.0.2.77/25");
  REQUIRE(net.ok());
  CHECK(net->matches_address("192.0.2.0"));
  CHECK(net->matches_address("192.0.2.127"));
  CHECK_FALSE(net->matches_address("192.0.2.128"));
  CHECK_FALSE(net->matches_address("2001:db8::1"));

  auto all = Destination::parse("0.0.0.0/0");
  REQUIRE(all.ok());
  CHECK(all->matches_address("203.0.113.1"));
  CHECK_FALSE(all->matches_address("2001:db8::1"));  // IPv4 only

  auto v6 = Destination::parse("2001:db8:1::/48");
  REQUIRE(v6.ok());
  CHECK(v6->matches_address("2001:db8:1:ffff::1"));
  CHECK_FALSE(v6->matches_address("2001:db8:2::1"));

  auto zone = Destination::parse("Evil.Example.");
  REQUIRE(zone.ok());
  CHECK(zone->is_domain());
  CHECK(zone->matches_name("evil.example"));
  CHECK(zone->matches_name("c2.EVIL.example."));
  CHECK_FALSE(zone->matches_name("notevil.example"));
  CHECK_FALSE(zone->matches_address("192.0.2.1"));

  for (const char* bad :
       {"", "192.0.2.1/", "192.0.2.1/x", "2001:db8::/129", "a..b", ".a", "has space", "x/8"}) {
    INFO(bad);
    CHECK_FALSE(Destination::parse(bad).ok());
  }
}
