#include "sensor/judge/event_fields.h"

#include <sys/stat.h>

#include <string_view>
#include <type_traits>
#include <variant>

#include "sensor/decode/dns_message.h"
#include "sensor/output/command_line.h"
#include "sensor/output/json_object.h"
#include "sensor/output/json_values.h"
#include "sensor/output/kernel_names.h"

namespace yagura {
namespace {

using policy::FieldId;

// The catalog's fields as this file knows them. Ids are the catalog's
// business (policy/fields.cpp); F is resolved from the name once, so a
// reordered catalog cannot make a field read another's values.
enum class F : uint8_t {
  kUnknown,
  // Every type.
  kType,
  kHostHostname,
  kHostTags,
  kProcessKey,
  kProcessPid,
  kProcessTid,
  kProcessComm,
  kProcessUid,
  kProcessEuid,
  kProcessGid,
  kProcessEgid,
  kProcessUser,
  kProcessEuser,
  kProcessGroup,
  kProcessLoginuid,
  kProcessLoginUser,
  kProcessSessionid,
  kProcessTty,
  kProcessCgroupId,
  kProcessOwnerOnly,
  kProcessExe,
  kProcessArgs,
  kProcessCommandLine,
  kProcessCwd,
  kParentKey,
  kParentPid,
  kParentExe,
  kParentArgs,
  kParentCommandLine,
  kAncestorsExe,
  kAncestorsCommandLine,
  kLineageExe,
  kLineageCommandLine,
  // The type-specific fields, read from the event's body.
  kFirstOfBody,
  kSnapshot = kFirstOfBody,
  kProcessCgroupPath,
  kProcessArgc,
  kProcessFilename,
  kProcessScriptPath,
  kProcessScriptInterpreter,
  kProcessEnvLdPreload,
  kProcessEnvLdLibraryPath,
  kExeFileSha256,
  kExeFileMode,
  kExeFileUid,
  kExeFileSetuid,
  kExeFileSetgid,
  kExeFileDeleted,
  kExeFileMemfd,
  kExeFileTmpfs,
  kProcessStdinType,
  kProcessStdinIno,
  kProcessStdoutType,
  kProcessStdoutIno,
  kProcessStderrType,
  kProcessStderrIno,
  kExitCode,
  kExitSignal,
  kExitSignalName,
  kExitCoreDumped,
  kCredSyscall,
  kCredOldUid,
  kCredOldEuid,
  kCredNewUid,
  kCredNewEuid,
  kNetAction,
  kNetTransport,
  kNetFamily,
  kNetInitiated,
  kNetSourceIp,
  kNetSourcePort,
  kNetDestinationIp,
  kNetDestinationPort,
  kNetDestinationDomain,
  kNetLoopback,
  kNetResult,
  kNetError,
  kNetDurationNs,
  kNetBytesSent,
  kNetBytesReceived,
  kNetUnixPath,
  kNetUnixAbstract,
  kDnsDirection,
  kDnsQuestionName,
  kDnsQuestionType,
  kDnsRcode,
  kDnsAnswersData,
  kDnsSourceIp,
  kDnsDestinationIp,
  kDnsDestinationPort,
  kDnsMalformed,
  kFileAction,
  kFilePath,
  kFileSourcePath,
  kFileLinkTarget,
  kFileAccess,
  kFileOpenFlags,
  kFileMode,
  kFileSetuid,
  kFileSetgid,
  kFileUid,
  kFileGid,
  kFileWatchedRead,
  kFileInodeUid,
  kFileInodeMode,
  kFileExplicitTimes,
  kFileMtime,
  kTamperAction,
  kTamperResult,
  kTamperSuccess,
  kTamperRequest,
  kTamperTargetPid,
  kTamperTargetExe,
  kTamperTargetUid,
  kTamperTargetUser,
  kTamperPath,
  kTamperName,
  kTamperParams,
  kTamperSyscall,
  kTamperProgType,
  kTamperSource,
  kTamperMountPoint,
  kTamperFsType,
  kTamperFlags,
  kTamperSignal,
  kTamperSignalNumber,
};

constexpr std::pair<std::string_view, F> kNames[] = {
    {"type", F::kType},
    {"snapshot", F::kSnapshot},
    {"host.hostname", F::kHostHostname},
    {"host.tags", F::kHostTags},
    {"process.key", F::kProcessKey},
    {"process.pid", F::kProcessPid},
    {"process.tid", F::kProcessTid},
    {"process.comm", F::kProcessComm},
    {"process.uid", F::kProcessUid},
    {"process.euid", F::kProcessEuid},
    {"process.gid", F::kProcessGid},
    {"process.egid", F::kProcessEgid},
    {"process.user", F::kProcessUser},
    {"process.euser", F::kProcessEuser},
    {"process.group", F::kProcessGroup},
    {"process.loginuid", F::kProcessLoginuid},
    {"process.login_user", F::kProcessLoginUser},
    {"process.sessionid", F::kProcessSessionid},
    {"process.tty", F::kProcessTty},
    {"process.cgroup.id", F::kProcessCgroupId},
    {"process.cgroup.path", F::kProcessCgroupPath},
    {"process.owner_only", F::kProcessOwnerOnly},
    {"process.exe", F::kProcessExe},
    {"process.args", F::kProcessArgs},
    {"process.command_line", F::kProcessCommandLine},
    {"process.cwd", F::kProcessCwd},
    {"process.argc", F::kProcessArgc},
    {"process.filename", F::kProcessFilename},
    {"process.script.path", F::kProcessScriptPath},
    {"process.script.interpreter", F::kProcessScriptInterpreter},
    {"process.env.LD_PRELOAD", F::kProcessEnvLdPreload},
    {"process.env.LD_LIBRARY_PATH", F::kProcessEnvLdLibraryPath},
    {"process.exe_file.sha256", F::kExeFileSha256},
    {"process.exe_file.mode", F::kExeFileMode},
    {"process.exe_file.uid", F::kExeFileUid},
    {"process.exe_file.setuid", F::kExeFileSetuid},
    {"process.exe_file.setgid", F::kExeFileSetgid},
    {"process.exe_file.deleted", F::kExeFileDeleted},
    {"process.exe_file.memfd", F::kExeFileMemfd},
    {"process.exe_file.tmpfs", F::kExeFileTmpfs},
    {"process.stdio.stdin.type", F::kProcessStdinType},
    {"process.stdio.stdin.ino", F::kProcessStdinIno},
    {"process.stdio.stdout.type", F::kProcessStdoutType},
    {"process.stdio.stdout.ino", F::kProcessStdoutIno},
    {"process.stdio.stderr.type", F::kProcessStderrType},
    {"process.stdio.stderr.ino", F::kProcessStderrIno},
    {"parent.key", F::kParentKey},
    {"parent.pid", F::kParentPid},
    {"parent.exe", F::kParentExe},
    {"parent.args", F::kParentArgs},
    {"parent.command_line", F::kParentCommandLine},
    {"ancestors.exe", F::kAncestorsExe},
    {"ancestors.command_line", F::kAncestorsCommandLine},
    {"lineage.exe", F::kLineageExe},
    {"lineage.command_line", F::kLineageCommandLine},
    {"exit.code", F::kExitCode},
    {"exit.signal", F::kExitSignal},
    {"exit.signal_name", F::kExitSignalName},
    {"exit.core_dumped", F::kExitCoreDumped},
    {"cred.syscall", F::kCredSyscall},
    {"cred.old.uid", F::kCredOldUid},
    {"cred.old.euid", F::kCredOldEuid},
    {"cred.new.uid", F::kCredNewUid},
    {"cred.new.euid", F::kCredNewEuid},
    {"network.action", F::kNetAction},
    {"network.transport", F::kNetTransport},
    {"network.family", F::kNetFamily},
    {"network.initiated", F::kNetInitiated},
    {"network.source.ip", F::kNetSourceIp},
    {"network.source.port", F::kNetSourcePort},
    {"network.destination.ip", F::kNetDestinationIp},
    {"network.destination.port", F::kNetDestinationPort},
    {"network.destination.domain", F::kNetDestinationDomain},
    {"network.loopback", F::kNetLoopback},
    {"network.result", F::kNetResult},
    {"network.error", F::kNetError},
    {"network.duration_ns", F::kNetDurationNs},
    {"network.bytes_sent", F::kNetBytesSent},
    {"network.bytes_received", F::kNetBytesReceived},
    {"network.unix.path", F::kNetUnixPath},
    {"network.unix.abstract", F::kNetUnixAbstract},
    {"dns.direction", F::kDnsDirection},
    {"dns.question.name", F::kDnsQuestionName},
    {"dns.question.type", F::kDnsQuestionType},
    {"dns.rcode", F::kDnsRcode},
    {"dns.answers.data", F::kDnsAnswersData},
    {"dns.source.ip", F::kDnsSourceIp},
    {"dns.destination.ip", F::kDnsDestinationIp},
    {"dns.destination.port", F::kDnsDestinationPort},
    {"dns.malformed", F::kDnsMalformed},
    {"file.action", F::kFileAction},
    {"file.path", F::kFilePath},
    {"file.source_path", F::kFileSourcePath},
    {"file.link_target", F::kFileLinkTarget},
    {"file.access", F::kFileAccess},
    {"file.open_flags", F::kFileOpenFlags},
    {"file.mode", F::kFileMode},
    {"file.setuid", F::kFileSetuid},
    {"file.setgid", F::kFileSetgid},
    {"file.uid", F::kFileUid},
    {"file.gid", F::kFileGid},
    {"file.watched_read", F::kFileWatchedRead},
    {"file.inode.uid", F::kFileInodeUid},
    {"file.inode.mode", F::kFileInodeMode},
    {"file.explicit_times", F::kFileExplicitTimes},
    {"file.mtime", F::kFileMtime},
    {"tamper.action", F::kTamperAction},
    {"tamper.result", F::kTamperResult},
    {"tamper.success", F::kTamperSuccess},
    {"tamper.request", F::kTamperRequest},
    {"tamper.target.pid", F::kTamperTargetPid},
    {"tamper.target.exe", F::kTamperTargetExe},
    {"tamper.target.uid", F::kTamperTargetUid},
    {"tamper.target.user", F::kTamperTargetUser},
    {"tamper.path", F::kTamperPath},
    {"tamper.name", F::kTamperName},
    {"tamper.params", F::kTamperParams},
    {"tamper.syscall", F::kTamperSyscall},
    {"tamper.prog_type", F::kTamperProgType},
    {"tamper.source", F::kTamperSource},
    {"tamper.mount_point", F::kTamperMountPoint},
    {"tamper.fs_type", F::kTamperFsType},
    {"tamper.flags", F::kTamperFlags},
    {"tamper.signal", F::kTamperSignal},
    {"tamper.signal_number", F::kTamperSignalNumber},
};

// The catalog id -> F table, built on first use.
F field_of(FieldId id) {
  static const std::vector<F> by_id = [] {
    std::vector<F> table;
    for (const policy::FieldSpec& spec : policy::all_fields()) {
      F f = F::kUnknown;
      for (const auto& [name, which] : kNames) {
        if (name == spec.name) f = which;
      }
      table.push_back(f);
    }
    return table;
  }();
  return id < by_id.size() ? by_id[id] : F::kUnknown;
}

// The values, each as the JSON prints it.
class Out {
 public:
  explicit Out(std::vector<std::string>& out) : out_(out) {}

