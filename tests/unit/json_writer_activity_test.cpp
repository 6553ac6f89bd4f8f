// JsonWriter on the activity events: network, dns, file and tamper. Each type
// has one complete line compared field for field (parsed, so member order
// does not matter), then the variants of its type-specific object.
#include <fcntl.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "sensor/output/json_writer.h"
#include "tests/unit/json_test_support.h"

namespace yagura {
namespace {

using Json = nlohmann::json;
using testing::test_task;
using testing::to_json;

constexpr uint64_t kKtime = 1000'000'000'000;

// The parts of a complete line every activity event below shares.
const char* const kHead =
    R"("schema":2,"time":"2026-11-22T06:01:02.000000000Z","ktime_ns":1000000000000,)"
    R"("host":{"hostname":"web-01","boot_id":"d088d297-26b6-4700-a751-6dc4102b7523",)"
    R"("tags":{"env":"prod","role":"web"}},)";
const char* const kFullTask =
    R"("key":"4242:990000000000","pid":4242,"tid":4242,)"
    R"("start_time":"2026-11-22T06:00:52.000000000Z","comm":"curl",)"
    R"("uid":1000,"euid":0,"suid":0,"fsuid":0,"gid":1000,"egid":1000,"sgid":1000,"fsgid":1000,)"
    R"("user":"alice","euser":"root","group":"alice",)"
    R"("loginuid":1000,"login_user":"alice","sessionid":3,)"
    R"("cap_effective":"0x000001ffffffffff","cap_permitted":"0x000001ffffffffff",)"
    R"("tty":"pts0","cgroup":{"id":7},"ns":{"pid":4026531836,"mnt":4026531841},)"
    R"("exe":"/usr/bin/curl","args":["curl","-s","https://example.com/"],)"
    R"("command_line":"curl -s https://example.com/","cwd":"/home/alice")";
// No lineage (the table knew no parent): the kernel's parent, key and pid.
const char* const kParent =
    R"("parent":{"key":"4100:500000000000","pid":4100},"lineage_complete":true)";

TaskInfo curl_task() {
  TaskInfo t = test_task();
  t.comm = "curl";
  return t;
}

// An event as the processor hands it on: names and image from the tables.
Event activity(EventBody body) {
  Event ev;
  ev.ktime_ns = kKtime;
  ev.body = std::move(body);
  ev.enrichment.user_name = "alice";
  ev.enrichment.euser_name = "root";
  ev.enrichment.group_name = "alice";
  ev.enrichment.login_user_name = "alice";
  ev.enrichment.image =
      ProcessImage{"/usr/bin/curl", {"curl", "-s", "https://example.com/"}, "/home/alice"};
  return ev;
}

Json parsed(const Event& ev) { return Json::parse(to_json(ev)); }

// One member of the line, e.g. the "network" object.
Json member(const Event& ev, const char* name) {
  Json line = parsed(ev);
  REQUIRE(line.contains(name));
  return line[name];
}

void check_same(const Json& got, const Json& want) { CHECK(got.dump(1) == want.dump(1)); }

NetEvent connect_event() {
  NetEvent n;
  n.task = curl_task();
  n.action = NetAction::kConnect;
  n.family = NetFamily::kIpv4;
  n.transport = Transport::kTcp;
  n.local = {IpAddress::ipv4(10, 0, 0, 5), 40000};
  n.remote = {IpAddress::ipv4(93, 184, 216, 34), 443};
  return n;
}

}  // namespace

TEST_CASE("network event: a complete connect line", "[json]") {
  Event ev = activity(connect_event());
  ev.owner_only = true;
  ev.enrichment.task_completed = true;
  ev.enrichment.destination_domains = {"example.com", "edge.example.net"};
  const std::string want = std::string("{") + kHead + R"("type":"network",)" + R"("process":{)" +
                           kFullTask + R"(,"owner_only":true},)" + kParent +
                           R"(,"network":{"action":"connect","transport":"tcp","family":"ipv4",)"
                           R"("initiated":true,"source":{"ip":"10.0.0.5","port":40000},)"
                           R"("destination":{"ip":"93.184.216.34","port":443,)"
                           R"("domain":["example.com","edge.example.net"]},)"
                           R"("loopback":false,"result":"established"}})";
  check_same(parsed(ev), Json::parse(want));
}

TEST_CASE("network event: an owner the table did not know has no ids", "[json]") {
  Event ev = activity(connect_event());
  ev.owner_only = true;
  ev.enrichment = {};  // task_completed false, no names, no image
  std::get<NetEvent>(ev.body).task.parent = {};
  check_same(member(ev, "process"),
             Json::parse(R"({"key":"4242:990000000000","pid":4242,"tid":4242,)"
                         R"("start_time":"2026-11-22T06:00:52.000000000Z","comm":"curl",)"
                         R"("owner_only":true})"));
  CHECK_FALSE(parsed(ev).contains("parent"));
}

TEST_CASE("network event: destination is always the receiving side", "[json]") {
  NetEvent n = connect_event();
  SECTION("accept: the local end received, the remote client is the source") {
    n.action = NetAction::kAccept;
    n.local = {IpAddress::ipv4(10, 0, 0, 5), 22};
    n.remote = {IpAddress::ipv4(198, 51, 100, 7), 51000};
    check_same(member(activity(n), "network"),
               Json::parse(R"({"action":"accept","transport":"tcp","family":"ipv4",)"
                           R"("initiated":false,"source":{"ip":"198.51.100.7","port":51000},)"
                           R"("destination":{"ip":"10.0.0.5","port":22},"loopback":false})"));
  }
  SECTION("listen and udp_bind: only the bound address") {
    n.action = NetAction::kUdpBind;
    n.transport = Transport::kUdp;
    n.local = {IpAddress::ipv4(0, 0, 0, 0), 5353};
    check_same(member(activity(n), "network"),
               Json::parse(R"({"action":"udp_bind","transport":"udp","family":"ipv4",)"
                           R"("initiated":false,"destination":{"ip":"0.0.0.0","port":5353},)"
                           R"("loopback":false})"));
  }
  SECTION("close: like what opened it, with the totals") {
    n.action = NetAction::kClose;
    n.loopback = true;
    n.duration_ns = 1500;
    n.bytes_sent = 10;
    n.bytes_received = 20;
    n.inbound = false;  // this host connected
    check_same(member(activity(n), "network"),
               Json::parse(R"({"action":"close","transport":"tcp","family":"ipv4",)"
                           R"("initiated":true,"source":{"ip":"10.0.0.5","port":40000},)"
                           R"("destination":{"ip":"93.184.216.34","port":443},"loopback":true,)"
                           R"("duration_ns":1500,"bytes_sent":10,"bytes_received":20})"));
    n.inbound = true;  // accepted here
    Json inbound = member(activity(n), "network");
    CHECK(inbound["initiated"] == false);
    CHECK(inbound["source"] == Json::parse(R"({"ip":"93.184.216.34","port":443})"));
    CHECK(inbound["destination"] == Json::parse(R"({"ip":"10.0.0.5","port":40000})"));
  }
}

TEST_CASE("network event: connect results", "[json]") {
  NetEvent n = connect_event();
  auto result = [&](int32_t error) {
    n.error = error;
    Json net = member(activity(n), "network");
    return std::make_pair(net["result"].get<std::string>(), net.value("error", std::string()));
  };
  CHECK(result(0) == std::make_pair(std::string("established"), std::string()));
  CHECK(result(111) == std::make_pair(std::string("refused"), std::string("ECONNREFUSED")));
  CHECK(result(110) == std::make_pair(std::string("timed_out"), std::string("ETIMEDOUT")));
  CHECK(result(113) == std::make_pair(std::string("failed"), std::string("EHOSTUNREACH")));
  CHECK(result(100000) == std::make_pair(std::string("failed"), std::string("100000")));
}

TEST_CASE("network event: IPv6, v4-mapped, unix, and values newer than this build", "[json]") {
  NetEvent n = connect_event();
  SECTION("v4-mapped addresses print as IPv4 under family ipv6") {
    n.family = NetFamily::kIpv6;
    std::array<uint8_t, 16> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 93, 184, 216, 34};
    std::array<uint8_t, 16> v6{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5};
    n.remote.ip = IpAddress::ipv6(mapped);
    n.local.ip = IpAddress::ipv6(v6);
    Json net = member(activity(n), "network");
    CHECK(net["family"] == "ipv6");
    CHECK(net["destination"]["ip"] == "93.184.216.34");
    CHECK(net["source"]["ip"] == "2001:db8::5");
  }
  SECTION("unix sockets: the path, no addresses") {
    n.family = NetFamily::kUnix;
    n.transport = Transport::kNone;
    n.local = n.remote = {};
    n.unix_path = "/run/docker.sock";
    check_same(
        member(activity(n), "network"),
        Json::parse(R"({"action":"connect","transport":"unix","family":"unix",)"
                    R"("initiated":true,"unix":{"path":"/run/docker.sock","abstract":false},)"
                    R"("result":"established"})"));
  }
  SECTION("an unknown action and protocol are written as numbers") {
    n.action = static_cast<NetAction>(99);
    n.transport = static_cast<Transport>(132);
    Json net = member(activity(n), "network");
    CHECK(net["action"] == 99);
    CHECK(net["transport"] == 132);
    CHECK(net["initiated"] == false);
    CHECK(net["local"]["port"] == 40000);
  }
}

