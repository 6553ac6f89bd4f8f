#include "sensor/filter/kernel_filter.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <set>

namespace yagura {
namespace {

// Records every map operation, and can be told to fail one of them. The
// "kernel" state is what a program would see: the active generation, and
// each generation's sets and switches.
class FakeBackend : public FilterMapBackend {
 public:
  struct Set {
    FilterSet kind;
    std::map<std::string, uint32_t> entries;  // key bytes -> value
  };
  struct State {
    uint32_t gen = 0;
    std::map<std::pair<FilterSet, uint32_t>, int> installed;  // (set, gen) -> set id
    std::map<uint32_t, yg_filter_cfg> cfg;
    std::map<int, Set> sets;          // by set id
    std::map<int, int> id_of_fd;      // descriptors are reused once closed
    int next_id = 0;
    std::vector<std::string> log;
    std::string fail_on;  // an operation name
  };

  explicit FakeBackend(State& s) : s_(s) {}

  Result<UniqueFd> create_set(FilterSet kind) override {
    if (s_.fail_on == "create") return Error{"create failed"};
    // dup() gives a real descriptor that UniqueFd may close.
    int fd = dup(0);
    s_.id_of_fd[fd] = ++s_.next_id;
    s_.sets[s_.next_id] = Set{kind, {}};
    s_.log.push_back("create");
    return UniqueFd(fd);
  }
  Status insert(int fd, const void* key, uint32_t value) override {
    if (s_.fail_on == "insert") return Error{"insert failed"};
    Set& set = s_.sets.at(s_.id_of_fd.at(fd));
    set.entries[std::string(static_cast<const char*>(key), key_size(set.kind))] = value;
    return ok_status();
  }
  Status install_set(FilterSet set, uint32_t gen, int fd) override {
    if (gen == s_.gen) s_.log.push_back("WROTE ACTIVE GENERATION");
    s_.installed[{set, gen}] = s_.id_of_fd.at(fd);
    s_.log.push_back("install");
    return ok_status();
  }
  Status write_cfg(uint32_t gen, const yg_filter_cfg& cfg) override {
    if (s_.fail_on == "cfg") return Error{"cfg failed"};
    if (gen == s_.gen) s_.log.push_back("WROTE ACTIVE GENERATION");
    s_.cfg[gen] = cfg;
    s_.log.push_back("cfg");
    return ok_status();
  }
  Result<uint32_t> active_gen() override { return s_.gen; }
  Status activate(uint32_t gen) override {
    s_.gen = gen;
    s_.log.push_back("activate " + std::to_string(gen));
    return ok_status();
  }

  static size_t key_size(FilterSet kind) {
    switch (kind) {
      case FilterSet::kWatchPaths:
        return sizeof(yg_lpm_key);
      case FilterSet::kReadInodes:
      case FilterSet::kIgnoreExes:
        return sizeof(yg_inode_key);
      case FilterSet::kIgnoreUids:
        return sizeof(uint32_t);
      case FilterSet::kIgnoreCgroups:
        return sizeof(uint64_t);
    }
    return 0;
  }

