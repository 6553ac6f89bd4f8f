"""The configurations the overhead benchmark compares. Each is started
before one workload run and stopped after it, so that every run starts from
the same state and its output holds that run alone:

  Baseline       nothing running;
  Yagura         the sensor with the shipped configuration, capture only, or
                 uploading to a local collector (started with it);
  Auditd         auditd with rules equivalent to Yagura's (execve, connect,
                 accept, the sensor's watched paths);
  LibbpfTools    execsnoop, opensnoop and a TCP tool from Debian's
                 libbpf-tools, writing to files: bare eBPF capture.

Each says which processes to measure (name -> pid), how long to let them
drain after the workload (settle_min_s), and counts the run's events in what
it wrote (matching.py). AuditSystem leaves the kernel's audit state as it
found it."""

import glob
import json
import os
import signal
import sqlite3
import subprocess
import time

import matching
import procfs


class Unavailable(Exception):
    """A configuration that cannot run on this machine, with the reason."""


def _wait_file(path, proc, what, timeout_s=60):
    deadline = time.monotonic() + timeout_s
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited ({proc.returncode}) before it was ready")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout_s} s")
        time.sleep(0.02)


def _stop(proc, sig=signal.SIGTERM, timeout_s=60):
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise RuntimeError(f"pid {proc.pid} ignored signal {sig} for {timeout_s} s")


def _tail(path, n=2000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-n:]
    except FileNotFoundError:
        return ""


class Baseline:
    name = "baseline"
    tool = "none"
    coverage = ()
    settle_min_s = 0.0

    def start(self, _dir):
        pass

    def processes(self):
        return {}

    def stop(self):
        pass

    def count(self, _run):
        return {}


