#include "sensor/decode/record_decoder.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/record_builder.h"

namespace yagura {
namespace {

void check_creds(const Creds& got, const yg_creds& want) {
  CHECK(got.uid == want.uid);
  CHECK(got.euid == want.euid);
  CHECK(got.suid == want.suid);
  CHECK(got.fsuid == want.fsuid);
  CHECK(got.gid == want.gid);
  CHECK(got.egid == want.egid);
  CHECK(got.sgid == want.sgid);
  CHECK(got.fsgid == want.fsgid);
  CHECK(got.cap_effective == want.cap_effective);
  CHECK(got.cap_permitted == want.cap_permitted);
}

// comm and tty are compared against literals by the callers.
void check_task(const TaskInfo& got, const yg_task& want) {
  CHECK(got.key.tgid == want.tgid);
  CHECK(got.key.start_ns == want.start_ns);
  CHECK(got.tid == want.tid);
  CHECK(got.parent.tgid == want.ppid);
  CHECK(got.parent.start_ns == want.parent_start_ns);
  check_creds(got.creds, want.creds);
  CHECK(got.loginuid == want.loginuid);
  CHECK(got.sessionid == want.sessionid);
  CHECK(got.pid_ns == want.pid_ns);
  CHECK(got.mnt_ns == want.mnt_ns);
  CHECK(got.cgroup_id == want.cgroup_id);
  CHECK(got.tty_major == want.tty_major);
  CHECK(got.tty_minor == want.tty_minor);
}

void check_file(const FileInfo& got, const yg_file& want) {
  CHECK(got.ino == want.ino);
  CHECK(got.dev == want.dev);
  CHECK(got.mode == want.mode);
  CHECK(got.uid == want.uid);
  CHECK(got.gid == want.gid);
  CHECK(got.nlink == want.nlink);
  CHECK(got.size == want.size);
  CHECK(got.mtime_ns == want.mtime_ns);
  CHECK(got.ctime_ns == want.ctime_ns);
  CHECK(got.fs_magic == want.fs_magic);
}

ExecEvent decode_exec(const std::vector<uint8_t>& record) {
  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE(event.ok());
  REQUIRE(std::holds_alternative<ExecEvent>(event->body));
  return std::get<ExecEvent>(std::move(event->body));
}

// A minimal valid exec with the given argv area.
std::vector<uint8_t> exec_with_args(const std::string& args, uint32_t argc, bool cut) {
  yg_exec x = RecordBuilder::exec_fixed(1);
  x.argc = argc;
  if (cut) x.str.truncated = 1u << YG_EXEC_STR_ARGS;
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = "/usr/bin/prog";
  s[YG_EXEC_STR_ARGS] = args;
  return RecordBuilder::exec(x, s);
}

}  // namespace

TEST_CASE("fork record round-trips every field", "[decoder]") {
  yg_task child = RecordBuilder::task(7);
  auto record = RecordBuilder::fork(child, 123456789);

  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE(event.ok());
  CHECK(event->ktime_ns == 123456789);
  REQUIRE(std::holds_alternative<ForkEvent>(event->body));
  const auto& fork = std::get<ForkEvent>(event->body);
  check_task(fork.child, child);
  CHECK(fork.child.comm == "bash");
  CHECK(fork.child.tty == "pts3");
  CHECK(event->enrichment.lineage.empty());
  CHECK(decoder.stats().decoded.fork == 1);
  CHECK(decoder.stats().decoded.total() == 1);
  CHECK(decoder.stats().rejected.total() == 0);
}

TEST_CASE("exit record round-trips every field", "[decoder]") {
  yg_task task = RecordBuilder::task(9);
  const uint32_t status = (3u << 8) | 0x80 | 11;  // code 3, core, SIGSEGV
  auto record = RecordBuilder::exit(task, status, 42);

  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE(event.ok());
  CHECK(event->ktime_ns == 42);
  REQUIRE(std::holds_alternative<ExitEvent>(event->body));
  const auto& exit = std::get<ExitEvent>(event->body);
  check_task(exit.task, task);
  CHECK(exit.task.comm == "bash");
  CHECK(exit.task.tty == "pts3");
  CHECK(exit.status == status);
  CHECK(exit.exit_code() == 3);
  CHECK(exit.core_dumped());
  CHECK(exit.signal() == 11);
  CHECK(decoder.stats().decoded.exit == 1);
}

TEST_CASE("cred record round-trips every field", "[decoder]") {
  yg_task task = RecordBuilder::task(11);
  yg_creds old = RecordBuilder::creds(500);
  auto record = RecordBuilder::cred(task, old, YG_CRED_SETRESUID, 77);

  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE(event.ok());
  CHECK(event->ktime_ns == 77);
  REQUIRE(std::holds_alternative<CredEvent>(event->body));
  const auto& cred = std::get<CredEvent>(event->body);
  check_task(cred.task, task);
  check_creds(cred.old, old);
  CHECK(cred.syscall == CredSyscall::kSetresuid);
  CHECK(decoder.stats().decoded.cred == 1);

  SECTION("a syscall number newer than this build is passed through") {
    auto newer = RecordBuilder::cred(task, old, 77, 1);
    auto decoded = decoder.decode(newer);
    REQUIRE(decoded.ok());
    CHECK(static_cast<uint32_t>(std::get<CredEvent>(decoded->body).syscall) == 77);
  }
}

TEST_CASE("cred syscall numbers match CredSyscall", "[decoder]") {
  CHECK(static_cast<uint32_t>(CredSyscall::kSetuid) == YG_CRED_SETUID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetgid) == YG_CRED_SETGID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetreuid) == YG_CRED_SETREUID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetregid) == YG_CRED_SETREGID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetresuid) == YG_CRED_SETRESUID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetresgid) == YG_CRED_SETRESGID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetfsuid) == YG_CRED_SETFSUID);
  CHECK(static_cast<uint32_t>(CredSyscall::kSetfsgid) == YG_CRED_SETFSGID);
  CHECK(static_cast<uint32_t>(CredSyscall::kCapset) == YG_CRED_CAPSET);
}

