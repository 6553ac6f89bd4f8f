"""Time spent in each BPF program of a set of processes, from the kernel's
own counters (run_cnt, run_time_ns: bpftool prog show, with the sysctl
kernel.bpf_stats_enabled on). The counters cost two clock reads per run, so
they are switched on only for a pass of their own, never while timing."""

import json
import os
import subprocess

SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"


class StatsEnabled:
    """Switches the counters on for a `with` block, then back as found."""

    def __enter__(self):
        with open(SYSCTL) as f:
            self.saved = f.read().strip()
        with open(SYSCTL, "w") as f:
            f.write("1")
        return self

    def __exit__(self, *_):
        with open(SYSCTL, "w") as f:
            f.write(self.saved)


def held_program_ids(pids):
    """Ids of the programs the processes hold, as a program or link fd (fdinfo
    prog_id): bpftool names a program's owners only when built with BPF
    iterators, Debian's is not."""
    ids = set()
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fdinfo")
        except OSError:
            continue
        for fd in fds:
            try:
                with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                    ids.update(int(line.split()[1]) for line in f if line.startswith("prog_id:"))
            except (OSError, ValueError, IndexError):
                pass
    return ids


def programs(pids):
    """{id: {name, type, run_cnt, run_time_ns}} of the programs the processes hold."""
    out = subprocess.run(["bpftool", "prog", "show", "--json"], capture_output=True, text=True,
                         check=True).stdout
    wanted = held_program_ids(pids)
    return {p["id"]: {"name": p.get("name", "?"), "type": p.get("type", "?"),
                      "run_cnt": p.get("run_cnt", 0), "run_time_ns": p.get("run_time_ns", 0)}
            for p in json.loads(out) if p["id"] in wanted}


def delta(before, after):
    """Per program, the runs and time between two snapshots; programs that
    did not run are left out."""
    out = []
    for pid, a in after.items():
        b = before.get(pid, {"run_cnt": 0, "run_time_ns": 0})
        runs = a["run_cnt"] - b["run_cnt"]
        if runs > 0:
            out.append({"name": a["name"], "type": a["type"], "runs": runs,
                        "run_time_ns": a["run_time_ns"] - b["run_time_ns"]})
    return sorted(out, key=lambda p: -p["run_time_ns"])