namespace {

DnsEvent answer_event() {
  DnsEvent d;
  d.task = curl_task();
  d.direction = DnsDirection::kAnswer;
  d.local = {IpAddress::ipv4(10, 0, 0, 5), 53000};
  d.remote = {IpAddress::ipv4(10, 0, 0, 1), 53};
  d.message_bytes = 90;
  d.payload = std::string(90, 'x');
  d.id = 0x1234;
  d.rcode = 0;
  d.questions = {{"example.com", 1}};
  d.answers = {{"example.com", 5, 300, "edge.example.net"},
               {"edge.example.net", 1, 60, "93.184.216.34"}};
  return d;
}

}  // namespace

TEST_CASE("dns event: a complete answer line", "[json]") {
  Event ev = activity(answer_event());
  ev.owner_only = true;
  ev.enrichment.task_completed = true;
  const std::string want =
      std::string("{") + kHead + R"("type":"dns",)" + R"("process":{)" + kFullTask +
      R"(,"owner_only":true},)" + kParent +
      R"(,"dns":{"direction":"answer","id":4660,"question":{"name":"example.com","type":"A"},)"
      R"("rcode":"NOERROR","answers":[)"
      R"({"name":"example.com","type":"CNAME","data":"edge.example.net","ttl":300},)"
      R"({"name":"edge.example.net","type":"A","data":"93.184.216.34","ttl":60}],)"
      R"("source":{"ip":"10.0.0.5","port":53000},"destination":{"ip":"10.0.0.1","port":53},)"
      R"("message_bytes":90,"captured_bytes":90,"incomplete":false,"malformed":false}})";
  check_same(parsed(ev), Json::parse(want));
}