 private:
  State& s_;
};

FilterTables sample_tables() {
  FilterTables t;
  t.cfg.enabled_types = 0x1fe;
  t.cfg.flags = YG_FILTER_SKIP_UNIX;
  t.watch_paths = {{"/etc/cron", YG_WATCH_WRITE}, {"/etc/cron.daily/", 0}};
  t.read_inodes = {{200, 7}};
  t.ignore_exes = {{100, 7}, {101, 7}};
  t.ignore_uids = {34};
  t.ignore_cgroups = {4242, 4343};
  return t;
}

// What a program of the active generation would find in a set.
const FakeBackend::Set& active_set(const FakeBackend::State& s, FilterSet kind) {
  return s.sets.at(s.installed.at({kind, s.gen}));
}

}  // namespace

TEST_CASE("publish fills the inactive generation, then switches to it", "[filter]") {
  FakeBackend::State state;
  KernelFilter filter(std::make_unique<FakeBackend>(state));
  REQUIRE(filter.publish(sample_tables()));

  CHECK(state.gen == 1);
  CHECK(filter.generations_published() == 1);
  // Five sets and the switches, all before the one write that activates.
  std::vector<std::string> want{"create", "install", "create", "install", "create", "install",
                                "create", "install", "create", "install", "cfg", "activate 1"};
  CHECK(state.log == want);
  CHECK(state.cfg.at(1).enabled_types == 0x1fe);
  CHECK(state.cfg.at(1).flags == YG_FILTER_SKIP_UNIX);

  const auto& watch = active_set(state, FilterSet::kWatchPaths).entries;
  REQUIRE(watch.size() == 2);
  yg_lpm_key cron = lpm_key("/etc/cron");
  CHECK(watch.at(std::string(reinterpret_cast<const char*>(&cron), sizeof(cron))) ==
        YG_WATCH_WRITE);
  yg_lpm_key daily = lpm_key("/etc/cron.daily/");
  CHECK(watch.at(std::string(reinterpret_cast<const char*>(&daily), sizeof(daily))) == 0);

  CHECK(active_set(state, FilterSet::kIgnoreExes).entries.size() == 2);
  CHECK(active_set(state, FilterSet::kIgnoreCgroups).entries.size() == 2);
  const auto& uids = active_set(state, FilterSet::kIgnoreUids).entries;
  uint32_t uid = 34;
  CHECK(uids.count(std::string(reinterpret_cast<const char*>(&uid), sizeof(uid))) == 1);
  yg_inode_key shadow{};
  shadow.ino = 200;
  shadow.dev = 7;
  CHECK(active_set(state, FilterSet::kReadInodes)
            .entries.count(std::string(reinterpret_cast<const char*>(&shadow), sizeof(shadow))) ==
        1);
}

TEST_CASE("successive publishes alternate generations and never write the active one",
          "[filter]") {
  FakeBackend::State state;
  KernelFilter filter(std::make_unique<FakeBackend>(state));
  FilterTables t = sample_tables();
  for (int i = 0; i < 4; ++i) {
    t.ignore_uids = {static_cast<uint32_t>(1000 + i)};
    REQUIRE(filter.publish(t));
    CHECK(state.gen == static_cast<uint32_t>((i + 1) % 2));
    const auto& uids = active_set(state, FilterSet::kIgnoreUids).entries;
    REQUIRE(uids.size() == 1);  // a fresh set, not the union with the last one
    uint32_t uid = 1000 + i;
    CHECK(uids.count(std::string(reinterpret_cast<const char*>(&uid), sizeof(uid))) == 1);
  }
  CHECK(std::find(state.log.begin(), state.log.end(), "WROTE ACTIVE GENERATION") ==
        state.log.end());
  CHECK(filter.generations_published() == 4);
}

TEST_CASE("a failed publish leaves the active generation in force", "[filter]") {
  for (const char* step : {"create", "insert", "cfg"}) {
    FakeBackend::State state;
    KernelFilter filter(std::make_unique<FakeBackend>(state));
    REQUIRE(filter.publish(sample_tables()));
    const int before = state.installed.at({FilterSet::kIgnoreUids, 1});

    state.fail_on = step;
    FilterTables other = sample_tables();
    other.ignore_uids = {99};
    Status s = filter.publish(other);
    REQUIRE_FALSE(s);
    INFO(step);
    CHECK(s.error().message.find("previous filter stays active") != std::string::npos);
    CHECK(state.gen == 1);
    CHECK(state.installed.at({FilterSet::kIgnoreUids, 1}) == before);
    CHECK(filter.generations_published() == 1);
  }
}

TEST_CASE("empty tables still install empty sets", "[filter]") {
  FakeBackend::State state;
  KernelFilter filter(std::make_unique<FakeBackend>(state));
  REQUIRE(filter.publish(FilterTables{}));
  for (FilterSet kind : {FilterSet::kWatchPaths, FilterSet::kReadInodes, FilterSet::kIgnoreExes,
                         FilterSet::kIgnoreUids, FilterSet::kIgnoreCgroups})
    CHECK(active_set(state, kind).entries.empty());
  CHECK(state.cfg.at(1).enabled_types == 0);
}

}  // namespace yagura
