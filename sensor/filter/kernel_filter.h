// KernelFilter: puts FilterTables into the kernel filter maps without a
// moment where the kernel sees a half-written filter. The maps come in two
// generations (bpf/filter.bpf.h); publish() builds fresh sets for the
// inactive generation, writes its switches, and only then makes it active
// with one map write. Programs read the generation once per event, so each
// event is judged by the old filter or the new one, never a mix. If any
// step fails, the active generation is untouched.
//
//   KernelFilter filter(capture->filter_backend());
//   if (Status s = filter.publish(tables); !s) log(s.error().message);
#pragma once

#include <cstdint>
#include <memory>

#include "bpf/events.h"
#include "common/result.h"
#include "common/unique_fd.h"
#include "sensor/filter/filter_tables.h"

namespace yagura {

enum class FilterSet { kWatchPaths, kReadInodes, kIgnoreExes, kIgnoreUids, kIgnoreCgroups };

// The map operations publish() needs; implemented with bpf(2) by the
// capture, and by a recording fake in tests.
class FilterMapBackend {
 public:
  virtual ~FilterMapBackend() = default;
  // A new, empty inner map of the shape the set's outer map expects.
  virtual Result<UniqueFd> create_set(FilterSet set) = 0;
  virtual Status insert(int set_fd, const void* key, uint32_t value) = 0;
  virtual Status install_set(FilterSet set, uint32_t gen, int set_fd) = 0;
  virtual Status write_cfg(uint32_t gen, const yg_filter_cfg& cfg) = 0;
  virtual Result<uint32_t> active_gen() = 0;
  virtual Status activate(uint32_t gen) = 0;
};

class KernelFilter {
 public:
  explicit KernelFilter(std::unique_ptr<FilterMapBackend> backend);

  Status publish(const FilterTables& tables);

  uint64_t generations_published() const { return published_; }

 private:
  Status fill(FilterSet set, uint32_t gen, const auto& keys, auto&& key_of);

  std::unique_ptr<FilterMapBackend> backend_;
  uint64_t published_ = 0;
};

}  // namespace yagura