class Yagura:
    """yagura-sensor with the shipped configuration (--output, --state-dir
    and --ready-file point into the run's directory). With a collector, the
    upload section scripts/run.sh adds is appended, with a development PKI."""

    tool = "yagura"
    coverage = ("exec", "connect", "accept", "files", "mixed")

    def __init__(self, sensor, config_text, collector=None, collector_config=None, pki=None,
                 sensor_id="bench-sensor", batch_age_s=2.0):
        self.sensor_bin = sensor
        self.config_text = config_text
        self.collector_bin = collector
        self.collector_config = collector_config
        self.pki = pki
        self.sensor_id = sensor_id
        self.upload = collector is not None
        self.name = "yagura-upload" if self.upload else "yagura-capture"
        # Batches leave by age (upload.batch.max_age_ms, 2 s by default): the
        # run is not over until its last batch is stored.
        self.settle_min_s = batch_age_s + 0.5 if self.upload else 0.3
        self.sensor = self.collector = None

    def start(self, d):
        self.dir = d
        self.sensor = self.collector = None
        config = os.path.join(d, "sensor.yaml")
        text = self.config_text
        if self.upload:
            self._start_collector(d)
            text += (f"\nupload:\n  collector: https://127.0.0.1:{self.port}\n"
                     f"  sensor_id: {self.sensor_id}\n"
                     f"  tls: {{ca: {self.pki}/ca.pem, cert: {self.pki}/sensor-{self.sensor_id}.pem, "
                     f"key: {self.pki}/sensor-{self.sensor_id}.key}}\n"
                     f"  spool: {{dir: {d}/state/spool}}\n")
        with open(config, "w") as f:
            f.write(text)
        os.makedirs(os.path.join(d, "state"), exist_ok=True)
        ready = os.path.join(d, "sensor.ready")
        with open(os.path.join(d, "sensor.stderr"), "w") as err:
            self.sensor = subprocess.Popen(
                [self.sensor_bin, "--config", config, "--output", os.path.join(d, "events.jsonl"),
                 "--state-dir", os.path.join(d, "state"), "--ready-file", ready],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            _wait_file(ready, self.sensor, "yagura-sensor")
        except RuntimeError as e:
            raise RuntimeError(f"{e}: {_tail(os.path.join(d, 'sensor.stderr'))}") from None
        self.startup_cpu_ns = {"sensor": procfs.cpu_ns(self.sensor.pid)}

    def _start_collector(self, d):
        ready = os.path.join(d, "collector.ready")
        # The shipped configuration, its alert file and reports in the run's directory.
        with open(self.collector_config) as f:
            text = f.read()
        config = os.path.join(d, "collector.yaml")
        with open(config, "w") as f:
            f.write(text.replace("/var/lib/yagura-collector/alerts.jsonl", os.path.join(d, "alerts.jsonl"))
                    .replace("/var/lib/yagura-collector/reports", d))
        with open(os.path.join(d, "collector.stderr"), "w") as err:
            self.collector = subprocess.Popen(
                [self.collector_bin, "--config", config, "--pki", self.pki,
                 "--store", os.path.join(d, "collector.db"), "--listen", "127.0.0.1:0",
                 "--ready-file", ready],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        _wait_file(ready, self.collector, "yagura-collector")
        with open(ready) as f:
            self.port = int(f.read().strip())

    def processes(self):
        p = {"sensor": self.sensor.pid}
        if self.collector:
            p["collector"] = self.collector.pid
        return p

    def stop(self):
        code = _stop(self.sensor) if self.sensor else 0
        if self.collector:
            _stop(self.collector)
        if code != 0:
            raise RuntimeError(f"yagura-sensor exited {code}: {_tail(os.path.join(self.dir, 'sensor.stderr'))}")

    def count(self, run):
        captured, health = matching.count_sensor_lines(os.path.join(self.dir, "events.jsonl"), run)
        out = {"captured": captured}
        if health:
            out["health"] = _health_summary(health)
        if self.upload:
            out.update(self._collector_view(run))
        return out

    def _collector_view(self, run):
        """Events of the run stored by the collector, and for the exec storm
        the latency from each marker's action to its batch's arrival."""
        db = sqlite3.connect(f"file:{self.dir}/collector.db?mode=ro", uri=True)
        kind_type = {"exec": "exec", "mixed": "exec", "connect": "network", "accept": "network",
                     "files": "file"}[run["kind"]]
        delivered, latencies = 0, []
        rows = db.execute(
            "SELECT e.json, b.received_ns FROM events e JOIN batches b "
            "ON b.sensor_id = e.sensor_id AND b.sequence = e.sequence "
            "WHERE e.type = ? AND instr(e.json, ?) > 0", (kind_type, matching.needle(run)))
        for text, received_ns in rows:
            e = json.loads(text)
            if matching.sensor_event_matches(e, run):
                delivered += 1
                if run["kind"] == "exec":
                    latencies.append(received_ns - matching.marker_action_ns(e))
        db.close()
        out = {"delivered": delivered}
        if latencies:
            latencies.sort()
            out["latency_ns"] = {"n": len(latencies), "p50": _quantile(latencies, 0.5),
                                 "p99": _quantile(latencies, 0.99), "max": latencies[-1]}
        return out


def _quantile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def _health_summary(h):
    """The final health line's losses, where they happened, and upload totals."""
    def shed(queue):
        return sum(sum(reasons.values()) for reasons in queue["shed"]["by_type"].values())

    pipeline = h.get("pipeline", {})
    out = {"kernel_drops": sum(n for reasons in h["kernel"]["drops"].values() for n in reasons.values()),
           "record_queue_shed": shed(pipeline["record_queue"]) if "record_queue" in pipeline else None,
           "event_queue_shed": shed(pipeline["event_queue"]) if "event_queue" in pipeline else None,
           "lines_lost": h["output"]["lines_lost"],
           "emitted": h["kernel"]["emitted"],
           "policy": {k: h.get("policy", {}).get(k) for k in ("name", "version", "sha256", "origin")},
           "kept": h.get("policy", {}).get("kept"), "dropped_by_rule": h.get("policy", {}).get("dropped_by_rule")}
    if "upload" in h:
        u = h["upload"]
        out["upload"] = {k: u[k] for k in ("batches_acked", "events_acked", "bytes_sent",
                                           "send_errors", "events_sealed")}
    return out


# ---------------------------------------------------------------- auditd

AUDIT_KEYS = ("yb-exec", "yb-net", "yb-file", "yb-read")
NEUTRAL_RULE = ["-a", "never,task"]


def _auditctl(*args, check=True):
    r = subprocess.run(["auditctl", *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"auditctl {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def audit_status():
    status = {}
    for line in _auditctl("-s").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
            status[parts[0]] = int(parts[1])
    return status


def audit_rules_for(watch_writes, watch_reads):
    """auditd rules equivalent to the sensor's capture: execve, connect and
    accept, and -w watches on the paths the sensor watches (its prefixes
    expanded to the files and directories that exist: auditctl watches
    paths, and a directory watch covers the tree below it). The buffer
    settings are Debian's /etc/audit/rules.d/audit.rules."""
    rules = ["-b 8192", "--backlog_wait_time 60000", "-f 1",
             "-a always,exit -F arch=b64 -S execve,execveat -k yb-exec",
             "-a always,exit -F arch=b64 -S connect -k yb-net",
             "-a always,exit -F arch=b64 -S accept,accept4 -k yb-net"]

    def expand(entry):
        if entry.endswith("/"):
            return glob.glob(entry.rstrip("/")) if "*" in entry else [entry.rstrip("/")]
        return glob.glob(entry + "*")  # "/etc/cron" covers /etc/crontab, /etc/cron.d

    for perms, key, entries in (("wa", "yb-file", watch_writes), ("r", "yb-read", watch_reads)):
        paths = sorted({p for e in entries for p in expand(e) if os.path.exists(p)})
        rules += [f"-w {p} -p {perms} -k {key}" for p in paths]
    return rules


class AuditSystem:
    """The kernel's audit state, saved once and restored after every auditd
    run: its flags, and the rule list exactly as found.

    Once audit has been enabled, the kernel gives every new process a syscall
    audit context until reboot, even with no rules (auditsc.c, audit_alloc()
    and audit_ever_enabled): the configurations measured after an auditd run
    would pay for it. While auditd is not the configuration running, a
    "never,task" rule (the one RHEL ships for this) keeps new processes out
    of syscall auditing; it is removed at the end."""

    def __init__(self):
        if not os.path.exists("/sbin/auditctl") and not os.path.exists("/usr/sbin/auditctl"):
            raise Unavailable("auditctl is not installed")
        self.saved = audit_status()
        if self.saved.get("enabled") == 2:
            raise Unavailable("the audit configuration is locked (enabled 2) until reboot")
        if self.saved.get("pid", 0) != 0:
            raise Unavailable(f"an audit daemon already runs (pid {self.saved['pid']}); "
                              "stop it to measure auditd and a clean baseline")
        self.saved_rules = _auditctl("-l")
        self.neutral_added = False
        self.neutralize()

    def neutralize(self):
        if "-a never,task" not in self.saved_rules and not self.neutral_added:
            _auditctl(*NEUTRAL_RULE)
            self.neutral_added = True

    def arm(self):
        if self.neutral_added:
            _auditctl("-d", "never,task")
            self.neutral_added = False

    def restore_flags(self):
        s = self.saved
        _auditctl("-e", str(s.get("enabled", 0)), "-f", str(s.get("failure", 1)),
                  "-b", str(s.get("backlog_limit", 64)), "-r", str(s.get("rate_limit", 0)),
                  "--backlog_wait_time", str(s.get("backlog_wait_time", 15000)))

    def close(self):
        """Leaves the rules and flags as found."""
        for key in AUDIT_KEYS:
            _auditctl("-D", "-k", key, check=False)
        self.arm()
        self.restore_flags()
        now = _auditctl("-l")
        if now != self.saved_rules:
            raise RuntimeError(f"audit rules differ from those found: {now!r} vs {self.saved_rules!r}")


class Auditd:
    """auditd in the foreground (-n) with Debian's auditd.conf, except that
    the log goes into the run's directory and is never rotated."""

    name = "auditd"
    tool = "auditd"
    coverage = ("exec", "connect", "accept", "files", "mixed")
    settle_min_s = 0.3

    def __init__(self, system, rules, workload_exe):
        self.system = system
        self.rules = rules
        self.workload_exe = workload_exe
        self.kauditd = None

    def start(self, d):
        self.dir = d
        self.proc = None
        conf_dir = os.path.join(d, "audit")
        os.makedirs(conf_dir, mode=0o750, exist_ok=True)
        with open("/etc/audit/auditd.conf") as f:
            conf = f.read().splitlines()
        override = {"log_file": os.path.join(d, "audit.log"), "max_log_file_action": "IGNORE"}
        conf = [f"{line.split('=')[0].strip()} = {override[line.split('=')[0].strip()]}"
                if "=" in line and line.split("=")[0].strip() in override else line for line in conf]
        fd = os.open(os.path.join(conf_dir, "auditd.conf"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(conf) + "\n")
        with open(os.path.join(conf_dir, "bench.rules"), "w") as f:
            f.write("\n".join(self.rules) + "\n")
        self.system.arm()
        self.lost_before = self.lost = audit_status().get("lost", 0)
        with open(os.path.join(d, "auditd.stderr"), "w") as err:
            self.proc = subprocess.Popen(["auditd", "-n", "-c", conf_dir], stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err)
        deadline = time.monotonic() + 20
        while audit_status().get("pid") != self.proc.pid:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"auditd did not start: {_tail(os.path.join(d, 'auditd.stderr'))}")
            time.sleep(0.05)
        _auditctl("-R", os.path.join(conf_dir, "bench.rules"))
        self.kauditd = procfs.kernel_thread("kauditd")

    def processes(self):
        p = {"auditd": self.proc.pid}
        if self.kauditd:
            p["kauditd"] = self.kauditd
        return p

    def stop(self):
        try:
            self.lost = audit_status().get("lost", 0) - self.lost_before
            for key in AUDIT_KEYS:
                _auditctl("-D", "-k", key, check=False)
            if self.proc:
                _stop(self.proc)
        finally:
            self.system.restore_flags()
            self.system.neutralize()

    def count(self, run):
        events = matching.read_audit_log(os.path.join(self.dir, "audit.log"),
                                         matching.audit_needle(run, self.workload_exe))
        return {"captured": matching.audit_count(events, run, self.workload_exe),
                "kernel_lost": self.lost}


# ---------------------------------------------------------------- libbpf-tools

def kernel_has_kprobes():
    return os.path.exists("/sys/bus/event_source/devices/kprobe") or \
        os.path.exists("/sys/kernel/tracing/kprobe_events")


class LibbpfTools:
    """execsnoop, opensnoop and tcpconnect, or tcplife on a kernel without
    kprobes (tcpconnect attaches a kprobe; tcplife the sock:inet_sock_set_state
    tracepoint, and reports both ends of each connection as it closes). Their
    stdout is a file, block-buffered, as a collector of their output would
    read it."""

    name = "libbpf-tools"
    tool = "libbpf-tools"
    settle_min_s = 0.3

    def __init__(self):
        missing = [t for t in ("execsnoop", "opensnoop", "tcpconnect", "tcplife")
                   if not os.path.exists(f"/usr/sbin/{t}")]
        if missing:
            raise Unavailable(f"libbpf-tools missing: {' '.join(missing)}")
        self.net_tool = "tcpconnect" if kernel_has_kprobes() else "tcplife"
        self.tools = ("execsnoop", self.net_tool, "opensnoop")
        self.coverage = ("exec", "connect", "files", "mixed") + \
            (("accept",) if self.net_tool == "tcplife" else ())

    def start(self, d):
        self.dir = d
        self.procs = {}
        for t in self.tools:
            with open(os.path.join(d, f"{t}.out"), "w") as out, \
                    open(os.path.join(d, f"{t}.stderr"), "w") as err:
                self.procs[t] = subprocess.Popen([f"/usr/sbin/{t}"], stdin=subprocess.DEVNULL,
                                                 stdout=out, stderr=err)
        # Attached once each holds a BPF link and has gone quiet (in its
        # poll loop); stdout is buffered, so the header says nothing.
        deadline = time.monotonic() + 30
        for t, p in self.procs.items():
            while not self._has_link(p.pid):
                if p.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{t} did not attach: {_tail(os.path.join(d, t + '.stderr'))}")
                time.sleep(0.05)
        procfs.wait_quiet([p.pid for p in self.procs.values()], min_s=0.2)
        self.startup_cpu_ns = {t: procfs.cpu_ns(p.pid) for t, p in self.procs.items()}

    @staticmethod
    def _has_link(pid):
        try:
            return any(os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:bpf_link"
                       for fd in os.listdir(f"/proc/{pid}/fd"))
        except OSError:
            return False

    def processes(self):
        return {t: p.pid for t, p in self.procs.items()}

    def stop(self):
        for t, p in self.procs.items():
            code = _stop(p, signal.SIGINT)
            if code != 0:
                raise RuntimeError(f"{t} exited {code}: {_tail(os.path.join(self.dir, t + '.stderr'))}")

    def count(self, run):
        outputs = {}
        lost = 0
        for t in self.tools:
            with open(os.path.join(self.dir, f"{t}.out"), errors="replace") as f:
                outputs[t] = f.read().splitlines()
            # "Lost N events on CPU #c!": the perf buffer was full.
            for line in _tail(os.path.join(self.dir, f"{t}.stderr"), 1 << 20).splitlines():
                if line.startswith("Lost ") and line.split()[1].isdigit():
                    lost += int(line.split()[1])
        return {"captured": matching.libbpf_count(outputs, run, self.net_tool), "reported_lost": lost}
