#include "sensor/filter/filter_tables.h"

#include <catch2/catch.hpp>
#include <map>

namespace yagura {
namespace {

// A host with a few users, files and home directories, and no surprises.
FilterHost fake_host() {
  FilterHost h;
  h.uid_of = [](const std::string& u) -> std::optional<uint32_t> {
    static const std::map<std::string, uint32_t> users{{"backup", 34}, {"1001", 1001}};
    auto it = users.find(u);
    if (it == users.end()) return std::nullopt;
    return it->second;
  };
  h.inode_of = [](const std::string& p) -> std::optional<InodeId> {
    static const std::map<std::string, InodeId> files{
        {"/usr/bin/backup-agent", {100, 0x800001}},
        {"/etc/shadow", {200, 0x800001}},
        {"/home/ann/.ssh/", {300, 0x800002}},
        {"/home/bob/.ssh/", {301, 0x800002}},
        {"/sys/fs/cgroup/system.slice/foo.service", {4242, 0x1a}}};
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  h.glob = [](const std::string& pattern) -> std::vector<std::string> {
    if (pattern == "/home/*/.ssh/") return {"/home/ann/.ssh", "/home/bob/.ssh"};
    return {};
  };
  h.cgroup2_root = "/sys/fs/cgroup";
  return h;
}

KernelFilterConfig empty_config() {
  KernelFilterConfig c;
  c.watch_writes.clear();
  c.watch_reads.clear();
  return c;
}

}  // namespace

TEST_CASE("event switches become the enabled-type bits", "[filter]") {
  KernelFilterConfig c = empty_config();
  FilterTables all = build_filter_tables(c, fake_host());
  for (uint32_t t = YG_EV_EXEC; t < YG_EV_TYPE_MAX; ++t)
    CHECK((all.cfg.enabled_types & (1u << t)) != 0);
  CHECK((all.cfg.enabled_types & 1u) == 0);

  c.events.dns = false;
  c.events.fork = false;
  FilterTables some = build_filter_tables(c, fake_host());
  CHECK((some.cfg.enabled_types & (1u << YG_EV_DNS)) == 0);
  CHECK((some.cfg.enabled_types & (1u << YG_EV_FORK)) == 0);
  CHECK((some.cfg.enabled_types & (1u << YG_EV_NET)) != 0);
}

TEST_CASE("network switches become filter flags", "[filter]") {
  KernelFilterConfig c = empty_config();
  CHECK(build_filter_tables(c, fake_host()).cfg.flags == 0);
  c.network_loopback = false;
  CHECK(build_filter_tables(c, fake_host()).cfg.flags == YG_FILTER_SKIP_LOOPBACK);
  c.network_unix = false;
  CHECK(build_filter_tables(c, fake_host()).cfg.flags ==
        (YG_FILTER_SKIP_LOOPBACK | YG_FILTER_SKIP_UNIX));
}

TEST_CASE("ignored users, executables and cgroups resolve, unknown ones warn", "[filter]") {
  KernelFilterConfig c = empty_config();
  c.ignore_users = {"backup", "1001", "nosuchuser"};
  c.ignore_executables = {"/usr/bin/backup-agent", "/opt/missing"};
  c.ignore_cgroups = {"/system.slice/foo.service", "system.slice/foo.service", "/gone"};
  FilterTables t = build_filter_tables(c, fake_host());

  CHECK(t.ignore_uids == std::vector<uint32_t>{34, 1001});
  REQUIRE(t.ignore_exes.size() == 1);
  CHECK(t.ignore_exes[0] == InodeId{100, 0x800001});
  CHECK(t.ignore_cgroups == std::vector<uint64_t>{4242});  // both spellings, once
  CHECK(t.cfg.ignore_uids == 2);
  CHECK(t.cfg.ignore_exes == 1);
  CHECK(t.cfg.ignore_cgroups == 1);
  REQUIRE(t.warnings.size() == 3);
  CHECK(t.warnings[0].find("nosuchuser") != std::string::npos);
  CHECK(t.warnings[1].find("/opt/missing") != std::string::npos);
  CHECK(t.warnings[2].find("/gone") != std::string::npos);
}

TEST_CASE("write watches and exclusions become trie prefixes", "[filter]") {
  KernelFilterConfig c = empty_config();
  c.watch_writes = {"/etc/cron", "/home/*/.ssh/", "/etc/cron", "relative/path"};
  c.watch_exclude = {"/etc/cron.daily/", "/etc/cron"};
  FilterTables t = build_filter_tables(c, fake_host());

  std::vector<WatchPrefix> want{{"/etc/cron", 0},  // the exclusion wins over the same watch
                                {"/etc/cron.daily/", 0},
                                {"/home/ann/.ssh/", YG_WATCH_WRITE},  // the glob keeps its '/'
                                {"/home/bob/.ssh/", YG_WATCH_WRITE}};
  CHECK(t.watch_paths == want);
  REQUIRE(t.warnings.size() == 1);
  CHECK(t.warnings[0].find("not an absolute path") != std::string::npos);
}

TEST_CASE("a prefix longer than the trie key is refused, not cut", "[filter]") {
  KernelFilterConfig c = empty_config();
  c.watch_writes = {"/" + std::string(YG_LPM_MAX, 'a'), "/" + std::string(YG_LPM_MAX - 1, 'b')};
  FilterTables t = build_filter_tables(c, fake_host());
  REQUIRE(t.watch_paths.size() == 1);
  CHECK(t.watch_paths[0].prefix.size() == YG_LPM_MAX);
  REQUIRE(t.warnings.size() == 1);
  CHECK(t.warnings[0].find("longer than") != std::string::npos);
}

TEST_CASE("read watches resolve files and globbed directories to inodes", "[filter]") {
  KernelFilterConfig c = empty_config();
  c.watch_reads = {"/etc/shadow", "/home/*/.ssh/", "/root/.aws/"};
  FilterTables t = build_filter_tables(c, fake_host());
  CHECK(t.read_inodes ==
        std::vector<InodeId>{{200, 0x800001}, {300, 0x800002}, {301, 0x800002}});
  CHECK(t.cfg.read_watch == 3);
}

TEST_CASE("sets beyond the kernel map size are cut with a warning", "[filter]") {
  KernelFilterConfig c = empty_config();
  FilterHost h = fake_host();
  h.uid_of = [](const std::string& u) -> std::optional<uint32_t> { return std::stoul(u); };
  for (uint32_t i = 0; i < YG_FILTER_SET_MAX + 5; ++i) c.ignore_users.push_back(std::to_string(i));
  FilterTables t = build_filter_tables(c, h);
  CHECK(t.ignore_uids.size() == YG_FILTER_SET_MAX);
  CHECK(t.cfg.ignore_uids == YG_FILTER_SET_MAX);
  REQUIRE(t.warnings.size() == 1);
  CHECK(t.warnings[0].find("ignored users") != std::string::npos);
}

TEST_CASE("same_contents ignores warnings but not entries", "[filter]") {
  KernelFilterConfig c = empty_config();
  c.ignore_users = {"backup", "ghost"};
  FilterTables a = build_filter_tables(c, fake_host());
  FilterTables b = a;
  b.warnings.clear();
  CHECK(a.same_contents(b));
  b.ignore_uids.push_back(7);
  CHECK_FALSE(a.same_contents(b));
  b = a;
  b.cfg.flags ^= YG_FILTER_SKIP_UNIX;
  CHECK_FALSE(a.same_contents(b));
}

TEST_CASE("lpm_key holds the bytes and their length in bits", "[filter]") {
  yg_lpm_key k = lpm_key("/etc/cron");
  CHECK(k.prefixlen == 9 * 8);
  CHECK(std::string(k.data, 9) == "/etc/cron");
  CHECK(k.data[9] == '\0');
  CHECK(lpm_key(std::string(1000, 'x')).prefixlen == YG_LPM_MAX * 8);
}

TEST_CASE("the built-in watches cover the persistence and credential paths", "[filter]") {
  KernelFilterConfig d = default_kernel_filter_config();
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (const char* p : {"/etc/cron", "/var/spool/cron/", "/etc/systemd/", "/etc/ld.so.preload",
                        "/etc/sudoers", "/etc/passwd", "/etc/shadow", "/root/.ssh/",
                        "/home/*/.ssh/", "/usr/bin/", "/etc/profile"})
    CHECK(has(d.watch_writes, p));
  for (const char* p : {"/etc/shadow", "/root/.ssh/", "/home/*/.ssh/"}) CHECK(has(d.watch_reads, p));
  for (const std::string& p : d.watch_writes) CHECK(p.size() <= YG_LPM_MAX);
}

}  // namespace yagura

#include "sensor/filter/path_watch.h"

namespace yagura {

TEST_CASE("PathWatch matches like the kernel trie: longest prefix wins", "[filter]") {
  FilterTables t;
  t.watch_paths = {{"/etc/", YG_WATCH_WRITE},
                   {"/etc/cron", YG_WATCH_WRITE},
                   {"/etc/cron.daily/", 0},
                   {"/etc/cron.daily/keep", YG_WATCH_WRITE}};
  PathWatch w(t);
  CHECK(w.watches_writes("/etc/passwd"));
  CHECK(w.watches_writes("/etc/crontab"));
  CHECK(w.watches_writes("/etc/cron.d/job"));
  CHECK_FALSE(w.watches_writes("/etc/cron.daily/logrotate"));
  CHECK(w.watches_writes("/etc/cron.daily/keepme"));
  CHECK_FALSE(w.watches_writes("/etc"));  // the prefix is "/etc/"
  CHECK_FALSE(w.watches_writes("/tmp/x"));
  CHECK(w.flags_for("/usr/bin/x") == 0);
}

TEST_CASE("PathWatch compares only the bytes the trie key holds", "[filter]") {
  FilterTables t;
  t.watch_paths = {{"/" + std::string(YG_LPM_MAX - 1, 'a'), YG_WATCH_WRITE}};
  PathWatch w(t);
  CHECK(w.watches_writes("/" + std::string(YG_LPM_MAX - 1, 'a') + "/deeper/still"));
  CHECK_FALSE(w.watches_writes("/" + std::string(YG_LPM_MAX - 2, 'a')));
}

}  // namespace yagura
