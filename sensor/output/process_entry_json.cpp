#include "sensor/output/process_entry_json.h"

#include "sensor/output/json_object.h"

namespace yagura {

void append_process_entry(std::string& out, const ProcessEntry& entry, const WallClock& clock) {
  json::ObjectWriter obj(out);
  obj.process_key("key", entry.key);
  obj.number("pid", entry.key.tgid);
  if (entry.parent.valid()) {
    json::ObjectWriter parent(obj.key("parent"));
    parent.process_key("key", entry.parent);
    parent.number("pid", entry.parent.tgid);
  }
  obj.time("start_time", clock.to_wall_ns(entry.key.start_ns));
  obj.string("comm", entry.task.comm);
  obj.string_unless_empty("exe", entry.exe_path);
  obj.strings("args", entry.argv);
  obj.command_line("command_line", entry.argv);
  obj.string_unless_empty("cwd", entry.cwd);
  obj.number("uid", entry.task.creds.uid);
  obj.number("euid", entry.task.creds.euid);
  obj.number("gid", entry.task.creds.gid);
  obj.number("egid", entry.task.creds.egid);
  obj.boolean("exited", entry.exited);
  if (entry.exited) obj.time("exit_time", clock.to_wall_ns(entry.exit_ktime_ns));
}

}  // namespace yagura
