#include "policy/fields.h"

#include <array>

namespace yagura::policy {
namespace {

constexpr uint32_t kAll = kAllTypes;
constexpr uint32_t kExec = kExecBit;
constexpr uint32_t kNet = kNetworkBit;
constexpr uint32_t kDns = kDnsBit;
constexpr uint32_t kFile = kFileBit;
constexpr uint32_t kTamper = kTamperBit;
// Owner-only events the table could not complete lack these, but every type
// can carry them.
constexpr uint32_t kIds = kAll;

using T = FieldType;

struct Row {
  std::string_view name;
  FieldType type;
  bool list;
  bool keyed;
  uint32_t types;
  std::string_view sigma;
};

// The JSON paths of docs/events.md. Order is the id; append only, so that
// ids stay stable within a build's tests.
constexpr Row kRows[] = {
    {"type", T::kString, false, false, kAll, ""},
    {"snapshot", T::kBool, false, false, kExec, ""},
    {"host.hostname", T::kString, false, false, kAll, ""},
    {"host.tags", T::kString, false, true, kAll, ""},

    {"process.key", T::kString, false, false, kAll, ""},
    {"process.pid", T::kNumber, false, false, kAll, "ProcessId"},
    {"process.tid", T::kNumber, false, false, kAll, ""},
    {"process.comm", T::kString, false, false, kAll, ""},
    {"process.uid", T::kNumber, false, false, kIds, ""},
    {"process.euid", T::kNumber, false, false, kIds, ""},
    {"process.gid", T::kNumber, false, false, kIds, ""},
    {"process.egid", T::kNumber, false, false, kIds, ""},
    {"process.user", T::kString, false, false, kIds, "User"},
    {"process.euser", T::kString, false, false, kIds, ""},
    {"process.group", T::kString, false, false, kIds, ""},
    {"process.loginuid", T::kNumber, false, false, kIds, "LogonId"},
    {"process.login_user", T::kString, false, false, kIds, ""},
    {"process.sessionid", T::kNumber, false, false, kIds, ""},
    {"process.tty", T::kString, false, false, kIds, ""},
    {"process.cgroup.id", T::kNumber, false, false, kIds, ""},
    {"process.cgroup.path", T::kString, false, false, kExec, ""},
    {"process.owner_only", T::kBool, false, false, kNet | kDns, ""},

    {"process.exe", T::kString, false, false, kAll, "Image"},
    {"process.args", T::kString, true, false, kAll, ""},
    {"process.command_line", T::kString, false, false, kAll, "CommandLine"},
    {"process.cwd", T::kString, false, false, kAll, "CurrentDirectory"},
    {"process.argc", T::kNumber, false, false, kExec, ""},
    {"process.filename", T::kString, false, false, kExec, ""},
    {"process.script.path", T::kString, false, false, kExec, ""},
    {"process.script.interpreter", T::kString, false, false, kExec, ""},
    {"process.env.LD_PRELOAD", T::kString, false, false, kExec, ""},
    {"process.env.LD_LIBRARY_PATH", T::kString, false, false, kExec, ""},
    {"process.exe_file.sha256", T::kString, false, false, kExec, ""},
    {"process.exe_file.mode", T::kString, false, false, kExec, ""},
    {"process.exe_file.uid", T::kNumber, false, false, kExec, ""},
    {"process.exe_file.setuid", T::kBool, false, false, kExec, ""},
    {"process.exe_file.setgid", T::kBool, false, false, kExec, ""},
    {"process.exe_file.deleted", T::kBool, false, false, kExec, ""},
    {"process.exe_file.memfd", T::kBool, false, false, kExec, ""},
    {"process.exe_file.tmpfs", T::kBool, false, false, kExec, ""},

    {"parent.key", T::kString, false, false, kAll, ""},
    {"parent.pid", T::kNumber, false, false, kAll, "ParentProcessId"},
    {"parent.exe", T::kString, false, false, kAll, "ParentImage"},
    {"parent.args", T::kString, true, false, kAll, ""},
    {"parent.command_line", T::kString, false, false, kAll, "ParentCommandLine"},
    {"ancestors.exe", T::kString, true, false, kAll, ""},
    {"ancestors.command_line", T::kString, true, false, kAll, ""},
    // The parent and every ancestor: "some process above this one".
    {"lineage.exe", T::kString, true, false, kAll, ""},
    {"lineage.command_line", T::kString, true, false, kAll, ""},

    {"exit.code", T::kNumber, false, false, kExitBit, ""},
    {"exit.signal", T::kNumber, false, false, kExitBit, ""},
    {"exit.signal_name", T::kString, false, false, kExitBit, ""},
    {"exit.core_dumped", T::kBool, false, false, kExitBit, ""},

    {"cred.syscall", T::kString, false, false, kCredBit, ""},
    {"cred.old.uid", T::kNumber, false, false, kCredBit, ""},
    {"cred.old.euid", T::kNumber, false, false, kCredBit, ""},
    {"cred.new.uid", T::kNumber, false, false, kCredBit, ""},
    {"cred.new.euid", T::kNumber, false, false, kCredBit, ""},

    {"network.action", T::kString, false, false, kNet, ""},
    {"network.transport", T::kString, false, false, kNet, "Protocol"},
    {"network.family", T::kString, false, false, kNet, ""},
    {"network.initiated", T::kBool, false, false, kNet, "Initiated"},
    {"network.source.ip", T::kIp, false, false, kNet, "SourceIp"},
    {"network.source.port", T::kNumber, false, false, kNet, "SourcePort"},
    {"network.destination.ip", T::kIp, false, false, kNet, "DestinationIp"},
    {"network.destination.port", T::kNumber, false, false, kNet, "DestinationPort"},
    {"network.destination.domain", T::kString, true, false, kNet, "DestinationHostname"},
    {"network.loopback", T::kBool, false, false, kNet, ""},
    {"network.result", T::kString, false, false, kNet, ""},
    {"network.error", T::kString, false, false, kNet, ""},
    {"network.duration_ns", T::kNumber, false, false, kNet, ""},
    {"network.bytes_sent", T::kNumber, false, false, kNet, ""},
    {"network.bytes_received", T::kNumber, false, false, kNet, ""},
    {"network.unix.path", T::kString, false, false, kNet, ""},
    {"network.unix.abstract", T::kBool, false, false, kNet, ""},

    {"dns.direction", T::kString, false, false, kDns, ""},
    {"dns.question.name", T::kString, false, false, kDns, "QueryName"},
    {"dns.question.type", T::kString, false, false, kDns, ""},
    {"dns.rcode", T::kString, false, false, kDns, ""},
    {"dns.answers.data", T::kString, true, false, kDns, ""},
    {"dns.source.ip", T::kIp, false, false, kDns, ""},
    {"dns.destination.ip", T::kIp, false, false, kDns, ""},
    {"dns.destination.port", T::kNumber, false, false, kDns, ""},
    {"dns.malformed", T::kBool, false, false, kDns, ""},

    {"file.action", T::kString, false, false, kFile, ""},
    {"file.path", T::kString, false, false, kFile, "TargetFilename"},
    {"file.source_path", T::kString, false, false, kFile, "SourceFilename"},
    {"file.link_target", T::kString, false, false, kFile, ""},
    {"file.access", T::kString, true, false, kFile, ""},
    {"file.open_flags", T::kString, false, false, kFile, ""},
    {"file.mode", T::kString, false, false, kFile, ""},
    {"file.setuid", T::kBool, false, false, kFile, ""},
    {"file.setgid", T::kBool, false, false, kFile, ""},
    {"file.uid", T::kNumber, false, false, kFile, ""},
    {"file.gid", T::kNumber, false, false, kFile, ""},
    {"file.watched_read", T::kBool, false, false, kFile, ""},
    {"file.inode.uid", T::kNumber, false, false, kFile, ""},
    {"file.inode.mode", T::kString, false, false, kFile, ""},

    {"tamper.action", T::kString, false, false, kTamper, ""},
    {"tamper.result", T::kNumber, false, false, kTamper, ""},
    {"tamper.success", T::kBool, false, false, kTamper, ""},
    {"tamper.request", T::kString, false, false, kTamper, ""},
    {"tamper.target.pid", T::kNumber, false, false, kTamper, ""},
    {"tamper.target.exe", T::kString, false, false, kTamper, ""},
    {"tamper.target.uid", T::kNumber, false, false, kTamper, ""},
    {"tamper.target.user", T::kString, false, false, kTamper, ""},
    {"tamper.path", T::kString, false, false, kTamper, ""},
    {"tamper.name", T::kString, false, false, kTamper, ""},
    {"tamper.params", T::kString, false, false, kTamper, ""},
    {"tamper.syscall", T::kString, false, false, kTamper, ""},
    {"tamper.prog_type", T::kString, false, false, kTamper, ""},
    {"tamper.source", T::kString, false, false, kTamper, ""},
    {"tamper.mount_point", T::kString, false, false, kTamper, ""},
    {"tamper.fs_type", T::kString, false, false, kTamper, ""},
    {"tamper.flags", T::kString, true, false, kTamper, ""},
    {"tamper.signal", T::kString, false, false, kTamper, ""},
    {"tamper.signal_number", T::kNumber, false, false, kTamper, ""},

    // A shell whose stdin is a socket is a reverse shell; equal pipe inodes
    // join the two ends of `curl ... | sh`.
    {"process.stdio.stdin.type", T::kString, false, false, kExec, ""},
    {"process.stdio.stdin.ino", T::kNumber, false, false, kExec, ""},
    {"process.stdio.stdout.type", T::kString, false, false, kExec, ""},
    {"process.stdio.stdout.ino", T::kNumber, false, false, kExec, ""},
    {"process.stdio.stderr.type", T::kString, false, false, kExec, ""},
    {"process.stdio.stderr.ino", T::kNumber, false, false, kExec, ""},
    {"file.explicit_times", T::kBool, false, false, kFile, ""},
    {"file.mtime", T::kString, false, false, kFile, ""},
};

constexpr size_t kCount = std::size(kRows);

constexpr std::array<FieldSpec, kCount> make_specs() {
  std::array<FieldSpec, kCount> specs{};
  for (size_t i = 0; i < kCount; ++i) {
    const Row& r = kRows[i];
    specs[i] = FieldSpec{static_cast<FieldId>(i), r.name, r.type, r.list, r.keyed, r.types,
                         r.sigma};
  }
  return specs;
}

constexpr std::array<FieldSpec, kCount> kSpecs = make_specs();

}  // namespace

uint32_t event_type_bit(std::string_view type_name) {
  static constexpr std::pair<std::string_view, uint32_t> kTypes[] = {
      {"exec", kExecBit},       {"fork", kForkBit}, {"exit", kExitBit},
      {"cred", kCredBit},       {"network", kNetworkBit}, {"dns", kDnsBit},
      {"file", kFileBit},       {"tamper", kTamperBit},
  };
  for (const auto& [name, bit] : kTypes)
    if (name == type_name) return bit;
  return 0;
}

std::span<const FieldSpec> all_fields() { return kSpecs; }

const FieldSpec* find_field(std::string_view name, std::string* key) {
  for (const FieldSpec& f : kSpecs) {
    if (f.keyed) {
      if (name.size() > f.name.size() + 1 && name.starts_with(f.name) &&
          name[f.name.size()] == '.') {
        if (key) *key = std::string(name.substr(f.name.size() + 1));
        return &f;
      }
      continue;
    }
    if (f.name == name || (!f.sigma.empty() && f.sigma == name)) {
      if (key) key->clear();
      return &f;
    }
  }
  return nullptr;
}

}  // namespace yagura::policy
