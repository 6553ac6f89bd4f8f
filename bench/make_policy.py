#!/usr/bin/env python3
"""Writes a realistic policy of N rules, the workload of bench/policy_throughput.

The policy is, in this order:
  1. the built-in default policy (config/default-policy.yaml): its lists,
     macros and rules, unchanged;
  2. generated fleet rules, the shape a CSIRT's own policy takes: drop rules
     for known-good programs (monitoring agents talking to their collectors,
     programs touching their own watched files, health-check probes,
     internal DNS), per-team keep rules on host.tags.team, site alerts;
  3. rules translated from the SigmaHQ Linux rules (process_creation,
     network_connection, file_event) until N is reached.
Generated rules fill in only what the default and Sigma rules leave of N;
when those two alone exceed N, Sigma rules are cut (and the count says so).

It is a workload generator, not Sigma support (a later issue): the
translation takes selections of `Field|modifier: values` (contains,
startswith, endswith, re, cidr, all; Sigma wildcards become globs) and
conditions made of selection names, and, or, not, parentheses, `1 of x*`,
`all of x*`, `them`. Sigma compares strings case-insensitively, so string
conditions get `nocase: true`, except `re` (case-sensitive in Sigma too).
A top-level `... and not filter` becomes `except: filter`. Each category
adds what its Sigma log source means, as a pySigma pipeline would: new
processes (`snapshot: false`), connections (`network.action` connect,
accept, udp_send), files created or written (`file.action` open, rename,
link, symlink). Anything else (keywords, null values, other modifiers,
aggregations, regexes RE2 cannot run) skips the rule, counted on stderr.

  bench/make_policy.py --rules 200 --out /tmp/policy-200.yaml
"""

import argparse
import fnmatch
import pathlib
import re
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parent.parent
DEFAULT_POLICY = REPO / "config" / "default-policy.yaml"
SIGMA_LINUX = REPO.parent / "shared" / "corpora" / "sigma" / "rules" / "linux"

CATEGORIES = {
    "process_creation": ("exec", {"snapshot": False}),
    "network_connection": ("network", {"network.action": ["connect", "accept", "udp_send"]}),
    "file_event": ("file", {"file.action": ["open", "rename", "link", "symlink"]}),
}

# The Sigma fields policy/fields.cpp maps, by value type; other fields skip
# the rule.
SIGMA_FIELDS = {
    "Image": "string", "CommandLine": "string", "CurrentDirectory": "string",
    "User": "string", "ParentImage": "string", "ParentCommandLine": "string",
    "TargetFilename": "string", "SourceFilename": "string", "QueryName": "string",
    "DestinationHostname": "string", "Protocol": "string",
    "LogonId": "number", "ProcessId": "number", "ParentProcessId": "number",
    "SourcePort": "number", "DestinationPort": "number",
    "SourceIp": "ip", "DestinationIp": "ip", "Initiated": "bool",
}
OPERATORS = {"contains": "contains", "startswith": "prefix", "endswith": "suffix"}
SEVERITY = {"informational": "low", "low": "low", "medium": "medium", "high": "high",
            "critical": "critical"}


class Skip(Exception):
    """A Sigma rule this translator does not handle; the message says why."""


# ---- Sigma values and selections ----

def sigma_glob(value):
    """A Sigma value with wildcards as one of our globs ('[*]' is a literal star)."""
    out, i = [], 0
    while i < len(value):
        c = value[i]
        if c == "\\" and i + 1 < len(value) and value[i + 1] in "*?\\":
            out.append({"*": "[*]", "?": "[?]", "\\": "\\"}[value[i + 1]])
            i += 2
            continue
        out.append("[[]" if c == "[" else c)
        i += 1
    return "".join(out)


def has_wildcard(value):
    return re.search(r"(?<!\\)[*?]", value) is not None


def plain(value):
    return re.sub(r"\\([*?\\])", r"\1", value)


