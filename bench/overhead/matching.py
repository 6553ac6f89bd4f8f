"""Finds a workload run's own events in what each tool wrote, and says how
many it should have found.

A run is identified by its token (in the workload's argv, every marker's
argv and every file name), its listener port, or the pid of its shell (the
mixed workload's programs are that shell's children): never by a pid alone,
since pids wrap during an exec storm. Each function takes the run as the
runner recorded it: the workload's kind, its token and directory, and the
JSON line yb-workload printed (ops, port, child_pid)."""

import json
import re

# x86-64 syscall numbers, as auditd's raw records give them.
SYS_CONNECT, SYS_ACCEPT, SYS_ACCEPT4 = 42, 43, 288
SYS_OPEN, SYS_OPENAT, SYS_EXECVE, SYS_EXECVEAT = 2, 257, 59, 322


def expected(run, tool, coverage):
    """Events of the run the tool is meant to report; None where it does not
    trace that kind of action at all (coverage: the kinds the tool traces)."""
    kind = run["kind"]
    if kind not in coverage:
        return None
    if kind == "files" and not run["watched"]:
        # Only opensnoop traces every open; yagura and auditd watch paths.
        return run["ops"] if tool == "libbpf-tools" else 0
    return run["mixed_execs"] if kind == "mixed" else run["ops"]


# ---- Yagura: JSON lines, from the sensor's output or the collector's store.

def sensor_event_matches(e, run):
    kind, token = run["kind"], run["token"]
    p = e.get("process") or {}
    if kind == "exec":
        args = p.get("args") or []
        return e["type"] == "exec" and len(args) > 1 and args[1] == token and \
            p.get("exe", "").endswith("/yb-marker")
    if kind in ("connect", "accept"):
        n = e.get("network") or {}
        return e["type"] == "network" and n.get("action") == kind and \
            (n.get("destination") or {}).get("port") == run["port"] and token in (p.get("args") or [])
    if kind == "files":
        f = e.get("file") or {}
        return e["type"] == "file" and f.get("action") == "open" and \
            f.get("path", "").startswith(f"{run['dir']}/{token}-")
    if kind == "mixed":
        return e["type"] == "exec" and not e.get("snapshot") and \
            (e.get("parent") or {}).get("pid") == run["child_pid"]
    raise ValueError(kind)


def needle(run):
    """A string every matching JSON line holds, to skip the others unparsed
    (a network storm writes hundreds of thousands)."""
    kind = run["kind"]
    if kind == "files":
        return f"{run['dir']}/{run['token']}-"
    if kind == "mixed":
        return f'"pid":{run["child_pid"]},'
    return run["token"]


def count_sensor_lines(path, run):
    """The run's events in a JSON lines file, and its last health line."""
    n, health, want = 0, None, needle(run)
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            if '"type":"health"' in line:
                health = line
            elif want in line:
                try:
                    n += sensor_event_matches(json.loads(line), run)
                except ValueError:
                    pass  # a line cut by a crash: not an event
    return n, health and json.loads(health)


def marker_action_ns(e):
    """The wall time the exec storm took its action, from the marker's argv."""
    return int(e["process"]["args"][3])


# ---- auditd: its log, records grouped by event serial.

_RECORD = re.compile(r"^type=(\w+) msg=audit\((\d+)\.(\d+):(\d+)\): (.*)$")
_FIELD = re.compile(r'(\w+)=("[^"]*"|\S+)')


def audit_needle(run, workload_exe):
    """A string one record of each of the run's events holds."""
    kind = run["kind"]
    if kind == "exec":
        return f'a1="{run["token"]}"'
    if kind == "connect":  # struct sockaddr_in: AF_INET (LE), the port (BE), 127.0.0.1
        return f"saddr=0200{run['port']:04X}7F000001"
    if kind == "accept":
        return f'exe="{workload_exe}"'
    if kind == "files":
        return f'name="{run["dir"]}/{run["token"]}-'
    return f"ppid={run['child_pid']} "


