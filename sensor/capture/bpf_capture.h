// The only component that touches the libbpf lifecycle. It loads the
// programs in explicit phases, each failing with an error that names what
// is missing (a privilege, a hook, kernel support):
//
//   preflight -> tracefs, cgroup2 -> open -> configure -> choose programs
//   -> load -> check schema -> publish the initial filter -> attach
//
// The filter goes in before any program is attached, so the first event is
// already filtered.
//
//   auto capture = BpfCapture::start(options);
//   if (!capture) { print(capture.error().message); return 1; }
//   RingReader reader((*capture)->ring_fd(), ...);
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bpf/events.h"
#include "common/result.h"
#include "sensor/filter/filter_tables.h"
#include "sensor/filter/kernel_filter.h"

struct yagura_bpf;
struct bpf_link;

namespace yagura {

struct CaptureOptions {
  uint32_t self_tgid = 0;  // the sensor's own events are never emitted
  uint32_t max_args_bytes = 8192;
  uint32_t env_scan_bytes = 8192;
  uint32_t ring_buffer_bytes = 8u << 20;  // power of two, page multiple
  uint32_t wakeup_bytes = 256u << 10;
  FilterTables filter;  // published before attach
};

// Totals over all CPUs of the kernel-side counters.
struct KernelCounters {
  uint64_t emitted[YG_EV_TYPE_MAX] = {};
  uint64_t drops[YG_EV_TYPE_MAX][YG_DROP_REASON_MAX] = {};

  uint64_t total_drops() const;
};

class BpfCapture {
 public:
  static Result<std::unique_ptr<BpfCapture>> start(const CaptureOptions& options);

  // Where the cgroup v2 root is mounted (needed to name cgroups by path).
  static Result<std::string> cgroup2_root();
  ~BpfCapture();
  BpfCapture(const BpfCapture&) = delete;
  BpfCapture& operator=(const BpfCapture&) = delete;

  int ring_fd() const;

  // Runs the task iterator once: one YG_HDR_SNAPSHOT exec record per
  // process already running.
  Status snapshot(const std::function<void(std::span<const uint8_t>)>& on_record);

  Result<KernelCounters> counters() const;

  // Replaces the kernel filter as a whole (see KernelFilter).
  Status update_filter(const FilterTables& tables) { return filter_->publish(tables); }
  uint64_t filter_generations() const { return filter_->generations_published(); }

  // Hooks that could not be used on this kernel, with the reason; capture
  // runs without them.
  const std::vector<std::string>& degraded() const { return degraded_; }

 private:
  BpfCapture() = default;
  Status open(const CaptureOptions& options);
  Status choose_programs(const std::string& tracefs);
  Status load();
  Status attach(const std::string& cgroup2);

  struct LinkDeleter {
    void operator()(bpf_link* link) const;
  };

  yagura_bpf* skel_ = nullptr;
  std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links_;  // detached before skel_ goes
  std::vector<std::string> degraded_;
  std::unique_ptr<KernelFilter> filter_;
};

}  // namespace yagura
