#include "sensor/enrich/user_names.h"

#include <catch2/catch.hpp>
#include <map>

namespace yagura {
namespace {

constexpr uint32_t kUnusedId = 3999999;

// A name service the test edits, counting the lookups that reach it.
struct FakeNss {
  std::map<uint32_t, std::string> names;
  int lookups = 0;

  std::function<std::string(uint32_t)> lookup() {
    return [this](uint32_t id) {
      ++lookups;
      auto it = names.find(id);
      return it == names.end() ? std::string() : it->second;
    };
  }
};

struct FakeClock {
  std::chrono::steady_clock::time_point now{};

  std::function<std::chrono::steady_clock::time_point()> fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("system name lookups resolve root and leave unknown ids empty") {
  CHECK(system_user_name(0) == "root");
  CHECK(system_group_name(0) == "root");
  CHECK(system_user_name(kUnusedId).empty());
  CHECK(system_group_name(kUnusedId).empty());
}

TEST_CASE("UserNames resolves through the system by default") {
  UserNames names;
  CHECK(names.user(0) == "root");
  CHECK(names.group(0) == "root");
  CHECK(names.user(kUnusedId).empty());
  CHECK(names.group(kUnusedId).empty());
  CHECK(names.user(0) == "root");  // cached answer is the same
}

TEST_CASE("UserNames caches names, unknown ids included, until the TTL") {
  FakeNss users;
  FakeNss groups;
  FakeClock clock;
  users.names[1000] = "alice";
  groups.names[1000] = "staff";
  UserNamesOptions options;
  options.ttl = std::chrono::seconds(300);
  options.clock = clock.fn();
  options.user_lookup = users.lookup();
  options.group_lookup = groups.lookup();
  UserNames names(options);

  CHECK(names.user(1000) == "alice");
  CHECK(names.user(kUnusedId).empty());
  CHECK(names.group(1000) == "staff");
  CHECK(users.lookups == 2);
  CHECK(groups.lookups == 1);

  users.names[1000] = "alice2";
  users.names[kUnusedId] = "newcomer";
  clock.now += std::chrono::seconds(299);
  CHECK(names.user(1000) == "alice");
  CHECK(names.user(kUnusedId).empty());
  CHECK(users.lookups == 2);

  clock.now += std::chrono::seconds(1);
  CHECK(names.user(1000) == "alice2");
  CHECK(names.user(kUnusedId) == "newcomer");
  CHECK(users.lookups == 4);
  CHECK(names.user(1000) == "alice2");
  CHECK(users.lookups == 4);
}

TEST_CASE("UserNames keeps at most max_entries ids, dropping the least recently used") {
  FakeNss users;
  users.names = {{1, "a"}, {2, "b"}, {3, "c"}};
  UserNamesOptions options;
  options.max_entries = 2;
  options.user_lookup = users.lookup();
  UserNames names(options);

  names.user(1);
  names.user(2);
  names.user(1);  // 2 is now the least recently used
  names.user(3);  // evicts 2
  CHECK(users.lookups == 3);
  CHECK(names.user(1) == "a");
  CHECK(names.user(3) == "c");
  CHECK(users.lookups == 3);
  CHECK(names.user(2) == "b");
  CHECK(users.lookups == 4);
}

}  // namespace yagura