TEST_CASE("exec record round-trips every field", "[decoder]") {
  yg_exec x = RecordBuilder::exec_fixed(3);
  x.exe.flags = YG_FILE_DELETED | YG_FILE_MEMFD | YG_FILE_TMPFS;
  x.argc = 3;
  x.flags = YG_EXEC_SCRIPT | YG_EXEC_ENV_SCANNED | YG_EXEC_ENV_SCAN_CUT | YG_EXEC_LD_PRELOAD |
            YG_EXEC_LD_LIBRARY_PATH;
  x.str.truncated = (1u << YG_EXEC_STR_CWD) | (1u << YG_EXEC_STR_LD_PRELOAD);
  ExecStrings s;
  // Lengths from bpf_probe_read_*_str include the NUL; the decoder strips it.
  s[YG_EXEC_STR_EXE] = std::string("/usr/bin/python3.11\0", 20);
  s[YG_EXEC_STR_FILENAME] = std::string("./run.py\0", 9);
  s[YG_EXEC_STR_INTERP] = "/usr/bin/python3";  // no NUL at all
  s[YG_EXEC_STR_CWD] = std::string("/home/user/very/long\0\0\0", 23);
  s[YG_EXEC_STR_CGROUP] = std::string("/user.slice/user-1000.slice\0", 28);
  s[YG_EXEC_STR_LD_PRELOAD] = std::string("/tmp/evil.so\0", 13);
  s[YG_EXEC_STR_LD_LIBRARY_PATH] = "";  // set but empty
  s[YG_EXEC_STR_ARGS] = RecordBuilder::nul_joined({"python3", "./run.py", "--flag"});
  auto record = RecordBuilder::exec(x, s);

  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE(event.ok());
  CHECK(event->ktime_ns == x.hdr.ktime_ns);
  REQUIRE(std::holds_alternative<ExecEvent>(event->body));
  const auto& e = std::get<ExecEvent>(event->body);

  check_task(e.task, x.task);
  CHECK(e.task.comm == "bash");
  CHECK(e.task.tty == "pts3");
  check_file(e.exe, x.exe);
  CHECK(e.exe.deleted);
  CHECK(e.exe.memfd);
  CHECK(e.exe.tmpfs);

  CHECK(e.exe_path.value == "/usr/bin/python3.11");
  CHECK_FALSE(e.exe_path.truncated);
  CHECK(e.filename.value == "./run.py");
  CHECK_FALSE(e.filename.truncated);
  CHECK(e.interpreter.value == "/usr/bin/python3");
  CHECK_FALSE(e.interpreter.truncated);
  CHECK(e.cwd.value == "/home/user/very/long");
  CHECK(e.cwd.truncated);
  CHECK(e.cgroup_path.value == "/user.slice/user-1000.slice");
  CHECK_FALSE(e.cgroup_path.truncated);
  REQUIRE(e.ld_preload.has_value());
  CHECK(e.ld_preload->value == "/tmp/evil.so");
  CHECK(e.ld_preload->truncated);
  REQUIRE(e.ld_library_path.has_value());
  CHECK(e.ld_library_path->value.empty());
  CHECK_FALSE(e.ld_library_path->truncated);

  CHECK(e.argv == std::vector<std::string>{"python3", "./run.py", "--flag"});
  CHECK_FALSE(e.args_truncated);
  CHECK(e.argc == 3);
  CHECK(e.args_size == x.args_size);
  CHECK(e.env_size == x.env_size);
  CHECK(e.old_tid == x.old_tid);
  CHECK(e.is_script);
  CHECK(e.env_scanned);
  CHECK(e.env_scan_cut);
  CHECK(e.script_path() == "/home/user/very/long/run.py");
  CHECK(decoder.stats().decoded.exec == 1);
}

