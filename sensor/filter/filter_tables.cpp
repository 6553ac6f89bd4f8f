#include "sensor/filter/filter_tables.h"

#include <glob.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <set>

namespace yagura {
namespace {

bool has_glob(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::vector<std::string> expand(const FilterHost& host, const std::string& pattern) {
  if (!has_glob(pattern)) return {pattern};
  // glob(3) drops a trailing '/', which makes "dir/" a file prefix: keep it.
  std::vector<std::string> out = host.glob(pattern);
  if (pattern.ends_with('/'))
    for (std::string& p : out)
      if (!p.ends_with('/')) p += '/';
  return out;
}

uint32_t type_bits(const EventSwitches& e) {
  uint32_t bits = 0;
  auto on = [&](bool enabled, yg_event_type t) {
    if (enabled) bits |= 1u << t;
  };
  on(e.exec, YG_EV_EXEC);
  on(e.fork, YG_EV_FORK);
  on(e.exit, YG_EV_EXIT);
  on(e.cred, YG_EV_CRED);
  on(e.network, YG_EV_NET);
  on(e.dns, YG_EV_DNS);
  on(e.file, YG_EV_FILE);
  on(e.tamper, YG_EV_TAMPER);
  return bits;
}

template <typename T>
void sort_unique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The kernel sets have a fixed size; what does not fit is named, not lost
// silently.
template <typename T>
void cap(FilterTables& t, std::vector<T>& v, const char* what) {
  if (v.size() <= YG_FILTER_SET_MAX) return;
  t.warnings.push_back(std::string(what) + ": " + std::to_string(v.size()) + " entries, the kernel set holds " +
                       std::to_string(YG_FILTER_SET_MAX) + "; the rest are left out");
  v.resize(YG_FILTER_SET_MAX);
}

// Prefixes longer than an LPM key would silently match as their first
// YG_LPM_MAX bytes; refuse them instead.
bool add_prefix(FilterTables& t, const std::string& prefix, uint32_t flags) {
  if (prefix.empty() || prefix[0] != '/') {
    t.warnings.push_back("file watch '" + prefix + "' is not an absolute path: ignored");
    return false;
  }
  if (prefix.size() > YG_LPM_MAX) {
    t.warnings.push_back("file watch '" + prefix.substr(0, 40) + "...' is longer than " +
                         std::to_string(YG_LPM_MAX) + " bytes: ignored");
    return false;
  }
  t.watch_paths.push_back(WatchPrefix{prefix, flags});
  return true;
}

}  // namespace

bool FilterTables::same_contents(const FilterTables& o) const {
  return std::memcmp(&cfg, &o.cfg, sizeof(cfg)) == 0 && watch_paths == o.watch_paths &&
         read_inodes == o.read_inodes && ignore_exes == o.ignore_exes &&
         ignore_uids == o.ignore_uids && ignore_cgroups == o.ignore_cgroups;
}

FilterHost FilterHost::local(std::string cgroup2_root) {
  FilterHost h;
  h.uid_of = [](const std::string& user) -> std::optional<uint32_t> {
    uint32_t uid = 0;
    auto [end, ec] = std::from_chars(user.data(), user.data() + user.size(), uid);
    if (ec == std::errc() && end == user.data() + user.size()) return uid;
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found)
      return std::nullopt;
    return found->pw_uid;
  };
  h.inode_of = [](const std::string& path) -> std::optional<InodeId> {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) return std::nullopt;
    // The kernel's dev_t packs major << 20 | minor; userspace's does not.
    return InodeId{st.st_ino, (major(st.st_dev) << 20) | minor(st.st_dev)};
  };
  h.glob = [](const std::string& pattern) {
    std::vector<std::string> out;
    glob_t g{};
    if (::glob(pattern.c_str(), GLOB_NOSORT, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    globfree(&g);
    return out;
  };
  h.cgroup2_root = std::move(cgroup2_root);
  return h;
}

FilterTables build_filter_tables(const KernelFilterConfig& c, const FilterHost& host) {
  FilterTables t;
  t.cfg.enabled_types = type_bits(c.events);
  if (!c.network_loopback) t.cfg.flags |= YG_FILTER_SKIP_LOOPBACK;
  if (!c.network_unix) t.cfg.flags |= YG_FILTER_SKIP_UNIX;

  for (const std::string& user : c.ignore_users) {
    if (auto uid = host.uid_of(user))
      t.ignore_uids.push_back(*uid);
    else
      t.warnings.push_back("ignored user '" + user + "' does not exist here");
  }
  for (const std::string& exe : c.ignore_executables) {
    if (auto id = host.inode_of(exe))
      t.ignore_exes.push_back(*id);
    else
      t.warnings.push_back("ignored executable '" + exe + "' does not exist here");
  }
  for (const std::string& cg : c.ignore_cgroups) {
    // A cgroup v2 id is the inode number of its directory.
    std::string path = host.cgroup2_root + (cg.starts_with('/') ? "" : "/") + cg;
    if (auto id = host.inode_of(path))
      t.ignore_cgroups.push_back(id->ino);
    else
      t.warnings.push_back("ignored cgroup '" + cg + "' does not exist (yet)");
  }
  for (const std::string& pattern : c.watch_writes)
    for (const std::string& p : expand(host, pattern)) add_prefix(t, p, YG_WATCH_WRITE);
  for (const std::string& pattern : c.watch_exclude)
    for (const std::string& p : expand(host, pattern)) add_prefix(t, p, 0);
  for (const std::string& pattern : c.watch_reads)
    for (const std::string& p : expand(host, pattern))
      if (auto id = host.inode_of(p)) t.read_inodes.push_back(*id);

  // An exclusion wins over a watch of the same prefix; the trie keeps one
  // value per prefix.
  std::sort(t.watch_paths.begin(), t.watch_paths.end(),
            [](const WatchPrefix& a, const WatchPrefix& b) {
              return a.prefix != b.prefix ? a.prefix < b.prefix : a.flags < b.flags;
            });
  t.watch_paths.erase(std::unique(t.watch_paths.begin(), t.watch_paths.end(),
                                  [](const WatchPrefix& a, const WatchPrefix& b) {
                                    return a.prefix == b.prefix;
                                  }),
                      t.watch_paths.end());
  sort_unique(t.read_inodes);
  sort_unique(t.ignore_exes);
  sort_unique(t.ignore_uids);
  sort_unique(t.ignore_cgroups);
  cap(t, t.watch_paths, "file watches");
  cap(t, t.read_inodes, "read watches");
  cap(t, t.ignore_exes, "ignored executables");
  cap(t, t.ignore_uids, "ignored users");
  cap(t, t.ignore_cgroups, "ignored cgroups");

  auto count = [](const auto& v) { return static_cast<uint32_t>(v.size()); };
  t.cfg.ignore_uids = count(t.ignore_uids);
  t.cfg.ignore_exes = count(t.ignore_exes);
  t.cfg.ignore_cgroups = count(t.ignore_cgroups);
  t.cfg.read_watch = count(t.read_inodes);
  return t;
}

yg_lpm_key lpm_key(const std::string& path) {
  yg_lpm_key key{};
  size_t n = std::min<size_t>(path.size(), YG_LPM_MAX);
  std::memcpy(key.data, path.data(), n);
  key.prefixlen = static_cast<uint32_t>(n * 8);
  return key;
}

}  // namespace yagura
