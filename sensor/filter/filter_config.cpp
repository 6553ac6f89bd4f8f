#include "sensor/filter/filter_config.h"

#include <algorithm>

namespace yagura {

KernelFilterConfig default_kernel_filter_config() {
  KernelFilterConfig c;
  c.watch_writes = {
      // Scheduled and persistent execution.
      "/etc/cron",
      "/var/spool/cron/",
      "/etc/anacrontab",
      "/etc/systemd/",
      "/lib/systemd/",
      "/usr/lib/systemd/",
      "/etc/init.d/",
      "/etc/rc.local",
      "/etc/xdg/autostart/",
      "/etc/update-motd.d/",
      "/etc/udev/rules.d/",
      "/etc/modules",
      "/etc/modprobe.d/",
      // Loader hijacking.
      "/etc/ld.so.preload",
      "/etc/ld.so.conf",
      // Shell start-up files.
      "/etc/profile",
      "/etc/bash.bashrc",
      "/etc/environment",
      "/root/.bashrc",
      "/root/.profile",
      "/root/.bash_profile",
      "/root/.bash_logout",
      "/home/*/.bashrc",
      "/home/*/.profile",
      "/home/*/.bash_profile",
      "/home/*/.bash_logout",
      // Accounts, authentication, remote access.
      "/etc/passwd",
      "/etc/shadow",
      "/etc/group",
      "/etc/gshadow",
      "/etc/sudoers",
      "/etc/pam.d/",
      "/etc/security/",
      "/etc/ssh/",
      "/root/.ssh/",
      "/home/*/.ssh/",
      "/usr/lib/x86_64-linux-gnu/security/",
      // Binaries and libraries.
      "/bin/",
      "/sbin/",
      "/usr/bin/",
      "/usr/sbin/",
      "/usr/local/bin/",
      "/usr/local/sbin/",
      "/lib/x86_64-linux-gnu/",
      "/usr/lib/x86_64-linux-gnu/",
      // Logs and shell history (attackers delete or empty them; the
      // built-in policy drops mere appends).
      "/var/log/",
      "/root/.bash_history",
      "/home/*/.bash_history",
      // World-writable staging areas: who wrote a file there is what ties a
      // download to its later execution.
      "/tmp/",
      "/var/tmp/",
      "/dev/shm/",
  };
  c.watch_reads = {
      "/etc/shadow",     "/etc/gshadow",           "/etc/security/opasswd",
      "/root/.ssh/",     "/home/*/.ssh/",          "/root/.aws/",
      "/home/*/.aws/",   "/root/.kube/",           "/home/*/.kube/",
      "/root/.docker/",  "/home/*/.docker/",       "/root/.gnupg/",
      "/home/*/.gnupg/", "/root/.git-credentials", "/home/*/.git-credentials",
      // SSH host private keys (the .pub files are not secret).
      "/etc/ssh/ssh_host_*_key",
  };
  return c;
}

KernelFilterConfig with_policy_requests(KernelFilterConfig c, const policy::KernelRequests& r) {
  auto add = [](std::vector<std::string>& to, const std::vector<std::string>& from) {
    for (const std::string& v : from)
      if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
  };
  add(c.ignore_executables, r.ignore_executables);
  add(c.ignore_users, r.ignore_users);
  add(c.ignore_cgroups, r.ignore_cgroups);
  add(c.watch_writes, r.watch_writes);
  add(c.watch_exclude, r.watch_exclude);
  add(c.watch_reads, r.watch_reads);
  return c;
}

}  // namespace yagura
