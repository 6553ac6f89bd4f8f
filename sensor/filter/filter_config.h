// What the kernel filters, as the sensor's configuration states it (and, in
// with_policy_requests(), the CSIRT policy adds to it). Plain data; FilterTables turns
// it into map contents.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/compiled_policy.h"

namespace yagura {

// Per-type switches: a type switched off is never emitted by the kernel.
struct EventSwitches {
  bool exec = true;
  bool fork = true;
  bool exit = true;
  bool cred = true;
  bool network = true;
  bool dns = true;
  bool file = true;
  bool tamper = true;
};

struct KernelFilterConfig {
  EventSwitches events;
  bool network_loopback = true;  // report loopback connections and DNS
  bool network_unix = true;      // report unix-domain sockets

  // Processes not reported for network, DNS, file and tamper events.
  // Process lifecycle (exec, fork, exit, cred) is always reported: the
  // process tree needs it.
  std::vector<std::string> ignore_users;        // names or numeric uids
  std::vector<std::string> ignore_executables;  // absolute paths
  std::vector<std::string> ignore_cgroups;      // cgroup v2 paths, with all below

  // Files. Write watches are path prefixes ("/etc/cron" covers /etc/crontab
  // and /etc/cron.d/x); exclusions are prefixes cut out of them. Read
  // watches are files or directories (the files directly in them). '*'
  // and '?' globs are expanded against the file system, again every
  // refresh_seconds.
  std::vector<std::string> watch_writes;
  std::vector<std::string> watch_exclude;
  std::vector<std::string> watch_reads;
  uint32_t refresh_seconds = 60;
};

// The built-in file watches, used when the configuration names none.
KernelFilterConfig default_kernel_filter_config();

// The configuration's filter with what the policy asks of the kernel added:
// its ignored processes and its watched files, on top of the
// configuration's own (a policy pushed to the fleet extends what each host
// is configured with; it cannot remove a host's watch).
KernelFilterConfig with_policy_requests(KernelFilterConfig config,
                                        const policy::KernelRequests& requests);

}  // namespace yagura
