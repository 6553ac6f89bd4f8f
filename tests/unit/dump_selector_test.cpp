#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "dump/event_selector.h"
#include "tests/unit/dump_test_support.h"

using namespace yagura;
using namespace yagura::dump;
using namespace yagura::testing;

namespace {

// A tree: init -> sshd -> bash -> {curl, sh -> cat}; cron (another
// tree). Each process has one exec event, at its own second: the event at
// second N is at 06:01:02 + N.
struct Journal {
  Proc init{"1:1", 1, "/usr/lib/systemd/systemd", "/sbin/init", "root", 0};
  Proc sshd{"812:3000", 812, "/usr/sbin/sshd", "sshd: alice", "root", 0};
  Proc bash{"4100:5000", 4100, "/usr/bin/bash", "-bash", "alice", 1000};
  Proc curl{"4242:9900", 4242, "/usr/bin/curl", "curl example.com", "alice", 1000};
  Proc sh{"4300:9950", 4300, "/usr/bin/dash", "sh -c cat", "alice", 1000};
  Proc cat{"4301:9960", 4301, "/usr/bin/cat", "cat /etc/shadow", "alice", 1000};
  Proc cron{"700:2000", 700, "/usr/sbin/cron", "cron -f", "root", 0};
  // The same pid as curl, later: pid reuse.
  Proc curl2{"4242:99000", 4242, "/usr/bin/wget", "wget x", "bob", 1001};

  std::vector<nlohmann::json> events;

  Journal() {
    events.push_back(make_event("exec", 1, sshd, &init));
    events.push_back(make_event("exec", 2, bash, &sshd, {&init}));
    events.push_back(make_event("exec", 3, curl, &bash, {&sshd, &init}));
    events.push_back(make_event("exec", 4, sh, &bash, {&sshd, &init}));
    // cat's lineage stops at its parent's unknown image: only the fork links
    // it, and its exec names no parent at all.
    events.push_back(make_event("fork", 5, cat, &sh));
    events.push_back(make_event("exec", 6, cat));
    events.push_back(make_event("exec", 7, cron, &init));
    events.push_back(make_event("exec", 600, curl2, &cron, {&init}));
    nlohmann::json health = {{"type", "health"}, {"time", format_rfc3339(kT0 + 3 * kSecond)}};
    events.push_back(health);
  }

  // The process keys of the events selected under `scope`, in journal order.
  std::vector<std::string> select(const DumpScope& scope) const {
    auto selector = EventSelector::create(scope);
    REQUIRE(selector.ok());
    if (selector->needs_prepare()) {
      for (const auto& e : events) selector->prepare(e);
    }
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (selector->select(e)) out.push_back(e["process"]["key"].get<std::string>());
    }
    return out;
  }
};

DumpScope scope_with(std::initializer_list<std::pair<const char*, const char*>> options) {
  DumpScope scope;
  for (const auto& [name, value] : options) {
    REQUIRE(set_scope_option(scope, name, value, kT0 + 3600 * kSecond));
  }
  REQUIRE(validate_scope(scope));
  return scope;
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE("dump selector: no criterion selects every event but health lines", "[dump]") {
  Journal j;
  CHECK(j.select(DumpScope{}).size() == 8);
}

TEST_CASE("dump selector: by time, from inclusive, to exclusive", "[dump]") {
  Journal j;
  // sh's exec is at 06:01:06, cat's fork at 06:01:07 and its exec at 06:01:08.
  CHECK(j.select(scope_with({{"from", "2026-11-22T06:01:06Z"}, {"to", "2026-11-22T06:01:08Z"}})) ==
        Keys{j.sh.key, j.cat.key});
  CHECK(j.select(scope_with(
            {{"from", "2026-11-22T07:01:06+01:00"}, {"to", "2026-11-22T06:01:07.000000001Z"}})) ==
        Keys{j.sh.key, j.cat.key});
  // Relative to now (kT0 + 1 h): the last 55 minutes hold only wget.
  CHECK(j.select(scope_with({{"from", "-55m"}})) == Keys{j.curl2.key});
}

TEST_CASE("dump selector: by process, that process only", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with({{"process", "4300:9950"}})) == Keys{j.sh.key});
}

TEST_CASE("dump selector: descendants, with a grandchild linked only by its fork", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with({{"process", j.bash.key.c_str()}, {"mode", "descendants"}})) ==
        Keys{j.bash.key, j.curl.key, j.sh.key, j.cat.key, j.cat.key});
  // The order of the journal does not matter: the fork may come last.
  std::swap(j.events[4], j.events[7]);
  auto selected = j.select(scope_with({{"process", j.bash.key.c_str()}, {"mode", "descendants"}}));
  CHECK(std::set<std::string>(selected.begin(), selected.end()) ==
        std::set<std::string>{j.bash.key, j.curl.key, j.sh.key, j.cat.key});
}

