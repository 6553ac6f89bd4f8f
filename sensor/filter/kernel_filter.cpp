#include "sensor/filter/kernel_filter.h"

#include <string>

namespace yagura {

KernelFilter::KernelFilter(std::unique_ptr<FilterMapBackend> backend)
    : backend_(std::move(backend)) {}

Status KernelFilter::fill(FilterSet set, uint32_t gen, const auto& entries, auto&& insert_one) {
  auto fd = backend_->create_set(set);
  if (!fd) return fd.error();
  for (const auto& e : entries)
    if (Status s = insert_one(fd->get(), e); !s) return s;
  // The outer map holds its own reference; our descriptor can go.
  return backend_->install_set(set, gen, fd->get());
}

Status KernelFilter::publish(const FilterTables& t) {
  auto active = backend_->active_gen();
  if (!active) return active.error();
  const uint32_t next = *active ^ 1;
  auto& b = *backend_;

  Status s = fill(FilterSet::kWatchPaths, next, t.watch_paths, [&](int fd, const WatchPrefix& w) {
    yg_lpm_key key = lpm_key(w.prefix);
    return b.insert(fd, &key, w.flags);
  });
  auto by_inode = [&](int fd, const InodeId& id) {
    yg_inode_key key{};
    key.ino = id.ino;
    key.dev = id.dev;
    return b.insert(fd, &key, 1);
  };
  if (s) s = fill(FilterSet::kReadInodes, next, t.read_inodes, by_inode);
  if (s) s = fill(FilterSet::kIgnoreExes, next, t.ignore_exes, by_inode);
  if (s)
    s = fill(FilterSet::kIgnoreUids, next, t.ignore_uids,
             [&](int fd, uint32_t uid) { return b.insert(fd, &uid, 1); });
  if (s)
    s = fill(FilterSet::kIgnoreCgroups, next, t.ignore_cgroups,
             [&](int fd, uint64_t id) { return b.insert(fd, &id, 1); });
  if (s) s = b.write_cfg(next, t.cfg);
  if (!s) return Error{"kernel filter: building generation " + std::to_string(next) + ": " +
                       s.error().message + " (the previous filter stays active)"};
  if (Status a = b.activate(next); !a) return a;
  ++published_;
  return ok_status();
}

}  // namespace yagura