def field_condition(key, values):
    field, *mods = key.split("|")
    kind = SIGMA_FIELDS.get(field)
    if kind is None:
        raise Skip(f"field {field}")
    values = values if isinstance(values, list) else [values]
    if any(v is None for v in values):
        raise Skip("null value")
    values = [str(v).lower() if isinstance(v, bool) else str(v) for v in values]
    # "$name" names a list in our policies; "$$" is a literal "$".
    values = ["$" + v if v.startswith("$") else v for v in values]
    match_all = "all" in mods
    mods = [m for m in mods if m != "all"]
    if len(mods) > 1 or (mods and mods[0] not in (*OPERATORS, "re", "cidr")):
        raise Skip("modifier " + "|".join(mods))
    mod = mods[0] if mods else None

    def matcher(vals):
        if mod == "cidr":
            return {"cidr": vals if len(vals) > 1 else vals[0]}
        if mod == "re":
            for v in vals:
                if re.search(r"\(\?[=!<]|\\[1-9]", v):
                    raise Skip("regex RE2 cannot run")
            return {"regex": vals if len(vals) > 1 else vals[0]}
        if kind != "string":
            return {"in": vals} if len(vals) > 1 else {"eq": vals[0]}
        if any(has_wildcard(v) for v in vals):
            wrap = {"contains": "*{}*", "startswith": "{}*", "endswith": "*{}", None: "{}"}[mod]
            globs = [wrap.format(sigma_glob(v)) for v in vals]
            return {"glob": globs if len(globs) > 1 else globs[0], "nocase": True}
        vals = [plain(v) for v in vals]
        op = OPERATORS.get(mod) or ("in" if len(vals) > 1 else "eq")
        return {op: vals if len(vals) > 1 or op == "in" else vals[0], "nocase": True}

    if match_all and len(values) > 1:
        return {"all": [{field: matcher([v])} for v in values]}
    return {field: matcher(values)}


def selection(name, body):
    if isinstance(body, dict):
        return all_of([field_condition(k, v) for k, v in body.items()])
    if isinstance(body, list) and all(isinstance(item, dict) for item in body):
        return any_of([selection(name, item) for item in body])
    raise Skip(f"keyword selection {name}")


def all_of(conds):
    """AND, written as one mapping when the fields do not repeat."""
    flat = []
    for c in conds:
        flat.extend(c["all"] if set(c) == {"all"} else [c])
    keys = [k for c in flat for k in c]
    if len(keys) == len(set(keys)):
        return {k: v for c in flat for k, v in c.items()}
    return flat[0] if len(flat) == 1 else {"all": flat}


def any_of(conds):
    return conds[0] if len(conds) == 1 else {"any": conds}


# ---- Sigma conditions: selection names, and, or, not, (), 1 of, all of ----

def parse_condition(text, selections):
    tokens = re.findall(r"\(|\)|[^\s()]+", text)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else None

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def names(pattern):
        found = [n for n in selections if n == pattern or
                 (pattern == "them" and not n.startswith("_")) or
                 ("*" in pattern and fnmatch.fnmatchcase(n, pattern))]
        if not found:
            raise Skip(f"condition names unknown selection {pattern}")
        return found

    def factor():
        t = take()
        if t == "not":
            return ("not", factor())
        if t == "(":
            e = expr()
            if take() != ")":
                raise Skip("unbalanced condition")
            return e
        if t in ("1", "all") and peek() == "of":
            take()
            items = [("sel", n) for n in names(take())]
            return ("any" if t == "1" else "all", items)
        if t in ("and", "or", ")", "|") or t.startswith("|"):
            raise Skip(f"condition token {t}")
        return ("sel", names(t)[0])

    def term():
        items = [factor()]
        while peek() == "and":
            take()
            items.append(factor())
        return items[0] if len(items) == 1 else ("all", items)

    def expr():
        items = [term()]
        while peek() == "or":
            take()
            items.append(term())
        return items[0] if len(items) == 1 else ("any", items)

    tree = expr()
    if pos != len(tokens):
        raise Skip("condition with aggregation or trailing tokens")
    return tree


def to_policy(node, selections):
    kind, arg = node
    if kind == "sel":
        return selection(arg, selections[arg])
    if kind == "not":
        return {"not": to_policy(arg, selections)}
    parts = [to_policy(n, selections) for n in arg]
    return all_of(parts) if kind == "all" else any_of(parts)


def translate(path):
    doc = yaml.safe_load(path.read_text())
    category = doc.get("logsource", {}).get("category")
    if category not in CATEGORIES:
        return None
    detection = dict(doc["detection"])
    condition = detection.pop("condition")
    detection.pop("timeframe", None)
    if not isinstance(condition, str):
        raise Skip("several conditions")
    tree = parse_condition(condition, detection)
    # Top-level "a and not b": b becomes an exception, as a rule author
    # would write it.
    excepts = []
    if tree[0] == "all" and any(n[0] != "not" for n in tree[1]):
        excepts = [to_policy(n[1], detection) for n in tree[1] if n[0] == "not"]
        kept = [n for n in tree[1] if n[0] != "not"]
        tree = kept[0] if len(kept) == 1 else ("all", kept)
    event_type, logsource = CATEGORIES[category]
    when = all_of([logsource, to_policy(tree, detection)])
    tags = doc.get("tags") or []
    rule = {
        "id": "sigma." + path.stem,
        "title": doc["title"],
        "types": [event_type],
        "action": "alert",
        "severity": SEVERITY.get(doc.get("level", "medium"), "medium"),
    }
    attack = sorted({t.split(".", 1)[1].upper() for t in tags
                     if re.fullmatch(r"attack\.t\d{4}(\.\d{3})?", t)})
    if attack:
        rule["attack"] = attack
    tactics = [t.split(".", 1)[1] for t in tags
               if t.startswith("attack.") and not re.fullmatch(r"attack\.[tgs]\d{4}.*", t)]
    if tactics:
        rule["tags"] = tactics
    rule["when"] = when
    if excepts:
        rule["except"] = excepts
    return rule