TEST_CASE("exec flags clear map to false and absent LD_* variables", "[decoder]") {
  yg_exec x = RecordBuilder::exec_fixed(4);
  x.flags = 0;
  x.exe.flags = 0;
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = "/bin/true";
  // Bytes without the flag are not a value: the flag is what says "set".
  s[YG_EXEC_STR_LD_PRELOAD] = "stale";
  s[YG_EXEC_STR_LD_LIBRARY_PATH] = "stale";
  ExecEvent e = decode_exec(RecordBuilder::exec(x, s));
  CHECK_FALSE(e.ld_preload.has_value());
  CHECK_FALSE(e.ld_library_path.has_value());
  CHECK_FALSE(e.is_script);
  CHECK_FALSE(e.env_scanned);
  CHECK_FALSE(e.env_scan_cut);
  CHECK_FALSE(e.exe.deleted);
  CHECK_FALSE(e.exe.memfd);
  CHECK_FALSE(e.exe.tmpfs);
  CHECK(e.interpreter.value.empty());
  CHECK(e.script_path().empty());
}

TEST_CASE("exec stdio is decoded when the kernel read it, absent otherwise", "[decoder]") {
  yg_exec x = RecordBuilder::exec_fixed(5);
  x.stdio[0] = {0x1234, 0140777, YG_STDIO_OPEN};  // a socket
  x.stdio[1] = {0x5678, 0010600, YG_STDIO_OPEN};  // a pipe
  x.stdio[2] = {0, 0, 0};                         // closed
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = "/bin/sh";

  x.flags = YG_EXEC_STDIO;
  ExecEvent e = decode_exec(RecordBuilder::exec(x, s));
  REQUIRE(e.stdio.has_value());
  CHECK((*e.stdio)[0] == StdStream{true, 0140777, 0x1234});
  CHECK((*e.stdio)[1] == StdStream{true, 0010600, 0x5678});
  CHECK((*e.stdio)[2] == StdStream{false, 0, 0});

  // Without the flag the array holds nothing the kernel read.
  x.flags = 0;
  CHECK_FALSE(decode_exec(RecordBuilder::exec(x, s)).stdio.has_value());
}

TEST_CASE("each yg_file flag maps to its own FileInfo bool", "[decoder]") {
  struct Case {
    uint32_t flag;
    bool deleted, memfd, tmpfs;
  };
  for (const Case c :
       {Case{YG_FILE_DELETED, true, false, false}, Case{YG_FILE_MEMFD, false, true, false},
        Case{YG_FILE_TMPFS, false, false, true}}) {
    yg_exec x = RecordBuilder::exec_fixed(5);
    x.exe.flags = c.flag;
    ExecEvent e = decode_exec(RecordBuilder::exec(x, {}));
    CHECK(e.exe.deleted == c.deleted);
    CHECK(e.exe.memfd == c.memfd);
    CHECK(e.exe.tmpfs == c.tmpfs);
  }
}

