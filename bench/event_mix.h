// The workload of the policy benchmark: kernel records, byte for byte as the
// BPF programs write them (tests/unit/record_builder.h), of what a busy
// server does over a few seconds. One host: systemd, sshd with an
// interactive session, cron jobs, nginx and php-fpm, monitoring agents,
// kubelet health probes, package upgrades, a team's service, and now and
// then something an attacker would do. Each scenario emits what the kernel
// would: forks, execs with real argv, exe, cwd and cgroup, exits, TCP
// connects and closes (owner-only, as the kernel sends them), accepts, DNS
// queries and answers (real DNS messages), writes and watched reads under
// the sensor's default watch lists.
//
// Deterministic: the same size and seed give the same bytes.
//
//   EventMix mix = make_event_mix(100'000, 1);
//   for (size_t i = 0; i < mix.size(); ++i) processor.on_record(mix.record(i), mix.ktime_ns[i]);
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "bpf/events.h"

namespace yagura::bench {

struct EventMix {
  // Records back to back, each at an 8-byte aligned offset, as in the ring
  // buffer.
  std::vector<uint8_t> bytes;
  std::vector<size_t> offsets;
  std::vector<size_t> sizes;
  std::vector<uint64_t> ktime_ns;                  // of each record (CLOCK_BOOTTIME)
  std::array<uint64_t, YG_EV_TYPE_MAX> by_type{};  // records per enum yg_event_type

  size_t size() const { return offsets.size(); }
  std::span<const uint8_t> record(size_t i) const { return {bytes.data() + offsets[i], sizes[i]}; }
};

// Exactly `records` records (the last scenario is cut short if need be).
EventMix make_event_mix(size_t records, uint32_t seed);

}  // namespace yagura::bench
