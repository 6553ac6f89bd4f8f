// The bpf(2) side of KernelFilter: creates inner maps of the shapes in
// bpf/filter.bpf.h and writes the outer maps of a loaded capture.
#pragma once

#include <memory>

#include "sensor/filter/kernel_filter.h"

namespace yagura {

struct FilterMapFds {
  int gen = -1;
  int cfg = -1;
  int watch_paths = -1;
  int read_inodes = -1;
  int ignore_exes = -1;
  int ignore_uids = -1;
  int ignore_cgroups = -1;
};

// The descriptors stay owned by the capture, which must outlive the backend.
std::unique_ptr<FilterMapBackend> bpf_filter_backend(const FilterMapFds& fds);

}  // namespace yagura
