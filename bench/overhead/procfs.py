"""What a process and the host have spent, read from /proc: CPU time, peak
memory, and a wait until a set of processes has gone quiet (a sensor still
draining its queue after the workload ended is still paying for it)."""

import os
import time

TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
HAVE_SCHEDSTAT = os.path.exists("/proc/self/schedstat")


def _schedstat(pid):
    """(CPU ns, times scheduled in) summed over the process's threads, from
    /proc/PID/task/*/schedstat (the scheduler's sum_exec_runtime and
    pcount), or None once the process is gone."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return None
    ns = slices = 0
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                fields = f.read().split()
            ns += int(fields[0])
            slices += int(fields[2])
        except FileNotFoundError:
            pass  # the thread ended meanwhile
    return ns, slices


def cpu_ns(pid):
    """CPU time of the process, all threads, in ns, or None once it is gone.
    utime + stime in /proc/PID/stat is the same total in 10 ms ticks, too
    coarse for a run of a few seconds; it is the fallback."""
    if not HAVE_SCHEDSTAT:
        return _stat_cpu_ns(pid)
    s = _schedstat(pid)
    return s and s[0]


def _stat_cpu_ns(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # After the ")" of comm: field 3 (state) is index 0, utime (14) index 11.
    return (int(fields[11]) + int(fields[12])) * TICK_NS


def peak_rss_kb(pid):
    """VmHWM: the largest resident set the process has had."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except FileNotFoundError:
        pass
    return None


def host_busy_ns():
    """CPU time spent by the whole host, all CPUs, anything but idle and iowait."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) * TICK_NS


def kernel_thread(name):
    """The pid of a kernel thread by its comm (kauditd), or None."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == name:
                        return int(entry)
            except OSError:
                pass
    return None


def wait_quiet(pids, min_s=0.3, max_s=10.0, step_s=0.1, quiet_ns=5_000_000, quiet_steps=5):
    """Waits until the processes together spend less than quiet_ns of CPU in
    each of quiet_steps consecutive steps, at least min_s and at most max_s.
    Returns the seconds waited and, per pid, what it spent idle over those
    last steps: {"cpu_ms_per_s", "wakeups_per_s"} (None without schedstat)."""
    def sample():
        return {p: (_schedstat(p) if HAVE_SCHEDSTAT else (cpu_ns(p), 0)) or (0, 0) for p in pids}

    start = time.monotonic()
    history = [(start, sample())]
    quiet = 0
    while True:
        time.sleep(step_s)
        now = (time.monotonic(), sample())
        spent = sum(now[1][p][0] - history[-1][1][p][0] for p in pids)
        quiet = quiet + 1 if spent < quiet_ns else 0
        history = (history + [now])[-(quiet_steps + 1):]
        waited = now[0] - start
        if (quiet >= quiet_steps and waited >= min_s) or waited >= max_s:
            break
    (t0, first), (t1, last) = history[0], history[-1]
    idle = {p: {"cpu_ms_per_s": (last[p][0] - first[p][0]) / 1e6 / (t1 - t0),
                "wakeups_per_s": (last[p][1] - first[p][1]) / (t1 - t0) if HAVE_SCHEDSTAT else None}
            for p in pids}
    return waited, idle