def read_audit_log(path, needle):
    """{serial: [(type, {field: value})]} of the events with a record that
    holds needle; ENRICHED lines' interpreted part (after 0x1d) is dropped,
    quotes are kept on values."""
    serial = re.compile(r"msg=audit\(\d+\.\d+:(\d+)\)")
    with open(path, errors="replace") as f:
        wanted = {int(serial.search(line).group(1)) for line in f if needle in line}
    events = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = serial.search(line)
            if m and int(m.group(1)) in wanted:
                m = _RECORD.match(line.rstrip("\n").split("\x1d", 1)[0])
                if m:
                    fields = dict(_FIELD.findall(m.group(5)))
                    events.setdefault(int(m.group(4)), []).append((m.group(1), fields))
    return events


def _sockaddr_inet_port(saddr):
    """(family, port) of a hex struct sockaddr: family little-endian, port big-endian."""
    if len(saddr) < 8:
        return None, None
    return int(saddr[2:4] + saddr[0:2], 16), int(saddr[4:8], 16)


def audit_count(events, run, workload_exe):
    kind, token = run["kind"], run["token"]
    n = 0
    for records in events.values():
        syscall = next((f for t, f in records if t == "SYSCALL"), None)
        if syscall is None or syscall.get("success") != "yes":
            continue
        nr = int(syscall.get("syscall", -1))
        if kind == "exec":
            n += nr in (SYS_EXECVE, SYS_EXECVEAT) and any(
                t == "EXECVE" and f.get("a1") == f'"{token}"' for t, f in records)
        elif kind == "connect":
            n += nr == SYS_CONNECT and any(
                t == "SOCKADDR" and _sockaddr_inet_port(f.get("saddr", "")) == (2, run["port"])
                for t, f in records)
        elif kind == "accept":
            n += nr in (SYS_ACCEPT, SYS_ACCEPT4) and syscall.get("exe") == f'"{workload_exe}"'
        elif kind == "files":
            prefix = f'"{run["dir"]}/{token}-'
            n += nr in (SYS_OPEN, SYS_OPENAT) and any(
                t == "PATH" and f.get("name", "").startswith(prefix) for t, f in records)
        elif kind == "mixed":
            n += nr in (SYS_EXECVE, SYS_EXECVEAT) and int(syscall.get("ppid", -1)) == run["child_pid"]
    return n


# ---- libbpf-tools: their text output, one line per event.

def libbpf_count(outputs, run, net_tool):
    """outputs: {tool: [line, ...]} of execsnoop, opensnoop and the network tool."""
    kind, token = run["kind"], run["token"]
    n = 0
    if kind in ("exec", "mixed"):
        # PCOMM PID PPID RET ARGS
        for line in outputs["execsnoop"]:
            cols = line.split(None, 4)
            if len(cols) < 4 or not cols[1].isdigit() or cols[3] != "0":
                continue
            if kind == "exec":
                n += len(cols) == 5 and cols[4].split()[1:2] == [token]
            else:
                n += int(cols[2]) == run["child_pid"]
    elif kind == "files":
        # PID COMM FD ERR PATH
        prefix = f"{run['dir']}/{token}-"
        n = sum(1 for line in outputs["opensnoop"] if line.split(None, 4)[-1].startswith(prefix))
    elif kind in ("connect", "accept"):
        port = str(run["port"])
        for line in outputs[net_tool]:
            cols = line.split()
            if net_tool == "tcpconnect":  # PID COMM IP SADDR DADDR DPORT
                n += len(cols) >= 6 and cols[-1] == port
            else:  # tcplife: PID COMM LADDR LPORT RADDR RPORT TX_KB RX_KB MS
                if len(cols) >= 9:
                    n += (cols[-4] if kind == "connect" else cols[-6]) == port
    return n