TEST_CASE("comm and tty stop at the first NUL, bounded by the array", "[decoder]") {
  yg_task t = RecordBuilder::task(1);
  SECTION("a name that fills the array has no NUL and is kept whole") {
    std::memcpy(t.comm, "0123456789abcdef", YG_COMM_LEN);
    std::memset(t.tty, 'x', YG_TTY_LEN);
    RecordDecoder decoder;
    auto event = decoder.decode(RecordBuilder::fork(t, 1));
    REQUIRE(event.ok());
    CHECK(event->task().comm == "0123456789abcdef");
    CHECK(event->task().tty == std::string(YG_TTY_LEN, 'x'));
  }
  SECTION("bytes after the NUL are ignored") {
    std::memcpy(t.comm, "sh\0garbage\xff", 11);
    std::memset(t.tty, 0, YG_TTY_LEN);
    RecordDecoder decoder;
    auto event = decoder.decode(RecordBuilder::fork(t, 1));
    REQUIRE(event.ok());
    CHECK(event->task().comm == "sh");
    CHECK(event->task().tty.empty());
  }
}

TEST_CASE("exec argv keeps arbitrary bytes", "[decoder]") {
  const std::vector<std::string> args = {
      "\xff\xfe\x80",                   // not UTF-8
      "caf\xc3",                        // cut multi-byte sequence
      "",                               // empty argument
      std::string("\x01\x7f\x1b[31m"),  // control bytes
      "ok",
  };
  ExecEvent e =
      decode_exec(exec_with_args(RecordBuilder::nul_joined(args), args.size(), /*cut=*/false));
  CHECK(e.argv == args);
  CHECK_FALSE(e.args_truncated);
}

TEST_CASE("exec with 1000 arguments", "[decoder]") {
  std::vector<std::string> args;
  for (int i = 0; i < 1000; ++i) args.push_back("arg" + std::to_string(i));
  ExecEvent e = decode_exec(exec_with_args(RecordBuilder::nul_joined(args), 1000, false));
  REQUIRE(e.argv.size() == 1000);
  CHECK(e.argv == args);
  CHECK_FALSE(e.args_truncated);
  CHECK(e.argc == 1000);
}

TEST_CASE("exec with truncated args keeps the unterminated last argument", "[decoder]") {
  // The kernel cut "--output=/tmp/file" after "--out".
  std::string area = RecordBuilder::nul_joined({"cp", "-r"}) + "--out";
  ExecEvent e = decode_exec(exec_with_args(area, 4, /*cut=*/true));
  CHECK(e.argv == std::vector<std::string>{"cp", "-r", "--out"});
  CHECK(e.args_truncated);
  CHECK(e.argc == 4);

  SECTION("a cut on an argument boundary is still flagged") {
    ExecEvent at_boundary =
        decode_exec(exec_with_args(RecordBuilder::nul_joined({"cp", "-r"}), 2, true));
    CHECK(at_boundary.argv == std::vector<std::string>{"cp", "-r"});
    CHECK(at_boundary.args_truncated);
  }
}

TEST_CASE("exec with fewer captured arguments than argc is flagged truncated", "[decoder]") {
  ExecEvent e = decode_exec(exec_with_args(RecordBuilder::nul_joined({"a", "b"}), 5, false));
  CHECK(e.argv == std::vector<std::string>{"a", "b"});
  CHECK(e.args_truncated);
}

TEST_CASE("exec with empty args", "[decoder]") {
  SECTION("argc 0: nothing captured, nothing missing") {
    ExecEvent e = decode_exec(exec_with_args("", 0, false));
    CHECK(e.argv.empty());
    CHECK_FALSE(e.args_truncated);
    CHECK(e.exe_path.value == "/usr/bin/prog");
  }
  SECTION("argc 2 but no bytes captured") {
    ExecEvent e = decode_exec(exec_with_args("", 2, false));
    CHECK(e.argv.empty());
    CHECK(e.args_truncated);
  }
  SECTION("a single empty argument") {
    ExecEvent e = decode_exec(exec_with_args(std::string(1, '\0'), 1, false));
    CHECK(e.argv == std::vector<std::string>{""});
    CHECK_FALSE(e.args_truncated);
  }
}

