// The only component that touches the libbpf lifecycle. It loads the
// programs in explicit phases, each failing with an error that names what
// is missing (a privilege, a hook, kernel support):
//
//   preflight -> tracefs -> open -> configure -> choose programs -> load
//   -> check schema -> attach
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

struct yagura_bpf;
struct bpf_link;

namespace yagura {

struct CaptureOptions {
  uint32_t self_tgid = 0;  // the sensor's own events are never emitted
  uint32_t max_args_bytes = 8192;
  uint32_t env_scan_bytes = 8192;
  uint32_t ring_buffer_bytes = 8u << 20;  // power of two, page multiple
  uint32_t wakeup_bytes = 256u << 10;
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
  ~BpfCapture();
  BpfCapture(const BpfCapture&) = delete;
  BpfCapture& operator=(const BpfCapture&) = delete;

  int ring_fd() const;

  // Runs the task iterator once: one YG_HDR_SNAPSHOT exec record per
  // process already running.
  Status snapshot(const std::function<void(std::span<const uint8_t>)>& on_record);

  Result<KernelCounters> counters() const;

  // Hooks that could not be used on this kernel, with the reason; capture
  // runs without them.
  const std::vector<std::string>& degraded() const { return degraded_; }

 private:
  BpfCapture() = default;
  Status open(const CaptureOptions& options);
  Status choose_programs(const std::string& tracefs);
  Status load();
  Status attach();

  struct LinkDeleter {
    void operator()(bpf_link* link) const;
  };

  yagura_bpf* skel_ = nullptr;
  std::vector<std::unique_ptr<bpf_link, LinkDeleter>> links_;  // detached before skel_ goes
  std::vector<std::string> degraded_;
};

}  // namespace yagura
