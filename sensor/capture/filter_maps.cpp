#include "sensor/capture/filter_maps.h"

#include <bpf/bpf.h>

#include <string>

namespace yagura {
namespace {

const char* set_name(FilterSet set) {
  switch (set) {
    case FilterSet::kWatchPaths:
      return "yg_watch_paths";
    case FilterSet::kReadInodes:
      return "yg_read_inodes";
    case FilterSet::kIgnoreExes:
      return "yg_ignore_exes";
    case FilterSet::kIgnoreUids:
      return "yg_ignore_uids";
    case FilterSet::kIgnoreCgroups:
      return "yg_ignore_cgroups";
  }
  return "?";
}

Error map_error(const std::string& what, int err) { return Error::from_errno(what, err < 0 ? -err : err); }

class BpfFilterBackend final : public FilterMapBackend {
 public:
  explicit BpfFilterBackend(const FilterMapFds& fds) : fds_(fds) {}

  Result<UniqueFd> create_set(FilterSet set) override {
    // Must match the inner map declarations in bpf/filter.bpf.h exactly,
    // or the kernel refuses them in the outer map.
    LIBBPF_OPTS(bpf_map_create_opts, opts);
    bpf_map_type type = BPF_MAP_TYPE_HASH;
    uint32_t key_size = 0;
    switch (set) {
      case FilterSet::kWatchPaths:
        type = BPF_MAP_TYPE_LPM_TRIE;
        opts.map_flags = BPF_F_NO_PREALLOC;
        key_size = sizeof(yg_lpm_key);
        break;
      case FilterSet::kReadInodes:
      case FilterSet::kIgnoreExes:
        key_size = sizeof(yg_inode_key);
        break;
      case FilterSet::kIgnoreUids:
        key_size = sizeof(uint32_t);
        break;
      case FilterSet::kIgnoreCgroups:
        key_size = sizeof(uint64_t);
        break;
    }
    int fd = bpf_map_create(type, "yg_filter_set", key_size, sizeof(uint32_t), YG_FILTER_SET_MAX,
                            &opts);
    if (fd < 0) return map_error(std::string("creating a set for ") + set_name(set), fd);
    return UniqueFd(fd);
  }

  Status insert(int set_fd, const void* key, uint32_t value) override {
    int err = bpf_map_update_elem(set_fd, key, &value, BPF_ANY);
    if (err) return map_error("adding a filter entry", err);
    return ok_status();
  }

  Status install_set(FilterSet set, uint32_t gen, int set_fd) override {
    uint32_t fd = static_cast<uint32_t>(set_fd);
    int err = bpf_map_update_elem(outer_fd(set), &gen, &fd, BPF_ANY);
    if (err) return map_error(std::string("installing ") + set_name(set), err);
    return ok_status();
  }

  Status write_cfg(uint32_t gen, const yg_filter_cfg& cfg) override {
    int err = bpf_map_update_elem(fds_.cfg, &gen, &cfg, BPF_ANY);
    if (err) return map_error("writing yg_filter_cfg", err);
    return ok_status();
  }

  Result<uint32_t> active_gen() override {
    uint32_t key = 0, gen = 0;
    int err = bpf_map_lookup_elem(fds_.gen, &key, &gen);
    if (err) return map_error("reading yg_filter_gen", err);
    return gen & 1;
  }

  Status activate(uint32_t gen) override {
    uint32_t key = 0;
    int err = bpf_map_update_elem(fds_.gen, &key, &gen, BPF_ANY);
    if (err) return map_error("switching yg_filter_gen", err);
    return ok_status();
  }

 private:
  int outer_fd(FilterSet set) const {
    switch (set) {
      case FilterSet::kWatchPaths:
        return fds_.watch_paths;
      case FilterSet::kReadInodes:
        return fds_.read_inodes;
      case FilterSet::kIgnoreExes:
        return fds_.ignore_exes;
      case FilterSet::kIgnoreUids:
        return fds_.ignore_uids;
      case FilterSet::kIgnoreCgroups:
        return fds_.ignore_cgroups;
    }
    return -1;
  }

  FilterMapFds fds_;
};

}  // namespace

std::unique_ptr<FilterMapBackend> bpf_filter_backend(const FilterMapFds& fds) {
  return std::make_unique<BpfFilterBackend>(fds);
}

}  // namespace yagura
