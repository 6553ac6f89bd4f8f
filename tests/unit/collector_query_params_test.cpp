// The API's request targets: percent-decoding, strict parameter checks,
// and the two ways a time is written.
#include <catch2/catch.hpp>

#include "collector/api/query_params.h"

namespace yagura::collector {
namespace {

TEST_CASE("query params: decoded, checked, repeated only when allowed", "[collector][api]") {
  auto t = RequestTarget::parse("/v1/admin/hosts?tag=team%3Da&tag=role=web&file=%2Ftmp%2Fa+b%FF");
  REQUIRE(t);
  CHECK(t->path == "/v1/admin/hosts");
  CHECK(t->params.all("tag") == std::vector<std::string>{"team=a", "role=web"});
  CHECK(t->params.get("file") == "/tmp/a b\xff");
  CHECK_FALSE(t->params.get("domain"));
  CHECK(t->params.check({"tag", "file"}, {"tag"}));
  auto twice = t->params.check({"tag", "file"});
  REQUIRE_FALSE(twice);
  CHECK_THAT(twice.error().message, Catch::Contains("\"tag\" given twice"));
  auto unknown = t->params.check({"tag"}, {"tag"});
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("unknown query parameter \"file\""));

  CHECK_FALSE(RequestTarget::parse("/v1/admin/hosts?domain=%zz"));
  CHECK_FALSE(RequestTarget::parse("/v1/admin/hosts?domain=a%4"));
  auto bare = RequestTarget::parse("/v1/batches");
  REQUIRE(bare);
  CHECK(bare->params.check({}));
}

TEST_CASE("query params: limit", "[collector][api]") {
  auto limit = [](const std::string& query) {
    auto t = RequestTarget::parse("/x?" + query);
    REQUIRE(t);
    return t->params.limit(10, 100);
  };
  CHECK(*limit("") == 10);
  CHECK(*limit("limit=100") == 100);
  CHECK_FALSE(limit("limit=0"));
  CHECK_FALSE(limit("limit=101"));
  CHECK_FALSE(limit("limit=-1"));
  CHECK_FALSE(limit("limit=1e3"));
}

TEST_CASE("time parameters: nanoseconds or RFC 3339", "[collector][api]") {
  CHECK(*parse_time("1795327262123456789") == 1795327262123456789u);
  CHECK(*parse_time("1970-01-01T00:00:00Z") == 0);
  // The sensor's own "time" strings read back exactly.
  CHECK(*parse_time("2026-11-22T06:01:02.123456789Z") == 1795327262123456789u);
  CHECK(*parse_time("2026-11-22T06:01:02.5Z") == 1795327262500000000u);
  CHECK(*parse_time("2026-11-22T15:01:02+09:00") == 1795327262000000000u);
  CHECK(*parse_time("2026-11-22t06:01:02z") == 1795327262000000000u);
  CHECK(*parse_time("2024-02-29T00:00:00Z") == 1709164800000000000u);

  for (const char* bad :
       {"", "yesterday", "2026-11-22", "2026-11-22T06:01:02", "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-11-22T06:01:02.Z", "2026-11-22T06:01:02.1234567890Z",
        "2026-11-22T06:01:02+0900", "2026-11-22T06:01:02Zjunk", "1969-12-31T23:59:59Z",
        "99999999999999999999999"}) {
    INFO(bad);
    CHECK_FALSE(parse_time(bad));
  }
}

}  // namespace
}  // namespace yagura::collector