TEST_CASE("the largest record, an exec whose strings fill the scratch area, decodes",
          "[decoder]") {
  // yg_exec has the largest fixed part of the variable-length records.
  static_assert(kMaxRecordSize == sizeof(yg_exec) + YG_SCRATCH_SIZE);
  yg_exec x = RecordBuilder::exec_fixed(6);
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = "/bin/x";
  s[YG_EXEC_STR_CWD] = std::string(0x7fff, 'c');
  s[YG_EXEC_STR_ARGS] = std::string(YG_SCRATCH_SIZE - 6 - 0x7fff, 'a');
  auto record = RecordBuilder::exec(x, s);
  REQUIRE(record.size() == kMaxRecordSize);
  ExecEvent e = decode_exec(record);
  CHECK(e.cwd.value.size() == 0x7fff);
  REQUIRE(e.argv.size() == 1);
  CHECK(e.argv[0].size() == s[YG_EXEC_STR_ARGS].size());
}

TEST_CASE("a file event whose strings fill the scratch area decodes", "[decoder]") {
  yg_file_event f = RecordBuilder::file_event_fixed(6, YG_FOP_RENAME);
  FileStrings s;
  s[YG_FILE_STR_PATH] = "/" + std::string(0x7fff - 1, 'n');
  s[YG_FILE_STR_PATH2] = "/" + std::string(YG_SCRATCH_SIZE - 0x7fff - 1, 'o');
  auto record = RecordBuilder::file_event(f, s);
  REQUIRE(record.size() == sizeof(yg_file_event) + YG_SCRATCH_SIZE);
  RecordDecoder decoder;
  auto event = decoder.decode(record);
  REQUIRE(event.ok());
  const auto& file = std::get<FileEvent>(event->body);
  CHECK(file.path.value == s[YG_FILE_STR_PATH]);
  CHECK(file.source_path.value == s[YG_FILE_STR_PATH2]);
}

// Each rejection returns an error naming its reason and moves exactly one
// counter: the stats after equal the stats before plus that one increment.
namespace {

void check_rejected(RecordDecoder& decoder, const std::vector<uint8_t>& record,
                    uint64_t RejectedCounts::*counter, RejectReason reason) {
  DecoderStats want = decoder.stats();
  ++(want.rejected.*counter);
  auto event = decoder.decode(record);
  REQUIRE_FALSE(event.ok());
  const std::string prefix = std::string(reject_reason_name(reason)) + ": ";
  INFO(event.error().message);
  CHECK(event.error().message.rfind(prefix, 0) == 0);
  CHECK(decoder.stats() == want);
}

std::vector<uint8_t> valid_exec() {
  yg_exec x = RecordBuilder::exec_fixed(2);
  x.argc = 2;
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = std::string("/bin/ls\0", 8);
  s[YG_EXEC_STR_CWD] = std::string("/\0", 2);
  s[YG_EXEC_STR_ARGS] = RecordBuilder::nul_joined({"ls", "-l"});
  return RecordBuilder::exec(x, s);
}

}  // namespace

