#!/usr/bin/env python3
"""The overhead benchmark's runner (bench/run_overhead_bench.sh runs it):
what the sensor costs the host, beside auditd and libbpf-tools, on the same
workloads, in the same run. See docs/benchmarks.md.

For each repetition and each workload, every configuration runs the
workload once, in an order that rotates from one workload and repetition to
the next. Each run starts its configuration, waits until it is quiet, runs
the workload (yb-workload), waits until the configuration has drained what
the workload made, reads what it spent (/proc), stops it and counts the
workload's events in its output. Then, untimed, one pass with the kernel's
BPF statistics on gives the cost of each BPF program.

Writes the results (every run, plus the machine, versions and the sensor's
configuration) as JSON, and the Markdown summary through report.py. Nothing
about time is asserted."""

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # run from the source tree: leave it clean
import bpf_stats  # noqa: E402
import matching  # noqa: E402
import peers  # noqa: E402
import procfs  # noqa: E402
import report  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# name, kind, parameters. Each run does up to `count` operations, for at
# most `seconds` (full, quick, smoke): a loaded machine does fewer, and every
# figure is per operation. At a fixed rate, count is rate x seconds and the
# time limit is half as long again, for a machine that cannot keep up.
UNLIMITED = 10**9
SECONDS = (2, 1, 0.15)
WORKLOADS = [
    ("exec-max", "exec", {}),
    ("exec-100", "exec", {"rate": 100}),
    ("exec-1000", "exec", {"rate": 1000}),
    ("connect", "connect", {}),
    ("accept", "accept", {}),
    ("files-watched", "files", {"watched": True}),
    ("files-other", "files", {"watched": False}),
    ("mixed", "mixed", {}),
]
SMOKE_WORKLOADS = ("exec-100", "connect", "files-watched", "mixed")
CONFIGS = ("baseline", "yagura-upload", "yagura-capture", "auditd", "libbpf-tools")
SIZES = {"full": 0, "quick": 1, "smoke": 2}


def parse_args():
    a = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("--repo", required=True)
    a.add_argument("--build", required=True, help="build directory with the sensor, collector and workloads")
    a.add_argument("--mode", choices=SIZES, default="full")
    a.add_argument("--reps", type=int, help="repetitions (default: full 3, quick 1, smoke 1)")
    a.add_argument("--configs", default=None, help="comma-separated subset of " + ",".join(CONFIGS))
    a.add_argument("--workloads", default=None, help="comma-separated subset of the workload names")
    a.add_argument("--work", default="/var/lib/yagura-bench",
                   help="scratch directory, removed at the end (not under /tmp: the default policy "
                        "alerts on programs run from there, and the sensor watches writes there)")
    a.add_argument("--json", required=True)
    a.add_argument("--markdown", required=True)
    a.add_argument("--docs", help="docs/benchmarks.md: replace its overhead results with these")
    a.add_argument("--no-install", action="store_true", help="never run apt-get; skip missing peers")
    a.add_argument("--no-bpf-stats", action="store_true")
    a.add_argument("--command", default=" ".join(sys.argv), help="the command to record")
    return a.parse_args()


def sh(*cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw).stdout.strip()


def package_version(name):
    return sh("dpkg-query", "-W", "-f=${Version}", name) or None


def install_peers(configs):
    """auditd and libbpf-tools from Debian, installed by apt-get when one of
    their configurations is asked for and a binary is missing."""
    needed = []
    if "auditd" in configs and not shutil.which("auditctl"):
        needed.append("auditd")
    if "libbpf-tools" in configs and not os.path.exists("/usr/sbin/execsnoop"):
        needed.append("libbpf-tools")
    if not shutil.which("bpftool"):
        needed.append("bpftool")
    if not needed:
        return []
    print(f"overhead: installing {' '.join(needed)} (apt-get)", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *needed], check=True,
                   env=env)
    # Where services start on install (systemd), the benchmark starts auditd
    # itself, and only while it measures it.
    if "auditd" in needed and os.path.isdir("/run/systemd/system"):
        subprocess.run(["systemctl", "disable", "--now", "auditd"], check=False)
    return needed


def watched_dir(watch_writes):
    """A directory under one of the sensor's watched prefixes where writing
    harms nothing: a hidden subdirectory of a binary directory (not on PATH)."""
    for prefix in ("/usr/local/bin/", "/usr/local/sbin/", "/usr/local/"):
        if any(prefix.startswith(w) for w in watch_writes) and os.path.isdir(prefix):
            return os.path.join(prefix, f".yagura-bench-{os.getpid()}")
    raise SystemExit(f"overhead: no harmless watched directory among {watch_writes}")