  void str(std::string_view v) { out_.emplace_back(v); }
  void strs(const std::vector<std::string>& vs) { out_.insert(out_.end(), vs.begin(), vs.end()); }
  void num(uint64_t v) { json::append_uint(out_.emplace_back(), v); }
  void signed_num(int64_t v) { json::append_int(out_.emplace_back(), v); }
  void boolean(bool v) { out_.emplace_back(v ? "true" : "false"); }
  // ObjectWriter::name_or_number: the name, or the number this build cannot name.
  void name_or_number(const char* name, uint64_t v) {
    if (name) {
      str(name);
    } else {
      num(v);
    }
  }
  void key(const ProcessKey& k) { json::append_process_key(out_.emplace_back(), k); }
  void mode(uint32_t m) { json::append_mode(out_.emplace_back(), m); }
  void time(uint64_t epoch_ns) { append_rfc3339(out_.emplace_back(), epoch_ns); }
  void command_line(const std::vector<std::string>& argv) {
    append_command_line(out_.emplace_back(), argv);
  }
  void ip(const SocketEndpoint& ep) { str(ep.ip.to_string()); }

 private:
  std::vector<std::string>& out_;
};

// Fields of the process, parent and lineage: every type has them.
void process_values(F f, const Event& event, const HostIdentity& host, const std::string& key,
                    Out out) {
  const TaskInfo& t = event.task();
  const Enrichment& en = event.enrichment;
  const auto* exec = std::get_if<ExecEvent>(&event.body);
  const ProcessImage* image = exec ? nullptr : (en.image ? &*en.image : nullptr);
  const bool ids = json::task_ids_known(event);
  const auto& lineage = en.lineage;
  switch (f) {
    case F::kType:
      return out.str(event_type_name(event.body));
    case F::kHostHostname:
      return out.str(host.hostname);
    case F::kHostTags:
      if (auto it = host.tags.find(key); it != host.tags.end()) out.str(it->second);
      return;
    case F::kProcessKey:
      return out.key(t.key);
    case F::kProcessPid:
      return out.num(t.key.tgid);
    case F::kProcessTid:
      return out.num(t.tid);
    case F::kProcessComm:
      return out.str(t.comm);
    case F::kProcessUid:
      if (ids) out.num(t.creds.uid);
      return;
    case F::kProcessEuid:
      if (ids) out.num(t.creds.euid);
      return;
    case F::kProcessGid:
      if (ids) out.num(t.creds.gid);
      return;
    case F::kProcessEgid:
      if (ids) out.num(t.creds.egid);
      return;
    case F::kProcessUser:
      if (ids && !en.user_name.empty()) out.str(en.user_name);
      return;
    case F::kProcessEuser:
      if (ids && !en.euser_name.empty()) out.str(en.euser_name);
      return;
    case F::kProcessGroup:
      if (ids && !en.group_name.empty()) out.str(en.group_name);
      return;
    case F::kProcessLoginuid:
      if (ids && t.loginuid != kUnsetId) out.num(t.loginuid);
      return;
    case F::kProcessLoginUser:
      if (ids && !en.login_user_name.empty()) out.str(en.login_user_name);
      return;
    case F::kProcessSessionid:
      if (ids && t.sessionid != kUnsetId) out.num(t.sessionid);
      return;
    case F::kProcessTty:
      if (ids && !t.tty.empty()) out.str(t.tty);
      return;
    case F::kProcessCgroupId:
      if (ids) out.num(t.cgroup_id);
      return;
    case F::kProcessOwnerOnly:
      if (std::holds_alternative<NetEvent>(event.body) ||
          std::holds_alternative<DnsEvent>(event.body))
        out.boolean(event.owner_only);
      return;
    case F::kProcessExe:
      if (exec && !exec->no_exe) out.str(exec->exe_path.value);
      if (image) out.str(image->exe_path);
      return;
    case F::kProcessArgs:
      if (exec) out.strs(exec->argv);
      if (image) out.strs(image->argv);
      return;
    case F::kProcessCommandLine:
      if (exec) out.command_line(exec->argv);
      if (image) out.command_line(image->argv);
      return;
    case F::kProcessCwd:
      if (exec) out.str(exec->cwd.value);
      if (image && !image->cwd.empty()) out.str(image->cwd);
      return;
    case F::kParentKey:
      if (const ProcessKey p = json::parent_key(event); p.valid()) out.key(p);
      return;
    case F::kParentPid:
      if (const ProcessKey p = json::parent_key(event); p.valid()) out.num(p.tgid);
      return;
    case F::kParentExe:
      if (!lineage.empty()) out.str(lineage.front().exe_path);
      return;
    case F::kParentArgs:
      if (!lineage.empty()) out.strs(lineage.front().argv);
      return;
    case F::kParentCommandLine:
      if (!lineage.empty()) out.command_line(lineage.front().argv);
      return;
    case F::kAncestorsExe:
    case F::kLineageExe:
      for (size_t i = f == F::kLineageExe ? 0 : 1; i < lineage.size(); ++i)
        out.str(lineage[i].exe_path);
      return;
    case F::kAncestorsCommandLine:
    case F::kLineageCommandLine:
      for (size_t i = f == F::kLineageCommandLine ? 0 : 1; i < lineage.size(); ++i)
        out.command_line(lineage[i].argv);
      return;
    default:
      return;
  }
}

// The descriptor a process.stdio field names: 0 stdin, 1 stdout, 2 stderr.
size_t stdio_index(F f) {
  switch (f) {
    case F::kProcessStdoutType:
    case F::kProcessStdoutIno:
      return 1;
    case F::kProcessStderrType:
    case F::kProcessStderrIno:
      return 2;
    default:
      return 0;
  }
}

void body_values(F f, const Event& event, const ExecEvent& e, Out out) {
  const bool file = !e.no_exe;  // a kernel thread runs no file: no exe_file
  switch (f) {
    case F::kSnapshot:
      return out.boolean(event.snapshot);
    case F::kProcessCgroupPath:
      if (json::task_ids_known(event)) out.str(e.cgroup_path.value);
      return;
    case F::kProcessArgc:
      return out.num(e.argc);
    case F::kProcessFilename:
      return out.str(e.filename.value);
    case F::kProcessScriptPath:
      if (e.is_script) out.str(e.script_path());
      return;
    case F::kProcessScriptInterpreter:
      if (e.is_script) out.str(e.interpreter.value);
      return;
    case F::kProcessEnvLdPreload:
      if (e.ld_preload) out.str(e.ld_preload->value);
      return;
    case F::kProcessEnvLdLibraryPath:
      if (e.ld_library_path) out.str(e.ld_library_path->value);
      return;
    case F::kExeFileSha256:
      if (file && event.enrichment.exe_sha256) out.str(*event.enrichment.exe_sha256);
      return;
    case F::kExeFileMode:
      if (file) out.mode(e.exe.mode);
      return;
    case F::kExeFileUid:
      if (file) out.num(e.exe.uid);
      return;
    case F::kExeFileSetuid:
      if (file) out.boolean((e.exe.mode & S_ISUID) != 0);
      return;
    case F::kExeFileSetgid:
      if (file) out.boolean((e.exe.mode & S_ISGID) != 0);
      return;
    case F::kExeFileDeleted:
      if (file) out.boolean(e.exe.deleted);
      return;
    case F::kExeFileMemfd:
      if (file) out.boolean(e.exe.memfd);
      return;
    case F::kExeFileTmpfs:
      if (file) out.boolean(e.exe.tmpfs);
      return;
    case F::kProcessStdinType:
    case F::kProcessStdoutType:
    case F::kProcessStderrType:
      if (e.stdio) out.str(json::stdio_type((*e.stdio)[stdio_index(f)]));
      return;
    case F::kProcessStdinIno:
    case F::kProcessStdoutIno:
    case F::kProcessStderrIno:
      if (e.stdio) out.num((*e.stdio)[stdio_index(f)].ino);
      return;
    default:
      return;
  }
}

void body_values(F, const Event&, const ForkEvent&, Out) {}

void body_values(F f, const Event&, const ExitEvent& e, Out out) {
  switch (f) {
    case F::kExitCode:
      return out.num(static_cast<uint64_t>(e.exit_code()));
    case F::kExitSignal:
      return out.num(static_cast<uint64_t>(e.signal()));
    case F::kExitSignalName:
      if (const char* name = signal_name(e.signal())) out.str(name);
      return;
    case F::kExitCoreDumped:
      return out.boolean(e.core_dumped());
    default:
      return;
  }
}

void body_values(F f, const Event&, const CredEvent& e, Out out) {
  switch (f) {
    case F::kCredSyscall:
      return out.str(json::cred_syscall_name(e.syscall));
    case F::kCredOldUid:
      return out.num(e.old.uid);
    case F::kCredOldEuid:
      return out.num(e.old.euid);
    case F::kCredNewUid:
      return out.num(e.task.creds.uid);
    case F::kCredNewEuid:
      return out.num(e.task.creds.euid);
    default:
      return;
  }
}

void body_values(F f, const Event& event, const NetEvent& e, Out out) {
  const bool unix_socket = e.family == NetFamily::kUnix;
  switch (f) {
    case F::kNetAction:
      return out.name_or_number(json::net_action_name(e.action), static_cast<uint32_t>(e.action));
    case F::kNetTransport:
      return out.name_or_number(json::transport_name(e), static_cast<uint16_t>(e.transport));
    case F::kNetFamily:
      if (const char* name = json::family_name(e.family)) out.str(name);
      return;
    case F::kNetInitiated:
      return out.boolean(e.initiated());
    case F::kNetUnixPath:
      if (unix_socket) out.str(e.unix_path);
      return;
    case F::kNetUnixAbstract:
      if (unix_socket) out.boolean(e.unix_abstract);
      return;
    case F::kNetLoopback:
      if (!unix_socket) out.boolean(e.loopback);
      return;
    case F::kNetResult:
      if (e.action == NetAction::kConnect) out.str(json::connect_result(e.error));
      return;
    case F::kNetError:
      if (e.action == NetAction::kConnect && e.error != 0) out.str(json::connect_error(e.error));
      return;
    case F::kNetDurationNs:
      if (e.action == NetAction::kClose) out.num(e.duration_ns);
      return;
    case F::kNetBytesSent:
      if (e.action == NetAction::kClose) out.num(e.bytes_sent);
      return;
    case F::kNetBytesReceived:
      if (e.action == NetAction::kClose) out.num(e.bytes_received);
      return;
    default:
      break;
  }
  if (unix_socket) return;
  const json::NetEnds ends = json::net_ends(e);
  switch (f) {
    case F::kNetSourceIp:
      if (ends.source) out.ip(*ends.source);
      return;
    case F::kNetSourcePort:
      if (ends.source) out.num(ends.source->port);
      return;
    case F::kNetDestinationIp:
      if (ends.destination) out.ip(*ends.destination);
      return;
    case F::kNetDestinationPort:
      if (ends.destination) out.num(ends.destination->port);
      return;
    case F::kNetDestinationDomain:
      if (ends.destination && ends.destination_domains)
        out.strs(event.enrichment.destination_domains);
      return;
    default:
      return;
  }
}

void body_values(F f, const Event&, const DnsEvent& e, Out out) {
  const bool parsed = !e.malformed;
  const bool answer = parsed && e.direction == DnsDirection::kAnswer;
  const DnsEvent::Question* question =
      parsed && !e.questions.empty() ? &e.questions.front() : nullptr;
  switch (f) {
    case F::kDnsDirection:
      return out.name_or_number(json::dns_direction_name(e.direction),
                                static_cast<uint32_t>(e.direction));
    case F::kDnsQuestionName:
      if (question) out.str(question->name);
      return;
    case F::kDnsQuestionType:
      if (question) out.str(dns_type_name(question->type));
      return;
    case F::kDnsRcode:
      if (answer) out.str(dns_rcode_name(e.rcode));
      return;
    case F::kDnsAnswersData:
      if (answer) {
        for (const auto& a : e.answers) out.str(a.data);
      }
      return;
    case F::kDnsSourceIp:
      return out.ip(e.local);
    case F::kDnsDestinationIp:
      return out.ip(e.remote);
    case F::kDnsDestinationPort:
      return out.num(e.remote.port);
    case F::kDnsMalformed:
      return out.boolean(e.malformed);
    default:
      return;
  }
}

void body_values(F f, const Event&, const FileEvent& e, Out out) {
  const bool open = e.op == FileOp::kOpen;
  switch (f) {
    case F::kFileAction:
      return out.name_or_number(json::file_action_name(e.op), static_cast<uint32_t>(e.op));
    case F::kFilePath:
      return out.str(e.path.value);
    case F::kFileSourcePath:
      if (e.op == FileOp::kRename || e.op == FileOp::kLink) out.str(e.source_path.value);
      return;
    case F::kFileLinkTarget:
      if (e.op == FileOp::kSymlink) out.str(e.source_path.value);
      return;
    case F::kFileAccess:
      if (open) out.strs(json::open_access(e));
      return;
    case F::kFileOpenFlags:
      if (open) out.str(open_flags_string(e.flags));
      return;
    case F::kFileMode:
      if ((open && json::open_creates(e.flags)) || e.op == FileOp::kChmod || e.op == FileOp::kMkdir)
        out.mode(e.mode);
      return;
    case F::kFileSetuid:
      if (e.op == FileOp::kChmod) out.boolean((e.mode & S_ISUID) != 0);
      return;
    case F::kFileSetgid:
      if (e.op == FileOp::kChmod) out.boolean((e.mode & S_ISGID) != 0);
      return;
    case F::kFileUid:
      if (e.op == FileOp::kChown && e.uid != kUnsetId) out.num(e.uid);
      return;
    case F::kFileGid:
      if (e.op == FileOp::kChown && e.gid != kUnsetId) out.num(e.gid);
      return;
    case F::kFileWatchedRead:
      if (open) out.boolean(e.watched_read);
      return;
    case F::kFileInodeUid:
      if (e.file) out.num(e.file->uid);
      return;
    case F::kFileInodeMode:
      if (e.file) out.mode(e.file->mode);
      return;
    case F::kFileExplicitTimes:
      if (e.op == FileOp::kUtimes) out.boolean(e.explicit_times);
      return;
    case F::kFileMtime:
      if (e.op == FileOp::kUtimes && e.mtime_ns) out.time(*e.mtime_ns);
      return;
    default:
      return;
  }
}

void body_values(F f, const Event& event, const TamperEvent& e, Out out) {
  const auto& s = e.strings;
  const TargetProcess* target = event.enrichment.target ? &*event.enrichment.target : nullptr;
  const bool kill = e.op == TamperOp::kKill;
  switch (f) {
    case F::kTamperAction:
      return out.name_or_number(json::tamper_action_name(e.op), static_cast<uint32_t>(e.op));
    case F::kTamperResult:
      return out.signed_num(e.result);
    case F::kTamperSuccess:
      return out.boolean(e.success());
    case F::kTamperRequest:
      if (e.op == TamperOp::kPtrace) out.name_or_number(ptrace_request_name(e.args[0]), e.args[0]);
      return;
    case F::kTamperTargetPid:
      if (json::tamper_has_target(e.op)) out.num(e.target_pid());
      return;
    case F::kTamperTargetExe:
      if (json::tamper_has_target(e.op) && target && !target->exe_path.empty())
        out.str(target->exe_path);
      return;
    case F::kTamperTargetUid:
      if (kill) out.num(e.kill_target_uid);
      return;
    case F::kTamperTargetUser:
      if (kill && target && !target->user_name.empty()) out.str(target->user_name);
      return;
    case F::kTamperPath:
      if (e.op == TamperOp::kProcMem ||
          (e.op == TamperOp::kModuleLoad && json::module_load_from_file(e)))
        out.str(s[0].value);
      return;
    case F::kTamperName:
      if (e.op == TamperOp::kModuleLoad && !s[2].value.empty()) out.str(s[2].value);
      if (e.op == TamperOp::kBpfLoad || e.op == TamperOp::kPrctlName) out.str(s[0].value);
      return;
    case F::kTamperParams:
      if (e.op == TamperOp::kModuleLoad) out.str(s[1].value);
      return;
    case F::kTamperSyscall:
      if (e.op == TamperOp::kModuleLoad) out.str(json::module_load_syscall(e));
      return;
    case F::kTamperProgType:
      if (e.op == TamperOp::kBpfLoad) out.name_or_number(bpf_prog_type_name(e.args[0]), e.args[0]);
      return;
    case F::kTamperSource:
      if (e.op == TamperOp::kMount) out.str(s[0].value);
      return;
    case F::kTamperMountPoint:
      if (e.op == TamperOp::kMount) out.str(s[1].value);
      if (e.op == TamperOp::kUmount) out.str(s[0].value);
      return;
    case F::kTamperFsType:
      if (e.op == TamperOp::kMount) out.str(s[2].value);
      return;
    case F::kTamperFlags:
      if (auto flags = json::tamper_flags(e)) out.strs(*flags);
      return;
    case F::kTamperSignal:
      if (kill) {
        if (const char* name = signal_name(static_cast<int>(e.args[0]))) out.str(name);
      }
      return;
    case F::kTamperSignalNumber:
      if (kill) out.num(static_cast<uint64_t>(static_cast<int>(e.args[0])));
      return;
    default:
      return;
  }
}

// The type bits in the order of EventBody's alternatives.
constexpr uint32_t kTypeBits[] = {
    policy::kExecBit,    policy::kForkBit, policy::kExitBit, policy::kCredBit,
    policy::kNetworkBit, policy::kDnsBit,  policy::kFileBit, policy::kTamperBit,
};
static_assert(std::variant_size_v<EventBody> == std::size(kTypeBits));
static_assert(std::is_same_v<std::variant_alternative_t<0, EventBody>, ExecEvent> &&
              std::is_same_v<std::variant_alternative_t<1, EventBody>, ForkEvent> &&
              std::is_same_v<std::variant_alternative_t<2, EventBody>, ExitEvent> &&
              std::is_same_v<std::variant_alternative_t<3, EventBody>, CredEvent> &&
              std::is_same_v<std::variant_alternative_t<4, EventBody>, NetEvent> &&
              std::is_same_v<std::variant_alternative_t<5, EventBody>, DnsEvent> &&
              std::is_same_v<std::variant_alternative_t<6, EventBody>, FileEvent> &&
              std::is_same_v<std::variant_alternative_t<7, EventBody>, TamperEvent>);

}  // namespace

uint32_t EventFields::type_bit() const { return kTypeBits[event_.body.index()]; }

void EventFields::values(const policy::FieldRef& field, std::vector<std::string>& out) const {
  const F f = field_of(field.id);
  if (f == F::kUnknown) return;
  if (f < F::kFirstOfBody) return process_values(f, event_, host_, field.key, Out(out));
  std::visit([&](const auto& body) { body_values(f, event_, body, Out(out)); }, event_.body);
}

}  // namespace yagura