TEST_CASE("dump selector: lineage adds the ancestors and their events", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with({{"process", j.sh.key.c_str()}, {"mode", "lineage"}})) ==
        Keys{j.sshd.key, j.bash.key, j.sh.key, j.cat.key, j.cat.key});
  // init has no events of its own here; a sibling (curl) is not lineage.
}

TEST_CASE("dump selector: a pid stands for every key it had in the period", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with({{"pid", "4242"}})) == Keys{j.curl.key, j.curl2.key});
  CHECK(j.select(scope_with({{"pid", "4242"}, {"to", "2026-11-22T06:05:00Z"}})) ==
        Keys{j.curl.key});
  // A pid seen only as a parent still resolves, and its descendants follow.
  j.events.erase(j.events.begin() + 3);  // sh's own exec
  CHECK(j.select(scope_with({{"pid", "4300"}, {"mode", "descendants"}})) ==
        Keys{j.cat.key, j.cat.key});
}

TEST_CASE("dump selector: by executable, exact or glob", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with({{"exe", "/usr/bin/curl"}})) == Keys{j.curl.key});
  CHECK(j.select(scope_with({{"exe", "/usr/sbin/*"}})) == Keys{j.sshd.key, j.cron.key});
  CHECK(j.select(scope_with({{"exe", "*/c*t"}})) == Keys{j.cat.key, j.cat.key});
  CHECK(j.select(scope_with({{"exe", "/usr/bin/cur"}})).empty());
}

TEST_CASE("dump selector: by user name or uid", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with({{"user", "bob"}})) == Keys{j.curl2.key});
  CHECK(j.select(scope_with({{"user", "1001"}})) == Keys{j.curl2.key});
  CHECK(j.select(scope_with({{"user", "0"}})) == Keys{j.sshd.key, j.cron.key});
}

TEST_CASE("dump selector: by destination IP, CIDR or domain", "[dump]") {
  Journal j;
  j.events.clear();
  nlohmann::json to_example = make_event("network", 1, j.curl, &j.bash);
  with_connect(to_example, "93.184.215.14", 443, {"www.example.com"});
  nlohmann::json to_internal = make_event("network", 2, j.curl, &j.bash);
  with_connect(to_internal, "10.1.2.3", 5432);
  nlohmann::json from_attacker = make_event("network", 3, j.sshd, &j.init);
  with_accept(from_attacker, "203.0.113.9");
  nlohmann::json lookup = make_event("dns", 4, j.curl, &j.bash);
  with_dns_answer(lookup, "www.Example.com", "93.184.215.14");
  nlohmann::json v6 = make_event("network", 5, j.curl, &j.bash);
  with_connect(v6, "2001:db8::7", 443);
  j.events = {to_example, to_internal, from_attacker,
              lookup,     v6,          make_event("exec", 6, j.curl, &j.bash)};

  auto seconds = [&](const DumpScope& scope) {
    auto selector = EventSelector::create(scope);
    REQUIRE(selector.ok());
    std::vector<std::string> out;
    for (const auto& e : j.events) {
      if (selector->select(e)) out.push_back(e["time"].get<std::string>().substr(17, 2));
    }
    return out;
  };
  CHECK(seconds(scope_with({{"destination", "93.184.215.14"}})) == Keys{"03", "06"});
  CHECK(seconds(scope_with({{"destination", "10.0.0.0/8"}})) == Keys{"04"});
  // An inbound connection matches by its remote end, the client.
  CHECK(seconds(scope_with({{"destination", "203.0.113.0/24"}})) == Keys{"05"});
  CHECK(seconds(scope_with({{"destination", "example.com"}})) == Keys{"03", "06"});
  CHECK(seconds(scope_with({{"destination", "WWW.example.com."}})) == Keys{"03", "06"});
  CHECK(seconds(scope_with({{"destination", "ample.com"}})).empty());
  CHECK(seconds(scope_with({{"destination", "2001:db8::/32"}})) == Keys{"07"});
  CHECK(seconds(scope_with({{"destination", "::ffff:10.1.2.3"}})) == Keys{"04"});
}

TEST_CASE("dump selector: criteria combine with AND", "[dump]") {
  Journal j;
  CHECK(j.select(scope_with(
            {{"process", j.bash.key.c_str()}, {"mode", "descendants"}, {"exe", "/usr/bin/c*"}})) ==
        Keys{j.curl.key, j.cat.key, j.cat.key});
  CHECK(j.select(scope_with({{"user", "alice"}, {"to", "2026-11-22T06:01:06Z"}})) ==
        Keys{j.bash.key, j.curl.key});
}