def check_unwatched(path, watch_writes, watch_exclude):
    """The files-other workload measures opens the sensor does not report:
    its directory must be outside every watched prefix (the built-in ones
    include /tmp/, /var/tmp/ and /dev/shm/), unless an exclusion cuts it out."""
    p = os.path.realpath(path) + "/"
    longest = max((w for w in watch_writes + watch_exclude if p.startswith(w)), key=len, default=None)
    if longest is not None and longest not in watch_exclude:
        raise SystemExit(f"overhead: {path} is under the watched prefix {longest}: "
                         "choose --work outside the sensor's watched paths")


class Bench:
    def __init__(self, args):
        self.args = args
        self.size = SIZES[args.mode]
        self.reps = args.reps or (3 if args.mode == "full" else 1)
        self.repo = os.path.abspath(args.repo)
        self.build = os.path.abspath(args.build)
        self.work = os.path.abspath(args.work)
        names = args.configs.split(",") if args.configs else \
            (["baseline", "yagura-upload"] if args.mode == "smoke" else list(CONFIGS))
        unknown = set(names) - set(CONFIGS)
        if unknown:
            raise SystemExit(f"overhead: unknown configurations {sorted(unknown)}")
        self.config_names = names
        wnames = args.workloads.split(",") if args.workloads else \
            (SMOKE_WORKLOADS if args.mode == "smoke" else [w[0] for w in WORKLOADS])
        self.workloads = [w for w in WORKLOADS if w[0] in wnames]
        if len(self.workloads) != len(set(wnames)):
            raise SystemExit(f"overhead: unknown workloads in {wnames}")
        self.runs = []
        self.skipped = {}
        self.audit_system = None
        self.sequence = 0

    # ---- set-up

    def prepare(self):
        if os.path.exists(self.work):
            shutil.rmtree(self.work)
        os.makedirs(os.path.join(self.work, "bin"))
        # Programs run from the scratch directory, never from /tmp (alerted).
        for b in ("yb-workload", "yb-marker"):
            shutil.copy2(os.path.join(self.build, "bench", b), os.path.join(self.work, "bin", b))
        self.workload_exe = os.path.join(self.work, "bin", "yb-workload")
        self.marker = os.path.join(self.work, "bin", "yb-marker")
        self.sensor_config = os.path.join(self.repo, "config", "sensor.yaml")
        with open(self.sensor_config) as f:
            self.sensor_config_text = f.read()
        info = json.loads(sh(os.path.join(self.build, "bench", "yb-overhead-info"), self.sensor_config))
        self.info = info
        self.watched = watched_dir(info["watch_writes"])
        os.makedirs(self.watched)
        self.other = os.path.join(self.work, "files")
        os.makedirs(self.other)
        if any(w[1] == "files" and not w[2].get("watched") for w in self.workloads):
            check_unwatched(self.other, info["watch_writes"], info["watch_exclude"])
        self.installed = [] if self.args.no_install else install_peers(self.config_names)
        self.configs = []
        for name in self.config_names:
            try:
                self.configs.append(self.make_config(name))
            except peers.Unavailable as e:
                print(f"overhead: {name} skipped: {e}", file=sys.stderr)
                self.skipped[name] = str(e)

    def make_config(self, name):
        sensor = os.path.join(self.build, "sensor", "yagura-sensor")
        if name == "baseline":
            return peers.Baseline()
        if name == "yagura-capture":
            return peers.Yagura(sensor, self.sensor_config_text)
        if name == "yagura-upload":
            pki = os.path.join(self.work, "pki")
            subprocess.run(["bash", os.path.join(self.repo, "scripts", "dev-pki.sh"), pki,
                            "--sensor", "bench-sensor", "--admin", "bench"], check=True,
                           stdout=subprocess.DEVNULL)
            # The smoke does not wait for batches to age: stopping the sensor
            # sends what it holds, and its latencies mean nothing.
            return peers.Yagura(sensor, self.sensor_config_text,
                                collector=os.path.join(self.build, "collector", "server", "yagura-collector"),
                                collector_config=os.path.join(self.repo, "config", "collector.yaml"),
                                pki=pki, batch_age_s=0.0 if self.args.mode == "smoke" else 2.0)
        if name == "auditd":
            if self.args.no_install and not shutil.which("auditctl"):
                raise peers.Unavailable("auditd is not installed (--no-install)")
            self.audit_system = peers.AuditSystem()
            self.audit_rules = peers.audit_rules_for(self.info["watch_writes"], self.info["watch_reads"])
            return peers.Auditd(self.audit_system, self.audit_rules, self.workload_exe)
        if name == "libbpf-tools":
            return peers.LibbpfTools()
        raise ValueError(name)

    # ---- one run

    def workload_argv(self, w, token, size=None):
        name, kind, p = w
        seconds = SECONDS[self.size if size is None else size]
        argv = [self.workload_exe, kind, "--token", token]
        if "rate" in p:
            argv += ["--count", str(max(1, int(p["rate"] * seconds))), "--rate", str(p["rate"]),
                     "--seconds", str(seconds * 1.5)]
        else:
            argv += ["--count", str(UNLIMITED), "--seconds", str(seconds)]
        if kind == "exec":
            argv += ["--marker", self.marker]
        elif kind == "files":
            argv += ["--dir", self.watched if p.get("watched") else self.other]
        elif kind == "mixed":
            argv += ["--script", os.path.join(HERE, "mixed.sh"), "--dir", self.watched,
                     "--dir2", self.other]
        return argv

    def run_one(self, cfg, w, rep, position, stats=False, size=None):
        self.sequence += 1
        token = f"yb{os.getpid()}x{self.sequence}"
        d = os.path.join(self.work, "runs", f"{self.sequence:04d}-{w[0]}-{cfg.name}")
        os.makedirs(d)
        t0 = time.monotonic()
        try:
            cfg.start(d)
            t1 = time.monotonic()
            pids = cfg.processes()
            # Whatever the configuration does on starting (a sensor's
            # process snapshot, hashing, its first upload) is not the workload's.
            idle = {}
            if pids:
                _, by_pid = procfs.wait_quiet(list(pids.values()), min_s=cfg.settle_min_s)
                idle = {n: by_pid[p] for n, p in pids.items()}
            t2 = time.monotonic()
            before = {n: procfs.cpu_ns(p) for n, p in pids.items()}
            progs_before = bpf_stats.programs(pids.values()) if stats else None
            host_before = procfs.host_busy_ns()
            out = subprocess.run(self.workload_argv(w, token, size), capture_output=True, text=True,
                                 check=True, cwd=self.work).stdout.splitlines()
            settle = procfs.wait_quiet(list(pids.values()), min_s=cfg.settle_min_s)[0] if pids else 0.0
            host_after = procfs.host_busy_ns()
            measured_s = time.monotonic() - t2
            after = {n: procfs.cpu_ns(p) for n, p in pids.items()}
            rss = {n: procfs.peak_rss_kb(p) for n, p in pids.items()}
            progs_after = bpf_stats.programs(pids.values()) if stats else None
            t3 = time.monotonic()
        finally:
            cfg.stop()
        result = json.loads(out[-1])
        if w[1] == "mixed":  # the script's last line: iterations, programs
            result["ops"], mixed_execs = (int(v) for v in out[-2].split())
        run = {"rep": rep, "workload": w[0], "config": cfg.name, "position": position,
               "kind": w[1], "token": token, "watched": bool(w[2].get("watched")),
               "dir": self.watched if w[2].get("watched") else self.other,
               "ops": result["ops"], "port": result["port"], "child_pid": result["child_pid"],
               "mixed_execs": mixed_execs if w[1] == "mixed" else None,
               # What per-event figures divide by: the mixed workload's
               # programs, every other workload's operations.
               "events": mixed_execs if w[1] == "mixed" else result["ops"],
               "result": result, "settle_s": round(settle, 3),
               "phases_s": {"start": round(t1 - t0, 2), "quiet": round(t2 - t1, 2),
                            "workload_and_drain": round(t3 - t2, 2),
                            "stop": round(time.monotonic() - t3, 2)},
               "host_busy_ns": host_after - host_before,
               "cpu_ns": {n: after[n] - before[n] for n in pids if after[n] is not None},
               # What each process spends doing nothing (timers, polling),
               # measured just before the workload: the per-event cost is
               # what it spent above that during the measured window.
               "idle": idle, "measured_s": round(measured_s, 3),
               "peak_rss_kb": rss,
               "startup_cpu_ns": getattr(cfg, "startup_cpu_ns", None)}
        run["expected"] = None if cfg.tool == "none" else \
            matching.expected(run, cfg.tool, cfg.coverage)
        run.update(cfg.count(run))
        if stats:
            run["bpf_programs"] = bpf_stats.delta(progs_before, progs_after)
        for leftover in glob.glob(f"{self.watched}/{token}-*") + glob.glob(f"{self.other}/{token}-*"):
            os.unlink(leftover)
        shutil.rmtree(d)
        return run

    # ---- the suite

    def run(self):
        started = time.time()
        total = self.reps * len(self.workloads) * len(self.configs)
        done = 0
        for rep in range(self.reps):
            for wi, w in enumerate(self.workloads):
                k = (rep + wi) % len(self.configs)
                for position, cfg in enumerate(self.configs[k:] + self.configs[:k]):
                    run = self.run_one(cfg, w, rep, position)
                    self.runs.append(run)
                    done += 1
                    captured = "" if run["expected"] is None else \
                        f"  captured {run['captured']}/{run['expected']}"
                    print(f"overhead: [{done}/{total}] rep {rep + 1} {w[0]:<13} {cfg.name:<14} "
                          f"{run['result']['wall_ns'] / 1e6:9.1f} ms{captured}  {run['phases_s']}",
                          file=sys.stderr)
        self.bpf_runs = []
        # One configuration per BPF tool: the sensor's programs are the same
        # with or without upload, and capture alone is quieter.
        stats_configs = {}
        for c in sorted(self.configs, key=lambda c: c.name == "yagura-upload"):
            if c.tool in ("yagura", "libbpf-tools"):
                stats_configs.setdefault(c.tool, c)
        stats_configs = list(stats_configs.values())
        if stats_configs and not self.args.no_bpf_stats and shutil.which("bpftool"):
            with bpf_stats.StatsEnabled():
                for w in self.workloads[:1] if self.args.mode == "smoke" else self.workloads:
                    for cfg in stats_configs:
                        # Untimed: the quick size is enough for ns per run.
                        self.bpf_runs.append(self.run_one(cfg, w, -1, 0, stats=True,
                                                          size=max(self.size, SIZES["quick"])))
                        print(f"overhead: bpf statistics {w[0]:<13} {cfg.name}", file=sys.stderr)
        self.duration_s = time.time() - started

    def cleanup(self):
        if self.audit_system:
            self.audit_system.close()
        shutil.rmtree(self.watched, ignore_errors=True)
        shutil.rmtree(self.work, ignore_errors=True)

    def results(self):
        git = lambda *a: sh("git", "-C", self.repo, *a)  # noqa: E731
        sensor_cfg = self.sensor_config_text.encode()
        return {
            "benchmark": "overhead",
            "command": self.args.command,
            "mode": self.args.mode,
            "reps": self.reps,
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - self.duration_s)),
            "duration_s": round(self.duration_s, 1),
            "machine": self.info["machine"],
            "versions": {
                "yagura": git("describe", "--always", "--dirty") or "unknown",
                "yagura_commit": git("rev-parse", "HEAD") or "unknown",
                "auditd": package_version("auditd"),
                "libbpf-tools": package_version("libbpf-tools"),
                "bpftool": package_version("bpftool"),
                "python": sys.version.split()[0],
            },
            "installed_by_run": self.installed,
            "sensor_config": {"path": os.path.relpath(self.sensor_config, self.repo),
                              "sha256": hashlib.sha256(sensor_cfg).hexdigest(),
                              "text": self.sensor_config_text},
            "watched_dir": self.watched,
            "watch_writes": self.info["watch_writes"],
            "watch_reads": self.info["watch_reads"],
            "audit_rules": getattr(self, "audit_rules", None),
            "libbpf_tools": list(next((c.tools for c in self.configs if c.tool == "libbpf-tools"), [])),
            "configs": [c.name for c in self.configs],
            "skipped": self.skipped,
            "workloads": [{"name": w[0], "kind": w[1], "argv": self.workload_argv(w, "TOKEN")[1:]}
                          for w in self.workloads],
            "runs": self.runs,
            "bpf_runs": self.bpf_runs,
        }


def main():
    args = parse_args()
    if os.geteuid() != 0:
        print("overhead: needs root (it loads the sensor's BPF programs and runs auditd); skipped",
              file=sys.stderr)
        return 77
    bench = Bench(args)
    try:
        bench.prepare()
        bench.run()
        results = bench.results()
    finally:
        bench.cleanup()
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(results, f, indent=1)
        f.write("\n")
    markdown = report.markdown(results, policy_json=os.path.join(args.repo, "bench", "results",
                                                                   "policy-throughput.json"))
    with open(args.markdown, "w") as f:
        f.write(markdown)
    if args.docs:
        report.splice_into(args.docs, markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
