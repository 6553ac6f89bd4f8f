#include "common/lru_map.h"

#include <catch2/catch.hpp>
#include <string>

using yagura::LruMap;

TEST_CASE("LruMap forgets the least recently used entry when full", "[lru_map]") {
  LruMap<int, std::string> m(2);
  m.put(1, "one");
  m.put(2, "two");
  REQUIRE(m.find(1) != nullptr);  // 1 is now the most recent
  m.put(3, "three");              // evicts 2
  CHECK(m.find(2) == nullptr);
  REQUIRE(m.find(1) != nullptr);
  CHECK(*m.find(1) == "one");
  CHECK(*m.find(3) == "three");
  CHECK(m.size() == 2);
}

TEST_CASE("LruMap put replaces a value without evicting", "[lru_map]") {
  LruMap<int, std::string> m(2);
  m.put(1, "one");
  m.put(2, "two");
  m.put(1, "uno");
  CHECK(m.size() == 2);
  CHECK(*m.find(1) == "uno");
  CHECK(*m.find(2) == "two");
}

TEST_CASE("LruMap of capacity 0 keeps nothing", "[lru_map]") {
  LruMap<int, int> m(0);
  m.put(1, 1);
  CHECK(m.find(1) == nullptr);
  CHECK(m.size() == 0);
}