def sigma_rules(root):
    """The translated rules, the skipped ones (name: why), and how many rules
    have another log source (auditd, builtin: not events this sensor makes)."""
    rules, skipped, other = [], {}, 0
    for path in sorted(root.rglob("*.yml")):
        try:
            rule = translate(path)
        except Skip as why:
            skipped[path.name] = str(why)
            continue
        if rule:
            rules.append(rule)
        else:
            other += 1
    return rules, skipped, other


# ---- Generated fleet rules ----

TEAMS = ["payments", "search", "data", "infra", "web", "ml", "identity", "mobile-api",
         "billing", "logistics", "risk", "messaging"]
APPS = ["api", "worker", "scheduler", "gateway", "indexer", "exporter", "ingest", "cache"]
# (exe, collector port) of agents that phone home all day.
AGENTS = [
    ("/usr/bin/prometheus-node-exporter", 9100), ("/opt/datadog-agent/bin/agent/agent", 443),
    ("/usr/bin/filebeat", 5044), ("/usr/bin/fluent-bit", 24224), ("/usr/bin/telegraf", 8086),
    ("/usr/sbin/zabbix_agentd", 10051), ("/usr/bin/osqueryd", 443), ("/usr/bin/consul", 8300),
    ("/usr/bin/vault", 8200), ("/usr/bin/nomad", 4647), ("/opt/puppetlabs/puppet/bin/puppet", 8140),
    ("/usr/bin/salt-minion", 4505), ("/usr/bin/chronyd", 123), ("/usr/bin/containerd", 443),
    ("/usr/bin/kubelet", 6443), ("/usr/sbin/snmpd", 162),
]
# (name, exe, path prefix) of programs whose file events under the default
# watch lists (sensor/filter/filter_config.cpp) are routine.
FILE_NOISE = [
    ("dpkg-libraries", "/usr/bin/dpkg", "/usr/lib/x86_64-linux-gnu/"),
    ("dpkg-binaries", "/usr/bin/dpkg", "/usr/bin/"),
    ("ssh-own-keys", "/usr/bin/ssh", "/home/"),
    ("kubectl-config", "/usr/bin/kubectl", "/home/"),
    ("git-credentials", "/usr/bin/git", "/home/"),
    ("docker-config", "/usr/bin/docker", "/home/"),
    ("bash-history", "/usr/bin/bash", "/home/"),
    ("sshd-pam-shadow", "/usr/sbin/sshd", "/etc/shadow"),
    ("puppet-pam", "/opt/puppetlabs/puppet/bin/puppet", "/etc/pam.d/"),
    ("salt-security", "/usr/bin/salt-minion", "/etc/security/"),
    ("systemctl-units", "/usr/bin/systemctl", "/etc/systemd/system/"),
    ("aws-cli-config", "/usr/local/bin/aws", "/home/"),
]
SITE_TOOLS = ["tcpdump", "gdb", "strace", "ltrace", "nmap", "socat", "tshark", "perf",
              "bpftrace", "masscan"]


