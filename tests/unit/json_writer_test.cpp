#include "sensor/output/json_writer.h"

#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <memory>

#include "sensor/output/command_line.h"
#include "sensor/output/json_string.h"
#include "tests/unit/json_test_support.h"

namespace yagura {
namespace {

using testing::kBootAtWall;
using testing::test_host;
using testing::test_task;
using testing::to_json;

std::string escaped(std::string_view bytes) {
  std::string out;
  append_json_string(out, bytes);
  return out;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  append_json_command_line(out, argv);
  return out;
}

Event test_exec() {
  ExecEvent e;
  e.task = test_task();
  e.exe.ino = 1234;
  e.exe.dev = (259u << 20) | 3;
  e.exe.mode = 0104755;
  e.exe.nlink = 1;
  e.exe.size = 232416;
  e.exe.mtime_ns = 1700000000'123456789ull;
  e.exe_path = {"/usr/bin/sudo", false};
  e.filename = {"/usr/bin/sudo", false};
  e.cwd = {"/home/alice", false};
  e.cgroup_path = {"/user.slice/user-1000.slice/session-3.scope", false};
  e.ld_preload = CapturedString{"/tmp/x.so", false};
  e.argv = {"sudo", "-u", "bob", "sh", "-c", "id; echo 'hi'"};
  e.argc = 6;
  e.args_size = 32;
  e.env_scanned = true;
  // A login shell's terminal on all three (/dev/pts/0, a character device).
  e.stdio = StdStreams{{{true, 020620, 3}, {true, 020620, 3}, {true, 020620, 3}}};

  Event ev;
  ev.ktime_ns = 1000'123'456'789;
  ev.body = std::move(e);
  ev.enrichment.user_name = "alice";
  ev.enrichment.euser_name = "root";
  ev.enrichment.group_name = "alice";
  ev.enrichment.login_user_name = "alice";
  ev.enrichment.exe_sha256 = std::string(64, 'a');
  ev.enrichment.lineage = {
      {{4100, 500'000'000'000}, "/usr/bin/bash", {"-bash"}},
      {{812, 3'000'000'000}, "/usr/sbin/sshd", {"sshd: alice [priv]"}},
  };
  return ev;
}

ExecEvent& exec_of(Event& ev) { return std::get<ExecEvent>(ev.body); }

const std::string kStdioJson =
    R"("stdio":{"stdin":{"type":"char","ino":3},"stdout":{"type":"char","ino":3},)"
    R"("stderr":{"type":"char","ino":3}})";

TEST_CASE("RFC 3339 with nanoseconds, UTC") {
  CHECK(format_rfc3339(0) == "1970-01-01T00:00:00.000000000Z");
  CHECK(format_rfc3339(1795327262'123456789ull) == "2026-11-22T06:01:02.123456789Z");
  CHECK(format_rfc3339(1709251199'999999999ull) == "2024-02-29T23:59:59.999999999Z");
  std::string out = "t=";
  append_rfc3339(out, 1'000'000'001);
  CHECK(out == "t=1970-01-01T00:00:01.000000001Z");
}

TEST_CASE("WallClock adds the realtime - boottime offset") {
  WallClock fixed(kBootAtWall);
  CHECK(format_rfc3339(fixed.to_wall_ns(1000'123'456'789)) == "2026-11-22T06:01:02.123456789Z");
  CHECK(WallClock(-5).to_wall_ns(3) == 0);

  WallClock measured;
  timespec boot{}, real{};
  clock_gettime(CLOCK_BOOTTIME, &boot);
  clock_gettime(CLOCK_REALTIME, &real);
  auto ns = [](const timespec& ts) { return ts.tv_sec * 1'000'000'000ll + ts.tv_nsec; };
  int64_t error = static_cast<int64_t>(measured.to_wall_ns(ns(boot))) - ns(real);
  CHECK(std::llabs(error) < 50'000'000);
}

TEST_CASE("read_host_identity reads uname and boot_id") {
  auto host = read_host_identity();
  REQUIRE(host.ok());
  char name[256] = {};
  REQUIRE(gethostname(name, sizeof(name) - 1) == 0);
  CHECK(host->hostname == name);
  CHECK(!host->kernel_release.empty());
  std::ifstream f("/proc/sys/kernel/random/boot_id");
  std::string boot_id;
  std::getline(f, boot_id);
  CHECK(host->boot_id == boot_id);
  CHECK(host->boot_id.size() == 36);
  CHECK(host->tags.empty());
}

TEST_CASE("JSON strings: valid UTF-8 passes, controls are escaped") {
  CHECK(escaped("plain /usr/bin") == R"("plain /usr/bin")");
  CHECK(escaped("q\"b\\s") == R"("q\"b\\s")");
  CHECK(escaped("\n\t\r\b\f") == R"("\n\t\r\b\f")");
  CHECK(escaped(std::string_view("\x01\x1f\x7f\0", 4)) == R"("\u0001\u001f\u007f\u0000")");
  // 2-, 3- and 4-byte sequences, including the largest code point.
  CHECK(escaped("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf") ==
        "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf\"");
}

TEST_CASE("JSON strings: bytes outside valid UTF-8 become surrogate escapes (udcXX)") {
  CHECK(escaped("a\xff"
                "b") == R"("a\udcffb")");
  CHECK(escaped("\x80") == R"("\udc80")");                                // stray continuation
  CHECK(escaped("\xc0\xaf") == R"("\udcc0\udcaf")");                      // overlong '/'
  CHECK(escaped("\xe0\x80\xaf") == R"("\udce0\udc80\udcaf")");            // overlong, 3 bytes
  CHECK(escaped("\xed\xa0\x80") == R"("\udced\udca0\udc80")");            // encoded surrogate
  CHECK(escaped("\xf4\x90\x80\x80") == R"("\udcf4\udc90\udc80\udc80")");  // above U+10FFFF
  CHECK(escaped("\xf5") == R"("\udcf5")");
  // A cut sequence, then valid text: only the cut bytes are escaped.
  CHECK(escaped("\xe2\x82"
                "A\xe2\x82\xac") == "\"\\udce2\\udc82A\xe2\x82\xac\"");
  CHECK(escaped("end\xe2\x82") == R"("end\udce2\udc82")");
}

TEST_CASE("command_line quotes what shell word splitting would change") {
  CHECK(command_line({}) == "");
  CHECK(command_line({"ls", "-la", "/tmp"}) == "ls -la /tmp");
  CHECK(command_line({"sh", "-c", "echo hi"}) == "sh -c 'echo hi'");
  CHECK(command_line({"x", ""}) == "x ''");
  CHECK(command_line({"it's"}) == R"('it'\\''s')");
  CHECK(command_line({"a\"b", "c\\d", "t\tab"}) == R"('a\"b' 'c\\d' 't\tab')");
  CHECK(command_line({"\xff"}) == R"(\udcff)");
  // The raw form is what the JSON form decodes to.
  std::string raw;
  append_command_line(raw, {"sh", "-c", "echo it's", "\xff"});
  CHECK(raw == "sh -c 'echo it'\\''s' \xff");
}

TEST_CASE("exec event: every field") {
  const std::string expected =
      R"({"schema":2,"type":"exec","snapshot":false,"time":"2026-11-22T06:01:02.123456789Z",)"
      R"("ktime_ns":1000123456789,)"
      R"("host":{"hostname":"web-01","boot_id":"d088d297-26b6-4700-a751-6dc4102b7523",)"
      R"("tags":{"env":"prod","role":"web"}},)"
      R"("process":{"key":"4242:990000000000","pid":4242,"tid":4242,)"
      R"("start_time":"2026-11-22T06:00:52.000000000Z","comm":"sudo",)"
      R"("uid":1000,"euid":0,"suid":0,"fsuid":0,"gid":1000,"egid":1000,"sgid":1000,"fsgid":1000,)"
      R"("user":"alice","euser":"root","group":"alice",)"
      R"("loginuid":1000,"login_user":"alice","sessionid":3,)"
      R"("cap_effective":"0x000001ffffffffff","cap_permitted":"0x000001ffffffffff",)"
      R"("tty":"pts0","cgroup":{"id":7,"path":"/user.slice/user-1000.slice/session-3.scope"},)"
      R"("ns":{"pid":4026531836,"mnt":4026531841},)"
      R"("exe":"/usr/bin/sudo",)"
      R"("exe_file":{"dev":"259:3","ino":1234,"mode":"0104755","setuid":true,"setgid":false,)"
      R"("uid":0,"gid":0,"size":232416,"nlink":1,"mtime":"2023-11-14T22:13:20.123456789Z",)"
      R"("deleted":false,"memfd":false,"tmpfs":false,)"
      R"("sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},)"
      R"("args":["sudo","-u","bob","sh","-c","id; echo 'hi'"],)"
      R"("command_line":"sudo -u bob sh -c 'id; echo '\\''hi'\\'''",)"
      R"("argc":6,"args_bytes":32,"args_truncated":false,"args_unreadable":false,)"
      R"("filename":"/usr/bin/sudo","cwd":"/home/alice",)"
      R"("env":{"LD_PRELOAD":"/tmp/x.so"},"env_scan":"complete",)"
      R"("stdio":{"stdin":{"type":"char","ino":3},"stdout":{"type":"char","ino":3},)"
      R"("stderr":{"type":"char","ino":3}}},)"
      R"("parent":{"key":"4100:500000000000","pid":4100,"exe":"/usr/bin/bash",)"
      R"("args":["-bash"],"command_line":"-bash"},)"
      R"("ancestors":[{"key":"812:3000000000","pid":812,"exe":"/usr/sbin/sshd",)"
      R"("command_line":"'sshd: alice [priv]'"}],)"
      R"("lineage_complete":true})";
  CHECK(to_json(test_exec()) == expected);
}

TEST_CASE("exec event: optional parts") {
  Event ev = test_exec();
  ExecEvent& e = exec_of(ev);

  SECTION("unset loginuid and sessionid are null, empty names omitted, no tty is null") {
    e.task.loginuid = kUnsetId;
    e.task.sessionid = kUnsetId;
    e.task.tty.clear();
    ev.enrichment = {};
    std::string json = to_json(ev);
    CHECK_THAT(json, Catch::Contains(R"("fsgid":1000,"loginuid":null,"sessionid":null,"cap_)"));
    CHECK_THAT(json, Catch::Contains(R"("tty":null,)"));
    CHECK_THAT(json, !Catch::Contains(R"("user")"));
    CHECK_THAT(json, !Catch::Contains(R"("sha256")"));
    // No lineage: the parent is the kernel's, key and pid only.
    CHECK_THAT(json,
               Catch::EndsWith(
                   R"("parent":{"key":"4100:500000000000","pid":4100},"lineage_complete":true})"));
  }
  SECTION("a failed hash says why") {
    ev.enrichment.exe_sha256.reset();
    ev.enrichment.exe_hash_error = "file larger than limit";
    CHECK_THAT(to_json(ev),
               Catch::Contains(R"("tmpfs":false,"hash_error":"file larger than limit"},)"));
  }
  SECTION("file mode, set-id bits and device") {
    e.exe.mode = 0102755;
    e.exe.dev = (8u << 20) | 1048575;
    e.exe.deleted = e.exe.memfd = e.exe.tmpfs = true;
    CHECK_THAT(to_json(ev), Catch::Contains(R"("exe_file":{"dev":"8:1048575","ino":1234,)"
                                            R"("mode":"0102755","setuid":false,"setgid":true,)"));
    CHECK_THAT(to_json(ev), Catch::Contains(R"("deleted":true,"memfd":true,"tmpfs":true,)"));
    e.exe.mode = 0100644;
    CHECK_THAT(to_json(ev), Catch::Contains(R"("mode":"0100644","setuid":false,"setgid":false,)"));
  }
  SECTION("script, partial env scan, truncated strings") {
    e.is_script = true;
    e.filename = {"./run.sh", false};
    e.interpreter = {"/bin/sh", false};
    e.ld_preload.reset();
    e.ld_library_path = CapturedString{"/opt/lib", true};
    e.env_scan_cut = true;
    e.cwd.truncated = true;
    e.exe_path.truncated = true;
    e.args_truncated = true;
    CHECK_THAT(to_json(ev),
               Catch::Contains(R"("args_truncated":true,"args_unreadable":false,)"
                               R"("filename":"./run.sh","cwd":"/home/alice",)"
                               R"("script":{"path":"/home/alice/run.sh","interpreter":"/bin/sh"},)"
                               R"("env":{"LD_LIBRARY_PATH":"/opt/lib"},"env_scan":"partial",)" +
                               kStdioJson +
                               R"(,"truncated":["exe","cwd","env.LD_LIBRARY_PATH"]},)"));
  }
  SECTION("env scan off: empty env, no truncated list") {
    e.env_scanned = false;
    e.ld_preload.reset();
    CHECK_THAT(to_json(ev),
               Catch::Contains(R"("env":{},"env_scan":"off",)" + kStdioJson + R"(},"parent")"));
  }
  SECTION("raw bytes in args survive, escaped") {
    e.argv = {"cat", "caf\xc3\xa9\xff\n"};
    CHECK_THAT(to_json(ev), Catch::Contains("\"args\":[\"cat\",\"caf\xc3\xa9\\udcff\\n\"],"
                                            "\"command_line\":\"cat 'caf\xc3\xa9\\udcff\\n'\","));
  }
  SECTION("every ancestor after the parent, in order") {
    ev.enrichment.lineage.push_back({{1, 1'000'000}, "/usr/lib/systemd/systemd", {}});
    ev.enrichment.lineage_complete = false;
    CHECK_THAT(to_json(ev), Catch::EndsWith(R"("ancestors":[{"key":"812:3000000000","pid":812,)"
                                            R"("exe":"/usr/sbin/sshd",)"
                                            R"("command_line":"'sshd: alice [priv]'"},)"
                                            R"({"key":"1:1000000","pid":1,)"
                                            R"("exe":"/usr/lib/systemd/systemd",)"
                                            R"("command_line":""}],"lineage_complete":false})"));
  }
  SECTION("stdio: the type of each descriptor, closed ones none") {
    // A reverse shell: the connection on stdin and stdout, stderr closed.
    e.stdio = StdStreams{{{true, 0140777, 81920}, {true, 0140777, 81920}, {false, 0, 0}}};
    CHECK_THAT(to_json(ev),
               Catch::Contains(R"("stdio":{"stdin":{"type":"socket","ino":81920},)"
                               R"("stdout":{"type":"socket","ino":81920},)"
                               R"("stderr":{"type":"none","ino":0}}})"));
    const std::pair<uint32_t, const char*> types[] = {
        {0100644, "file"}, {040755, "dir"},     {010600, "pipe"},
        {0140777, "socket"}, {020666, "char"},  {060660, "block"},
        {0120777, "symlink"}, {0600, "other"},  // an anonymous inode (eventfd)
    };
    for (const auto& [mode, name] : types) {
      INFO(name);
      (*e.stdio)[2] = {true, mode, 7};
      CHECK_THAT(to_json(ev), Catch::Contains(std::string(R"("stderr":{"type":")") + name +
                                              R"(","ino":7}})"));
    }
  }
  SECTION("stdio the kernel did not read is left out") {
    e.stdio.reset();
    CHECK_THAT(to_json(ev), !Catch::Contains(R"("stdio")"));
  }
  SECTION("snapshot of a kernel thread: flagged, no executable, unreadable args") {
    ev.snapshot = true;
    e.no_exe = true;
    e.stdio.reset();
    e.exe_path = {};
    e.argv.clear();
    e.argc = 0;
    e.args_size = 0;
    e.args_unreadable = true;
    ev.enrichment = {};  // no lineage, or the parent would bring an "exe" of its own
    std::string json = to_json(ev);
    CHECK_THAT(json, Catch::StartsWith(R"({"schema":2,"type":"exec","snapshot":true,"time":)"));
    CHECK_THAT(json, !Catch::Contains(R"("exe")"));
    CHECK_THAT(json, !Catch::Contains(R"("exe_file")"));
    CHECK_THAT(json, Catch::Contains(R"("ns":{"pid":4026531836,"mnt":4026531841},)"
                                     R"("args":[],"command_line":"","argc":0,"args_bytes":0,)"
                                     R"("args_truncated":false,"args_unreadable":true,)"));
  }
  SECTION("no tags: the object is still there") {
    HostIdentity host = test_host();
    host.tags.clear();
    host.hostname = "odd\"name";
    CHECK_THAT(to_json(ev, host),
               Catch::Contains(R"("host":{"hostname":"odd\"name",)"
                               R"("boot_id":"d088d297-26b6-4700-a751-6dc4102b7523",)"
                               R"("tags":{}},)"));
  }
}

// The process and parent shared by fork, exit and cred events of
// test_task() without a lineage: the kernel's parent, key and pid only.
const std::string kTaskJson =
    R"("process":{"key":"4242:990000000000","pid":4242,"tid":4242,)"
    R"("start_time":"2026-11-22T06:00:52.000000000Z","comm":"sudo",)"
    R"("uid":1000,"euid":0,"suid":0,"fsuid":0,"gid":1000,"egid":1000,"sgid":1000,"fsgid":1000,)"
    R"("loginuid":1000,"sessionid":3,)"
    R"("cap_effective":"0x000001ffffffffff","cap_permitted":"0x000001ffffffffff",)"
    R"("tty":"pts0","cgroup":{"id":7},"ns":{"pid":4026531836,"mnt":4026531841}},)"
    R"("parent":{"key":"4100:500000000000","pid":4100},"lineage_complete":true)";

const std::string kHostJson =
    R"("host":{"hostname":"web-01","boot_id":"d088d297-26b6-4700-a751-6dc4102b7523",)"
    R"("tags":{"env":"prod","role":"web"}},)";

TEST_CASE("fork event: the child, and the forking parent") {
  Event ev;
  ev.ktime_ns = 1000'000'000'000;
  ev.body = ForkEvent{test_task()};
  CHECK(to_json(ev) == R"({"schema":2,"type":"fork","time":"2026-11-22T06:01:02.000000000Z",)"
                       R"("ktime_ns":1000000000000,)" +
                           kHostJson + kTaskJson + "}");
}

TEST_CASE("exit event: code, signal and core") {
  Event ev;
  ev.ktime_ns = 1000'000'000'000;
  const std::string head = R"({"schema":2,"type":"exit","time":"2026-11-22T06:01:02.000000000Z",)"
                           R"("ktime_ns":1000000000000,)" +
                           kHostJson + kTaskJson;

  SECTION("killed by SIGKILL") {
    ev.body = ExitEvent{test_task(), 9};
    CHECK(to_json(ev) ==
          head + R"(,"exit":{"code":0,"signal":9,"signal_name":"SIGKILL","core_dumped":false}})");
  }
  SECTION("SIGSEGV with a core dump") {
    ev.body = ExitEvent{test_task(), 0x80 | 11};
    CHECK(to_json(ev) ==
          head + R"(,"exit":{"code":0,"signal":11,"signal_name":"SIGSEGV","core_dumped":true}})");
  }
  SECTION("a real-time signal has a number but no name") {
    ev.body = ExitEvent{test_task(), 40};
    CHECK(to_json(ev) == head + R"(,"exit":{"code":0,"signal":40,"core_dumped":false}})");
  }
  SECTION("exit(3)") {
    ev.body = ExitEvent{test_task(), 3 << 8};
    CHECK(to_json(ev) == head + R"(,"exit":{"code":3,"signal":0,"core_dumped":false}})");
  }
}

TEST_CASE("cred event: syscall, old and new creds") {
  CredEvent c;
  c.task = test_task();
  c.old = {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 0, 0};
  c.syscall = CredSyscall::kSetresuid;
  Event ev;
  ev.ktime_ns = 1000'000'000'000;
  ev.body = c;
  CHECK(to_json(ev) ==
        R"({"schema":2,"type":"cred","time":"2026-11-22T06:01:02.000000000Z",)"
        R"("ktime_ns":1000000000000,)" +
            kHostJson + kTaskJson +
            R"(,"cred":{"syscall":"setresuid",)"
            R"("old":{"uid":1000,"euid":1000,"suid":1000,"fsuid":1000,)"
            R"("gid":1000,"egid":1000,"sgid":1000,"fsgid":1000,)"
            R"("cap_effective":"0x0000000000000000","cap_permitted":"0x0000000000000000"},)"
            R"("new":{"uid":1000,"euid":0,"suid":0,"fsuid":0,)"
            R"("gid":1000,"egid":1000,"sgid":1000,"fsgid":1000,)"
            R"("cap_effective":"0x000001ffffffffff","cap_permitted":"0x000001ffffffffff"}}})");
}

TEST_CASE("events other than exec carry the image the process table knows") {
  Event ev;
  ev.ktime_ns = 1000'000'000'000;
  ev.body = ExitEvent{test_task(), 0};
  ev.enrichment.image = ProcessImage{"/usr/bin/sudo", {"sudo", "-i"}, "/root"};
  CHECK_THAT(to_json(ev), Catch::Contains(R"("ns":{"pid":4026531836,"mnt":4026531841},)"
                                          R"("exe":"/usr/bin/sudo","args":["sudo","-i"],)"
                                          R"("command_line":"sudo -i","cwd":"/root"},"parent":)"));
  ev.enrichment.image->cwd.clear();
  CHECK_THAT(to_json(ev), Catch::Contains(R"("command_line":"sudo -i"},"parent":)"));
}

TEST_CASE("every type carries the lineage as exec does") {
  const std::vector<Ancestor> lineage = {
      {{4100, 500'000'000'000}, "/bin/sh", {"sh", "-c", "curl -s x"}},
      {{900, 2'000'000'000}, "/usr/sbin/nginx", {"nginx: worker process"}},
  };
  const std::string with_lineage =
      R"("parent":{"key":"4100:500000000000","pid":4100,"exe":"/bin/sh",)"
      R"("args":["sh","-c","curl -s x"],"command_line":"sh -c 'curl -s x'"},)"
      R"("ancestors":[{"key":"900:2000000000","pid":900,"exe":"/usr/sbin/nginx",)"
      R"("command_line":"'nginx: worker process'"}],"lineage_complete":false)";
  NetEvent net;
  net.task = test_task();
  DnsEvent dns;
  dns.task = test_task();
  FileEvent file;
  file.task = test_task();
  TamperEvent tamper;
  tamper.task = test_task();
  for (EventBody body : {EventBody(ForkEvent{test_task()}), EventBody(ExitEvent{test_task(), 0}),
                         EventBody(CredEvent{test_task(), {}, CredSyscall::kSetuid}),
                         EventBody(net), EventBody(dns), EventBody(file), EventBody(tamper)}) {
    Event ev;
    ev.body = std::move(body);
    ev.enrichment.lineage = lineage;
    ev.enrichment.lineage_complete = false;
    CHECK_THAT(to_json(ev),
               Catch::Contains(R"("ns":{"pid":4026531836,"mnt":4026531841}},)" + with_lineage));
  }
  SECTION("a fork's parent is the forking process, which the lineage starts at") {
    Event ev;
    ev.body = ForkEvent{test_task()};
    ev.enrichment.lineage = {lineage.front()};
    CHECK_THAT(to_json(ev),
               Catch::EndsWith(R"("parent":{"key":"4100:500000000000","pid":4100,"exe":"/bin/sh",)"
                               R"("args":["sh","-c","curl -s x"],)"
                               R"("command_line":"sh -c 'curl -s x'"},"lineage_complete":true})"));
  }
}

TEST_CASE("a policy's verdict ends the line") {
  Event ev;
  ev.body = ExitEvent{test_task(), 0};
  const std::string plain = to_json(ev);
  CHECK_THAT(plain, !Catch::Contains(R"("policy")"));
  CHECK_THAT(plain, !Catch::Contains(R"("alerts")"));

  SECTION("judged, no alert: the version alone") {
    ev.verdict.policy_version = 7;
    CHECK(to_json(ev) == plain.substr(0, plain.size() - 1) + R"(,"policy":{"version":7}})");
  }
  SECTION("alerts, in the order they fired") {
    ev.verdict.policy_version = 1700000000;
    auto shell = std::make_shared<AlertRule>(AlertRule{"web-shell",
                                                       "Shell \"spawned\" by a web server",
                                                       "high",
                                                       {"T1059.004", "T1505.003"},
                                                       {"web", "linux"}});
    auto quiet = std::make_shared<AlertRule>(AlertRule{"exit-any", "Any exit", "low", {}, {}});
    ev.verdict.alerts = {shell, quiet};
    CHECK_THAT(
        to_json(ev),
        Catch::EndsWith(
            R"("lineage_complete":true,"exit":{"code":0,"signal":0,"core_dumped":false},)"
            R"("policy":{"version":1700000000},)"
            R"("alerts":[{"id":"web-shell","title":"Shell \"spawned\" by a web server",)"
            R"("severity":"high","attack":["T1059.004","T1505.003"],"tags":["web","linux"]},)"
            R"({"id":"exit-any","title":"Any exit","severity":"low","attack":[],"tags":[]}]})"));
  }
}

TEST_CASE("a process without a known parent has no parent object") {
  Event ev;
  TaskInfo t = test_task();
  t.parent = {};
  ev.body = ExitEvent{t, 0};
  CHECK_THAT(to_json(ev), !Catch::Contains(R"("parent")"));
}

TEST_CASE("append adds to the buffer, one object per call") {
  JsonWriter writer(test_host(), WallClock(kBootAtWall));
  Event ev;
  ev.body = ForkEvent{test_task()};
  std::string out;
  writer.append(ev, out);
  const size_t first = out.size();
  out += '\n';
  writer.append(ev, out);
  CHECK(out.size() == 2 * first + 1);
  CHECK(out.substr(0, first) == out.substr(first + 1));
}

}  // namespace
}  // namespace yagura