TEST_CASE("rejections return an error and count their reason", "[decoder]") {
  RecordDecoder decoder;
  const auto fork = RecordBuilder::fork(RecordBuilder::task(1), 5);
  const auto exit = RecordBuilder::exit(RecordBuilder::task(1), 0, 5);
  const auto cred = RecordBuilder::cred(RecordBuilder::task(1), RecordBuilder::creds(1), 1, 5);
  const auto exec = valid_exec();

  SECTION("zero-size record") {
    check_rejected(decoder, {}, &RejectedCounts::truncated, RejectReason::kTruncated);
  }
  SECTION("too short for the header") {
    std::vector<uint8_t> short_record(fork.begin(), fork.begin() + sizeof(yg_header) - 1);
    check_rejected(decoder, short_record, &RejectedCounts::truncated, RejectReason::kTruncated);
  }
  SECTION("header says zero bytes") {
    auto r = fork;
    RecordBuilder::set_size(r, 0);
    check_rejected(decoder, r, &RejectedCounts::malformed, RejectReason::kMalformed);
  }
  SECTION("header.size larger than the record") {
    auto r = fork;
    RecordBuilder::set_size(r, static_cast<uint32_t>(r.size() + 8));
    check_rejected(decoder, r, &RejectedCounts::malformed, RejectReason::kMalformed);
  }
  SECTION("header.size smaller than the record") {
    auto r = exec;
    RecordBuilder::set_size(r, static_cast<uint32_t>(r.size() - 1));
    check_rejected(decoder, r, &RejectedCounts::malformed, RejectReason::kMalformed);
  }
  SECTION("fixed struct too short, for every type") {
    for (auto r : {fork, exit, cred, exec}) {
      const uint16_t type = RecordBuilder::type_of(r);
      INFO("type " << type);
      // exec cut inside its fixed part, so its len[] are not even present.
      RecordBuilder::resize(r, (type == YG_EV_EXEC ? sizeof(yg_exec) : r.size()) - 8);
      check_rejected(decoder, r, &RejectedCounts::truncated, RejectReason::kTruncated);
    }
    CHECK(decoder.stats().rejected.truncated == 4);
  }
  SECTION("just the header of a known type") {
    auto r = fork;
    RecordBuilder::resize(r, sizeof(yg_header));
    check_rejected(decoder, r, &RejectedCounts::truncated, RejectReason::kTruncated);
  }
  SECTION("fixed-size record longer than its struct") {
    for (auto r : {fork, exit, cred}) {
      RecordBuilder::resize(r, r.size() + 8);
      check_rejected(decoder, r, &RejectedCounts::malformed, RejectReason::kMalformed);
    }
  }
  SECTION("exec strings longer than the record holds") {
    auto r = exec;
    RecordBuilder::resize(r, r.size() - 1);
    check_rejected(decoder, r, &RejectedCounts::truncated, RejectReason::kTruncated);
  }
  SECTION("exec bytes left over after the strings") {
    auto r = exec;
    RecordBuilder::resize(r, r.size() + 1);
    check_rejected(decoder, r, &RejectedCounts::malformed, RejectReason::kMalformed);
  }
  SECTION("record over the hard maximum") {
    auto r = exec;
    RecordBuilder::resize(r, kMaxRecordSize + 1);
    check_rejected(decoder, r, &RejectedCounts::oversized, RejectReason::kOversized);
  }
  SECTION("oversized wins whatever the type says") {
    auto r = fork;
    RecordBuilder::resize(r, kMaxRecordSize + 64);
    RecordBuilder::set_type(r, 99);
    check_rejected(decoder, r, &RejectedCounts::oversized, RejectReason::kOversized);
  }
  SECTION("unknown types") {
    for (uint16_t type : {uint16_t{0}, uint16_t{YG_EV_TYPE_MAX}, uint16_t{99}, uint16_t{0xffff}}) {
      auto r = fork;
      RecordBuilder::set_type(r, type);
      check_rejected(decoder, r, &RejectedCounts::unknown_type, RejectReason::kUnknownType);
    }
    CHECK(decoder.stats().rejected.unknown_type == 4);
  }
  CHECK(decoder.stats().decoded.total() == 0);
}

TEST_CASE("decoder keeps going after rejections and counts per type", "[decoder]") {
  RecordDecoder decoder;
  const auto fork = RecordBuilder::fork(RecordBuilder::task(1), 5);
  const auto exit = RecordBuilder::exit(RecordBuilder::task(1), 0, 5);
  const auto cred = RecordBuilder::cred(RecordBuilder::task(1), RecordBuilder::creds(1), 2, 5);
  const auto exec = valid_exec();
  const auto unknown = [&] {
    auto r = fork;
    RecordBuilder::set_type(r, 42);
    return r;
  }();

  for (const auto* r : {&exec, &fork, &unknown, &fork, &exit, &exec, &cred, &exec}) {
    (void)decoder.decode(*r);
  }
  CHECK(decoder.decode(std::span<const uint8_t>(exec.data(), 3)).error().message.find("16") !=
        std::string::npos);

  DecoderStats want;
  want.decoded = DecodedCounts{.exec = 3, .fork = 2, .exit = 1, .cred = 1};
  want.rejected = RejectedCounts{.truncated = 1, .unknown_type = 1};
  CHECK(decoder.stats() == want);
  CHECK(decoder.stats().decoded.total() == 7);
  CHECK(decoder.stats().rejected.total() == 2);
}

TEST_CASE("reject reason names", "[decoder]") {
  CHECK(std::string(reject_reason_name(RejectReason::kTruncated)) == "truncated");
  CHECK(std::string(reject_reason_name(RejectReason::kOversized)) == "oversized");
  CHECK(std::string(reject_reason_name(RejectReason::kUnknownType)) == "unknown_type");
  CHECK(std::string(reject_reason_name(RejectReason::kMalformed)) == "malformed");
}

}  // namespace yagura