TEST_CASE("dns event: queries, cut captures and bad packets", "[json]") {
  DnsEvent d = answer_event();
  SECTION("a query has no rcode and no answers") {
    d.direction = DnsDirection::kQuery;
    d.answers.clear();
    d.questions = {{"example.com", 28}};
    check_same(member(activity(d), "dns"),
               Json::parse(R"({"direction":"query","id":4660,)"
                           R"("question":{"name":"example.com","type":"AAAA"},)"
                           R"("source":{"ip":"10.0.0.5","port":53000},)"
                           R"("destination":{"ip":"10.0.0.1","port":53},)"
                           R"("message_bytes":90,"captured_bytes":90,)"
                           R"("incomplete":false,"malformed":false})"));
  }
  SECTION("NXDOMAIN with no answers still has the array") {
    d.rcode = 3;
    d.answers.clear();
    Json dns = member(activity(d), "dns");
    CHECK(dns["rcode"] == "NXDOMAIN");
    CHECK(dns["answers"] == Json::array());
  }
  SECTION("a capture shorter than the message") {
    d.message_bytes = 1400;
    d.payload = std::string(512, 'x');
    d.incomplete = true;
    Json dns = member(activity(d), "dns");
    CHECK(dns["message_bytes"] == 1400);
    CHECK(dns["captured_bytes"] == 512);
    CHECK(dns["incomplete"] == true);
  }
  SECTION("a malformed packet is reported with the parser's reason, nothing parsed") {
    d = DnsEvent{};
    d.task = curl_task();
    d.local = {IpAddress::ipv4(10, 0, 0, 5), 53000};
    d.remote = {IpAddress::ipv4(10, 0, 0, 1), 53};
    d.message_bytes = 3;
    d.payload = "abc";
    d.malformed = true;
    d.error = "dns: message of 3 bytes, header needs 12";
    check_same(
        member(activity(d), "dns"),
        Json::parse(R"({"direction":"query","source":{"ip":"10.0.0.5","port":53000},)"
                    R"("destination":{"ip":"10.0.0.1","port":53},)"
                    R"("message_bytes":3,"captured_bytes":3,"incomplete":false,)"
                    R"("malformed":true,"error":"dns: message of 3 bytes, header needs 12"})"));
  }
}

