#include "sensor/output/json_writer.h"

#include <sys/stat.h>

#include <string_view>
#include <variant>

#include "sensor/output/command_line.h"
#include "sensor/output/json_activity.h"
#include "sensor/output/json_object.h"
#include "sensor/output/json_string.h"
#include "sensor/output/json_values.h"
#include "sensor/output/kernel_names.h"

namespace yagura {
namespace {

using json::append_string_array;
using json::ObjectWriter;

void write_creds(ObjectWriter& obj, const Creds& c) {
  obj.number("uid", c.uid);
  obj.number("euid", c.euid);
  obj.number("suid", c.suid);
  obj.number("fsuid", c.fsuid);
  obj.number("gid", c.gid);
  obj.number("egid", c.egid);
  obj.number("sgid", c.sgid);
  obj.number("fsgid", c.fsgid);
}

void write_caps(ObjectWriter& obj, const Creds& c) {
  obj.hex64("cap_effective", c.cap_effective);
  obj.hex64("cap_permitted", c.cap_permitted);
}

// The fields every event has for its process. cgroup_path is given on exec
// only, the one event that captures it. An owner-only event the process
// table could not complete has only the key, tid and comm: its ids would be
// zeros, and a zero uid reads as root, so they are left out.
void write_task(ObjectWriter& obj, const Event& event, const WallClock& clock,
                const CapturedString* cgroup_path) {
  const TaskInfo& t = event.task();
  const Enrichment& en = event.enrichment;
  obj.process_key("key", t.key);
  obj.number("pid", t.key.tgid);
  obj.number("tid", t.tid);
  obj.time("start_time", clock.to_wall_ns(t.key.start_ns));
  obj.string("comm", t.comm);
  if (std::holds_alternative<NetEvent>(event.body) || std::holds_alternative<DnsEvent>(event.body))
    obj.boolean("owner_only", event.owner_only);
  if (!json::task_ids_known(event)) return;
  write_creds(obj, t.creds);
  obj.string_unless_empty("user", en.user_name);
  obj.string_unless_empty("euser", en.euser_name);
  obj.string_unless_empty("group", en.group_name);
  obj.id_or_null("loginuid", t.loginuid);
  obj.string_unless_empty("login_user", en.login_user_name);
  obj.id_or_null("sessionid", t.sessionid);
  write_caps(obj, t.creds);
  if (t.tty.empty()) {
    obj.key("tty") += "null";
  } else {
    obj.string("tty", t.tty);
  }
  {
    ObjectWriter cgroup(obj.key("cgroup"));
    cgroup.number("id", t.cgroup_id);
    if (cgroup_path) cgroup.string("path", cgroup_path->value);
  }
  ObjectWriter ns(obj.key("ns"));
  ns.number("pid", t.pid_ns);
  ns.number("mnt", t.mnt_ns);
}

// The image of the process, for events other than exec, from the process
// table: what attributes the event to a program.
void write_image(ObjectWriter& obj, const ProcessImage& image) {
  obj.string("exe", image.exe_path);
  append_string_array(obj.key("args"), image.argv);
  obj.command_line("command_line", image.argv);
  obj.string_unless_empty("cwd", image.cwd);
}

void write_exe_file(ObjectWriter& obj, const FileInfo& f, const Enrichment& en) {
  obj.device("dev", f.dev);
  obj.number("ino", f.ino);
  obj.mode("mode", f.mode);
  obj.boolean("setuid", (f.mode & S_ISUID) != 0);
  obj.boolean("setgid", (f.mode & S_ISGID) != 0);
  obj.number("uid", f.uid);
  obj.number("gid", f.gid);
  obj.number("size", f.size);
  obj.number("nlink", f.nlink);
  obj.time("mtime", f.mtime_ns);  // the inode's wall-clock time, no conversion
  obj.boolean("deleted", f.deleted);
  obj.boolean("memfd", f.memfd);
  obj.boolean("tmpfs", f.tmpfs);
  if (en.exe_sha256) obj.string("sha256", *en.exe_sha256);
  obj.string_unless_empty("hash_error", en.exe_hash_error);
}

const char* env_scan_state(const ExecEvent& e) {
  if (!e.env_scanned) return "off";
  return e.env_scan_cut ? "partial" : "complete";
}

void write_exec(ObjectWriter& obj, const ExecEvent& e, const Enrichment& en) {
  // A kernel thread (seen in the start-up snapshot) runs no file: an empty
  // path and a zeroed inode would read as a real, odd file.
  if (!e.no_exe) {
    obj.string("exe", e.exe_path.value);
    ObjectWriter exe_file(obj.key("exe_file"));
    write_exe_file(exe_file, e.exe, en);
  }
  append_string_array(obj.key("args"), e.argv);
  obj.command_line("command_line", e.argv);
  obj.number("argc", e.argc);
  obj.number("args_bytes", e.args_size);
  obj.boolean("args_truncated", e.args_truncated);
  obj.boolean("args_unreadable", e.args_unreadable);
  obj.string("filename", e.filename.value);
  obj.string("cwd", e.cwd.value);
  if (e.is_script) {
    ObjectWriter script(obj.key("script"));
    script.string("path", e.script_path());
    script.string("interpreter", e.interpreter.value);
  }
  {
    ObjectWriter env(obj.key("env"));
    if (e.ld_preload) env.string("LD_PRELOAD", e.ld_preload->value);
    if (e.ld_library_path) env.string("LD_LIBRARY_PATH", e.ld_library_path->value);
  }
  obj.string("env_scan", env_scan_state(e));
  if (e.stdio) {
    ObjectWriter stdio(obj.key("stdio"));
    for (size_t i = 0; i < e.stdio->size(); ++i) {
      ObjectWriter stream(stdio.key(json::kStdioNames[i]));
      stream.string("type", json::stdio_type((*e.stdio)[i]));
      stream.number("ino", (*e.stdio)[i].ino);
    }
  }

  // Named by where each string appears in the output.
  json::write_truncated(
      obj, {{"exe", &e.exe_path},
            {"filename", &e.filename},
            {"script.interpreter", &e.interpreter},
            {"cwd", &e.cwd},
            {"cgroup.path", &e.cgroup_path},
            {"env.LD_PRELOAD", e.ld_preload ? &*e.ld_preload : nullptr},
            {"env.LD_LIBRARY_PATH", e.ld_library_path ? &*e.ld_library_path : nullptr}});
}

// The parent, and the ancestors above it, from the process table's lineage
// (the forking process, on fork); when the table does not know it, the
// kernel's parent with its key only.
void write_parent(ObjectWriter& top, const Event& event) {
  const auto& lineage = event.enrichment.lineage;
  if (!lineage.empty()) {
    {
      const Ancestor& p = lineage.front();
      ObjectWriter parent(top.key("parent"));
      parent.process_key("key", p.key);
      parent.number("pid", p.key.tgid);
      parent.string("exe", p.exe_path);
      append_string_array(parent.key("args"), p.argv);
      parent.command_line("command_line", p.argv);
    }
    if (lineage.size() > 1) {
      std::string& out = top.key("ancestors");
      out += '[';
      for (size_t i = 1; i < lineage.size(); ++i) {
        if (i != 1) out += ',';
        ObjectWriter a(out);
        a.process_key("key", lineage[i].key);
        a.number("pid", lineage[i].key.tgid);
        a.string("exe", lineage[i].exe_path);
        a.command_line("command_line", lineage[i].argv);
      }
      out += ']';
    }
  } else if (const ProcessKey p = json::parent_key(event); p.valid()) {
    ObjectWriter parent(top.key("parent"));
    parent.process_key("key", p);
    parent.number("pid", p.tgid);
  }
  top.boolean("lineage_complete", event.enrichment.lineage_complete);
}

void write_exit(ObjectWriter& top, const ExitEvent& e) {
  ObjectWriter status(top.key("exit"));
  status.number("code", static_cast<uint64_t>(e.exit_code()));
  status.number("signal", static_cast<uint64_t>(e.signal()));
  if (const char* name = signal_name(e.signal())) status.string("signal_name", name);
  status.boolean("core_dumped", e.core_dumped());
}

void write_cred(ObjectWriter& top, const CredEvent& e) {
  ObjectWriter cred(top.key("cred"));
  cred.string("syscall", json::cred_syscall_name(e.syscall));
  for (const auto& [name, c] : {std::pair{"old", &e.old}, std::pair{"new", &e.task.creds}}) {
    ObjectWriter side(cred.key(name));
    write_creds(side, *c);
    write_caps(side, *c);
  }
}

// What the policy made of the event: the version that judged it, whether
// it dropped it (the flight recorder's lines only), and the alert rules
// that fired. Nothing when no policy judged it.
void write_verdict(ObjectWriter& top, const PolicyVerdict& verdict) {
  if (verdict.policy_version != 0) {
    ObjectWriter policy(top.key("policy"));
    policy.number("version", verdict.policy_version);
    if (verdict.dropped) policy.boolean("dropped", true);
  }
  if (verdict.alerts.empty()) return;
  std::string& out = top.key("alerts");
  out += '[';
  bool first = true;
  for (const auto& rule : verdict.alerts) {
    if (!rule) continue;  // the verdict holds rules, never null; a line must stay valid
    if (!first) out += ',';
    first = false;
    ObjectWriter alert(out);
    alert.string("id", rule->id);
    alert.string("title", rule->title);
    alert.string("severity", rule->severity);
    alert.strings("attack", rule->attack);
    alert.strings("tags", rule->tags);
  }
  out += ']';
}

}  // namespace

JsonWriter::JsonWriter(const HostIdentity& host, WallClock clock) : clock_(clock) {
  ObjectWriter obj(host_json_);
  obj.string("hostname", host.hostname);
  obj.string("boot_id", host.boot_id);
  // Tag names come from configuration: escaped, unlike our own member names.
  std::string& tags = obj.key("tags");
  tags += '{';
  bool first = true;
  for (const auto& [name, value] : host.tags) {
    if (!first) tags += ',';
    first = false;
    append_json_string(tags, name);
    tags += ':';
    append_json_string(tags, value);
  }
  tags += '}';
}

void JsonWriter::append(const Event& event, std::string& out) const {
  const auto* exec = std::get_if<ExecEvent>(&event.body);
  ObjectWriter top(out);
  top.number("schema", kJsonSchemaVersion);
  top.string("type", event_type_name(event.body));
  // Next to the type: a snapshot describes a process that was already running
  // at start-up, and rules about new executions must not fire on it.
  if (exec) top.boolean("snapshot", event.snapshot);
  top.time("time", clock_.to_wall_ns(event.ktime_ns));
  top.number("ktime_ns", event.ktime_ns);
  top.key("host") += host_json_;
  {
    ObjectWriter process(top.key("process"));
    write_task(process, event, clock_, exec ? &exec->cgroup_path : nullptr);
    if (exec) {
      write_exec(process, *exec, event.enrichment);
    } else if (event.enrichment.image) {
      write_image(process, *event.enrichment.image);
    }
  }
  write_parent(top, event);
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ExitEvent>) write_exit(top, e);
        if constexpr (std::is_same_v<T, CredEvent>) write_cred(top, e);
        if constexpr (std::is_same_v<T, NetEvent>) json::write_network(top, e, event.enrichment);
        if constexpr (std::is_same_v<T, DnsEvent>) json::write_dns(top, e);
        if constexpr (std::is_same_v<T, FileEvent>) json::write_file(top, e);
        if constexpr (std::is_same_v<T, TamperEvent>) json::write_tamper(top, e, event.enrichment);
      },
      event.body);
  write_verdict(top, event.verdict);
}

}  // namespace yagura