def generated_rules(count):
    """count fleet rules, cycling through the templates so every shape recurs."""
    def agent(i):
        exe, port = AGENTS[i % len(AGENTS)]
        n = i // len(AGENTS)
        name = exe.rsplit("/", 1)[1] + (f"-{n}" if n else "")
        return {"id": f"fleet.drop.{name}-to-collector", "types": ["network"], "action": "drop",
                "description": "Agent traffic to its collector: expected all day.",
                "when": {"process.exe": exe, "network.destination.port": port + n}}

    def file_noise(i):
        name, exe, path = FILE_NOISE[i % len(FILE_NOISE)]
        n = i // len(FILE_NOISE)
        if n:  # a team's vendored copy of the tool
            team = TEAMS[(n - 1) % len(TEAMS)]
            exe = f"/opt/{team}/tools/" + exe.rsplit("/", 1)[1]
            name += f"-{team}-{n}"
        return {"id": f"fleet.drop.{name}", "types": ["file"], "action": "drop",
                "when": {"process.exe": exe, "file.path": {"prefix": path}}}

    def health(i):
        port = 8080 + i
        return {"id": f"fleet.drop.health-probe-{port}", "types": ["exec", "network"],
                "action": "drop",
                "description": "Load balancer and kubelet probes on loopback.",
                "when": {"process.exe": ["/usr/bin/curl", "/usr/bin/wget"],
                         "process.command_line": {"contains": f"127.0.0.1:{port}/health"}}}

    def team_keep(i):
        team = TEAMS[i % len(TEAMS)]
        app = APPS[(i // len(TEAMS)) % len(APPS)]
        n = i // (len(TEAMS) * len(APPS))
        suffix = f"-{n}" if n else ""
        return {"id": f"team.{team}.keep-{app}{suffix}", "types": ["exec", "network", "file"],
                "action": "keep",
                "description": f"{team} wants every event of its {app} kept.",
                "when": {"host.tags.team": team,
                         "process.exe": {"prefix": f"/opt/{team}/{app}{suffix}/"}}}

    def internal_dns(i):
        team = TEAMS[i % len(TEAMS)]
        n = i // len(TEAMS)
        zone = f"{team}.svc{n}.corp.example" if n else f"{team}.svc.corp.example"
        return {"id": f"fleet.drop.dns-{zone.replace('.', '-')}", "types": ["dns"],
                "action": "drop", "when": {"dns.question.name": {"suffix": "." + zone}}}

    def site_alert(i):
        tool = SITE_TOOLS[i % len(SITE_TOOLS)]
        team = TEAMS[(i // len(SITE_TOOLS)) % len(TEAMS)]
        n = i // (len(SITE_TOOLS) * len(TEAMS))
        return {"id": f"site.{team}.{tool}-in-prod" + (f"-{n}" if n else ""),
                "title": f"{tool} run on a {team} prod host", "types": ["exec"], "action": "alert", "severity": "medium",
                "when": {"snapshot": False, "host.tags.env": "prod", "host.tags.team": team,
                         "process.exe": {"suffix": "/" + tool}}}

    templates = [agent, file_noise, health, team_keep, team_keep, internal_dns, site_alert]
    used = {t: 0 for t in templates}
    rules = []
    for k in range(count):
        t = templates[k % len(templates)]
        rules.append(t(used[t]))
        used[t] += 1
    return rules


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=int, default=200, help="rules in the policy (200)")
    parser.add_argument("--out", required=True, help="the policy file to write")
    parser.add_argument("--sigma", type=pathlib.Path, default=SIGMA_LINUX,
                        help="SigmaHQ rules/linux directory")
    args = parser.parse_args()

    default = yaml.safe_load(DEFAULT_POLICY.read_text())
    sigma, skipped, other = sigma_rules(args.sigma)
    room = max(args.rules - len(default["rules"]), 0)
    cut = max(len(sigma) - room, 0)
    sigma = sigma[:room]
    fleet = generated_rules(room - len(sigma))
    policy = {
        "policy": {"name": f"bench-{args.rules}-rules", "version": 1, "default": "keep"},
        "lists": default["lists"],
        "macros": default["macros"],
        # Deciding rules first (the first keep/drop that acts decides), then
        # alerts: the order a fleet policy is usually written in.
        "rules": default["rules"] + [r for r in fleet if r["action"] != "alert"] +
                 [r for r in fleet if r["action"] == "alert"] + sigma,
    }
    header = (f"# Generated by bench/make_policy.py --rules {args.rules}: a benchmark workload,\n"
              f"# not a policy to deploy. {len(default['rules'])} default rules, "
              f"{len(fleet)} generated fleet rules,\n# {len(sigma)} translated SigmaHQ rules.\n")
    pathlib.Path(args.out).write_text(
        header + yaml.safe_dump(policy, sort_keys=False, width=100, allow_unicode=True))
    print(f"{args.out}: {len(policy['rules'])} rules: {len(default['rules'])} default, "
          f"{len(fleet)} fleet, {len(sigma)} Sigma (translated {len(sigma) + cut}, "
          f"cut to fit {cut}, skipped {len(skipped)}; {other} of other log sources)",
          file=sys.stderr)
    for name, why in sorted(skipped.items()):
        print(f"  skipped {name}: {why}", file=sys.stderr)


if __name__ == "__main__":
    main()