namespace {

FileEvent open_event() {
  FileEvent f;
  f.task = curl_task();
  f.op = FileOp::kOpen;
  f.path = {"/etc/cron.d/job", false};
  f.path_as_given = "/etc/cron.d/../cron.d/./job";
  f.lexical = true;
  f.unnormalized = true;
  f.write = f.created = f.truncated_on_open = true;
  f.flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
  f.mode = 0644;
  f.fd = 3;
  FileInfo info;
  info.dev = (8u << 20) | 1;
  info.ino = 1234;
  info.mode = 0100644;
  info.nlink = 1;
  f.file = info;
  return f;
}

}  // namespace

TEST_CASE("file event: a complete open line", "[json]") {
  const std::string want =
      std::string("{") + kHead + R"("type":"file",)" + R"("process":{)" + kFullTask + "}," +
      kParent +
      R"(,"file":{"action":"open","path":"/etc/cron.d/job",)"
      R"("path_as_given":"/etc/cron.d/../cron.d/./job","lexical":true,"unnormalized":true,)"
      R"("access":["write","create","truncate"],)"
      R"("open_flags":"O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC","mode":"0000644","fd":3,)"
      R"("watched_read":false,)"
      R"("inode":{"dev":"8:1","ino":1234,"mode":"0100644","uid":0,"gid":0,"size":0,"nlink":1}}})";
  check_same(parsed(activity(open_event())), Json::parse(want));
}

TEST_CASE("file event: each action's fields", "[json]") {
  FileEvent f = open_event();
  f.file.reset();
  f.path_as_given.reset();
  f.lexical = f.unnormalized = false;
  SECTION("a watched read: no create mode") {
    f.write = f.created = f.truncated_on_open = false;
    f.read = f.watched_read = true;
    f.flags = O_RDONLY;
    f.path = {"/etc/shadow", false};
    check_same(member(activity(f), "file"),
               Json::parse(R"({"action":"open","path":"/etc/shadow","lexical":false,)"
                           R"("unnormalized":false,"access":["read"],"open_flags":"O_RDONLY",)"
                           R"("fd":3,"watched_read":true})"));
  }
  SECTION("rename: the old name, normalized, and the flags") {
    f.op = FileOp::kRename;
    f.path = {"/etc/passwd", false};
    f.source_path = {"/tmp/passwd", true};
    f.source_path_as_given = "/tmp/x/../passwd";
    f.lexical = true;
    f.flags = 1;
    check_same(
        member(activity(f), "file"),
        Json::parse(R"({"action":"rename","path":"/etc/passwd",)"
                    R"("source_path":"/tmp/passwd","source_path_as_given":"/tmp/x/../passwd",)"
                    R"("lexical":true,"unnormalized":false,"flags":"RENAME_NOREPLACE",)"
                    R"("truncated":["source_path"]})"));
  }
  SECTION("symlink: the target as given") {
    f.op = FileOp::kSymlink;
    f.path = {"/etc/cron.d/evil", true};
    f.source_path = {"../../tmp/x", false};
    check_same(member(activity(f), "file"),
               Json::parse(R"({"action":"symlink","path":"/etc/cron.d/evil",)"
                           R"("link_target":"../../tmp/x","lexical":false,"unnormalized":false,)"
                           R"("truncated":["path"]})"));
  }
  SECTION("chmod: mode and set-id bits") {
    f.op = FileOp::kChmod;
    f.mode = 04755;
    Json file = member(activity(f), "file");
    CHECK(file["mode"] == "0004755");
    CHECK(file["setuid"] == true);
    CHECK(file["setgid"] == false);
    CHECK_FALSE(file.contains("fd"));
  }
  SECTION("chown: only the ids that change") {
    f.op = FileOp::kChown;
    f.uid = 0;
    f.gid = kUnsetId;
    Json file = member(activity(f), "file");
    CHECK(file["uid"] == 0);
    CHECK_FALSE(file.contains("gid"));
  }
  SECTION("memfd_create: flags and descriptor") {
    f.op = FileOp::kMemfdCreate;
    f.path = {"memfd:payload", false};
    f.flags = 1;
    Json file = member(activity(f), "file");
    CHECK(file["flags"] == "MFD_CLOEXEC");
    CHECK(file["fd"] == 3);
  }
  SECTION("mkdir: the mode; unlink: the path alone") {
    f.op = FileOp::kMkdir;
    f.mode = 0700;
    CHECK(member(activity(f), "file")["mode"] == "0000700");
    f.op = FileOp::kUnlink;
    check_same(member(activity(f), "file"),
               Json::parse(R"({"action":"unlink","path":"/etc/cron.d/job","lexical":false,)"
                           R"("unnormalized":false})"));
  }
  SECTION("utimes: explicit times with the new mtime, or not") {
    f.op = FileOp::kUtimes;
    f.path = {"/usr/bin/x", false};
    f.lexical = true;  // by name, as docs/events.md's example
    f.explicit_times = true;
    f.mtime_ns = 1546300800'250'000'000ull;
    check_same(member(activity(f), "file"),
               Json::parse(R"({"action":"utimes","path":"/usr/bin/x","lexical":true,)"
                           R"("unnormalized":false,"explicit_times":true,)"
                           R"("mtime":"2019-01-01T00:00:00.250000000Z"})"));
    // Explicit, but before 1970: said so, with no time.
    f.mtime_ns.reset();
    Json pre_epoch = member(activity(f), "file");
    CHECK(pre_epoch["explicit_times"] == true);
    CHECK_FALSE(pre_epoch.contains("mtime"));
    f.explicit_times = false;
    check_same(member(activity(f), "file"),
               Json::parse(R"({"action":"utimes","path":"/usr/bin/x","lexical":true,)"
                           R"("unnormalized":false,"explicit_times":false})"));
  }
  SECTION("an op newer than this build is written as a number") {
    f.op = static_cast<FileOp>(42);
    CHECK(member(activity(f), "file")["action"] == 42);
  }
}

namespace {

TamperEvent tamper_event(TamperOp op) {
  TamperEvent t;
  t.task = curl_task();
  t.op = op;
  return t;
}

}  // namespace

TEST_CASE("tamper event: a complete ptrace line", "[json]") {
  TamperEvent t = tamper_event(TamperOp::kPtrace);
  t.args = {16, 812, 0};
  Event ev = activity(t);
  ev.enrichment.target = TargetProcess{{812, 3'000'000'000}, "/usr/sbin/sshd", ""};
  const std::string want =
      std::string("{") + kHead + R"("type":"tamper",)" + R"("process":{)" + kFullTask + "}," +
      kParent +
      R"(,"tamper":{"action":"ptrace","result":0,"success":true,"request":"PTRACE_ATTACH",)"
      R"("target":{"pid":812,"key":"812:3000000000","exe":"/usr/sbin/sshd"},)"
      R"("addr":"0x0000000000000000"}})";
  check_same(parsed(ev), Json::parse(want));
}

TEST_CASE("tamper event: each action's fields", "[json]") {
  auto tamper_json = [](const TamperEvent& t, std::optional<TargetProcess> target = {}) {
    Event ev = activity(t);
    ev.enrichment.target = std::move(target);
    return member(ev, "tamper");
  };
  // The tamper object without action, result and success.
  auto fields = [&](const TamperEvent& t, std::optional<TargetProcess> target = {}) {
    Json j = tamper_json(t, std::move(target));
    j.erase("action");
    j.erase("result");
    j.erase("success");
    return j;
  };
  SECTION("a failed ptrace with an unresolved target") {
    TamperEvent t = tamper_event(TamperOp::kPtrace);
    t.result = -1;
    t.args = {0x4206, 99, 0x7ffd1234};
    check_same(tamper_json(t, TargetProcess{}),
               Json::parse(R"({"action":"ptrace","result":-1,"success":false,)"
                           R"("request":"PTRACE_SEIZE","target":{"pid":99},)"
                           R"("addr":"0x000000007ffd1234"})"));
  }
  SECTION("process_vm_writev and /proc/PID/mem") {
    TamperEvent t = tamper_event(TamperOp::kVmWritev);
    t.args = {812, 1, 0};
    check_same(fields(t), Json::parse(R"({"target":{"pid":812}})"));
    t.op = TamperOp::kProcMem;
    t.strings[0] = {"/proc/812/mem", false};
    CHECK(tamper_json(t)["action"] == "proc_mem_write");
    check_same(fields(t), Json::parse(R"({"path":"/proc/812/mem","target":{"pid":812}})"));
  }
  SECTION("module_load by finit_module") {
    TamperEvent t = tamper_event(TamperOp::kModuleLoad);
    t.args = {1, 3, 0};
    t.strings = {CapturedString{"/tmp/rootkit.ko", false}, CapturedString{"debug=1", false},
                 CapturedString{"rootkit", false}};
    check_same(fields(t), Json::parse(R"({"syscall":"finit_module","path":"/tmp/rootkit.ko",)"
                                      R"("fd":3,"params":"debug=1","name":"rootkit","init_flags":0})"));
  }
  SECTION("module_load by init_module, params cut") {
    TamperEvent t = tamper_event(TamperOp::kModuleLoad);
    t.args = {0, 65536, 0};
    t.strings[1] = {"x=1", true};
    check_same(fields(t), Json::parse(R"({"syscall":"init_module","image_bytes":65536,)"
                                      R"("params":"x=1","truncated":["params"]})"));
  }
  SECTION("bpf_prog_load") {
    TamperEvent t = tamper_event(TamperOp::kBpfLoad);
    t.args = {2, 42, 0};
    t.strings[0] = {"trace_open", false};
    check_same(fields(t),
               Json::parse(R"({"prog_type":"kprobe","insn_count":42,"name":"trace_open"})"));
    t.args[0] = 77;
    CHECK(tamper_json(t)["prog_type"] == 77);
  }
  SECTION("mount and umount") {
    TamperEvent t = tamper_event(TamperOp::kMount);
    t.args = {0x1000 | 0x4000, 0, 0};  // MS_BIND | MS_REC
    t.strings = {CapturedString{"/", false}, CapturedString{"/mnt/host", false},
                 CapturedString{"", false}};
    check_same(fields(t), Json::parse(R"({"source":"/","mount_point":"/mnt/host","fs_type":"",)"
                                      R"("flags":["MS_BIND","MS_REC"]})"));
    t.op = TamperOp::kUmount;
    t.args = {2, 0, 0};
    t.strings[0] = {"/mnt/host", false};
    check_same(fields(t), Json::parse(R"({"mount_point":"/mnt/host","flags":["MNT_DETACH"]})"));
  }
  SECTION("unshare and setns") {
    TamperEvent t = tamper_event(TamperOp::kUnshare);
    t.args = {0x10000000 | 0x00020000, 0, 0};
    check_same(fields(t), Json::parse(R"({"flags":["CLONE_NEWNS","CLONE_NEWUSER"]})"));
    t.op = TamperOp::kSetns;
    t.args = {5, 0x40000000, 0};
    check_same(fields(t), Json::parse(R"({"flags":["CLONE_NEWNET"],"fd":5})"));
  }
  SECTION("prctl_set_name") {
    TamperEvent t = tamper_event(TamperOp::kPrctlName);
    t.strings[0] = {"[kworker/0:1]", false};
    check_same(fields(t), Json::parse(R"({"name":"[kworker/0:1]"})"));
  }
  SECTION("kill: the signal and the receiver") {
    TamperEvent t = tamper_event(TamperOp::kKill);
    t.args = {9, static_cast<uint64_t>(-6), 0};  // SIGKILL, SI_TKILL
    t.kill_target = {777, 5'000'000'000};
    t.kill_target_uid = 0;
    check_same(tamper_json(t, TargetProcess{{777, 5'000'000'000}, "/usr/sbin/auditd", "root"}),
               Json::parse(R"({"action":"kill","result":0,"success":true,)"
                           R"("signal":"SIGKILL","signal_number":9,"si_code":-6,)"
                           R"("target":{"pid":777,"key":"777:5000000000","uid":0,)"
                           R"("user":"root","exe":"/usr/sbin/auditd"}})"));
    t.result = 1;  // TRACE_SIGNAL_IGNORED
    CHECK(tamper_json(t)["success"] == false);
  }
  SECTION("an op newer than this build: its raw arguments and strings") {
    TamperEvent t = tamper_event(static_cast<TamperOp>(64));
    t.args = {1, 2, 3};
    t.strings[0] = {"a", false};
    check_same(tamper_json(t), Json::parse(R"({"action":64,"result":0,"success":true,)"
                                           R"("args":[1,2,3],"strings":["a","",""]})"));
  }
}

}  // namespace yagura
