#include "sensor/pipeline/event_processor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/unit/record_builder.h"

namespace yagura {
namespace {

constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr uint64_t kHour = 3600ull * 1'000'000'000;

class RecordingSink : public EventSink {
 public:
  void write(const Event& event) override { events.push_back(event); }
  std::vector<Event> events;
};

// Names from fakes, so tests need no NSS and see which id was looked up.
UserNamesOptions fake_names() {
  UserNamesOptions o;
  o.user_lookup = [](uint32_t id) { return "user" + std::to_string(id); };
  o.group_lookup = [](uint32_t id) { return "group" + std::to_string(id); };
  return o;
}

// The processor and the neighbours it holds references to.
struct Pipeline {
  explicit Pipeline(ExeHasher* hasher, EventProcessorOptions options = {},
                    ProcessTableOptions table_options = {})
      : table(table_options),
        names(fake_names()),
        proc(decoder, table, names, hasher, sink, std::move(options)) {}

  void push(const std::vector<uint8_t>& record, uint64_t now_ns) { proc.on_record(record, now_ns); }

  RecordDecoder decoder;
  ProcessTable table;
  UserNames names;
  RecordingSink sink;
  EventProcessor proc;
};

// What identifies an event in these tests: its type and its ktime, as
// "fork@50" (readable when a comparison fails).
using Summary = std::vector<std::string>;

Summary summary(const std::vector<Event>& events) {
  Summary out;
  for (const auto& e : events)
    out.push_back(std::string(event_type_name(e.body)) + "@" + std::to_string(e.ktime_ns));
  return out;
}

Summary first(const Summary& s, size_t n) { return Summary(s.begin(), s.begin() + n); }

const ExecEvent& exec_of(const Event& event) {
  REQUIRE(std::holds_alternative<ExecEvent>(event.body));
  return std::get<ExecEvent>(event.body);
}

std::vector<uint8_t> exec_record(const yg_task& task, uint64_t ktime_ns, const yg_file& exe,
                                 const std::string& exe_path,
                                 const std::vector<std::string>& args = {}) {
  yg_exec x = RecordBuilder::exec_fixed(1);
  x.hdr.ktime_ns = ktime_ns;
  x.task = task;
  x.exe = exe;
  x.argc = static_cast<uint32_t>(args.size());
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = exe_path;
  s[YG_EXEC_STR_CWD] = "/";
  s[YG_EXEC_STR_ARGS] = RecordBuilder::nul_joined(args);
  return RecordBuilder::exec(x, s);
}

// A task the hasher opens by path only: with tgid 0 it skips /proc/<tgid>/exe.
yg_task pathless_task(uint32_t seed) {
  yg_task t = RecordBuilder::task(seed);
  t.tgid = 0;
  return t;
}

// A directory of test files, removed with them.
class TempDir {
 public:
  TempDir() {
    char dir[] = "/tmp/event_processor_test.XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    dir_ = dir;
  }
  ~TempDir() {
    for (const auto& p : files_) ::unlink(p.c_str());
    ::rmdir(dir_.c_str());
  }

  std::string write(const std::string& name, const std::string& content) {
    std::string path = add(name);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    return path;
  }

  // A sparse file of `size` bytes: instant to make, but reading and hashing
  // it keeps the hasher's worker busy for minutes. Nothing in a test of a few
  // milliseconds sees its completion, so an exec of it waits deterministically.
  std::string sparse(const std::string& name, off_t size) {
    std::string path = add(name);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    REQUIRE(fd >= 0);
    const bool sized = ::ftruncate(fd, size) == 0;
    ::close(fd);
    REQUIRE(sized);
    return path;
  }

 private:
  std::string add(const std::string& name) {
    files_.push_back(dir_ + "/" + name);
    return files_.back();
  }
  std::string dir_;
  std::vector<std::string> files_;
};

// The file as the kernel reports it in an exec record.
yg_file kernel_file(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  yg_file f = RecordBuilder::file(0);
  f.ino = st.st_ino;
  f.dev = (major(st.st_dev) << 20) | minor(st.st_dev);
  f.mode = st.st_mode;
  f.size = static_cast<uint64_t>(st.st_size);
  f.mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ull +
               static_cast<uint64_t>(st.st_mtim.tv_nsec);
  f.flags = 0;
  return f;
}

constexpr off_t kHugeSparse = off_t{1} << 40;  // 1 TiB of holes

ExeHasherOptions slow_hasher_options() {
  ExeHasherOptions o;
  o.max_file_bytes = uint64_t{1} << 41;  // the sparse file is hashed, not refused
  o.max_seconds_per_file = 3600;
  return o;
}

}  // namespace

TEST_CASE("events come out in arrival order, enriched", "[event_processor]") {
  Pipeline p(nullptr);
  const yg_task a = RecordBuilder::task(1);
  const yg_task b = RecordBuilder::task(2);

  p.push(RecordBuilder::fork(a, 50), 1);
  p.push(exec_record(b, 40, RecordBuilder::file(1), "/bin/b"), 2);
  p.push(RecordBuilder::exit(a, 0, 30), 3);
  p.push(RecordBuilder::cred(b, RecordBuilder::creds(9), YG_CRED_SETUID, 20), 4);

  // Arrival order, not ktime order: sorting is not the processor's job.
  CHECK(summary(p.sink.events) == Summary{"fork@50", "exec@40", "exit@30", "cred@20"});
  const auto& stats = p.proc.stats();
  CHECK(stats.records == 4);
  CHECK(stats.events_out == 4);
  CHECK(stats.decode_errors == 0);
  CHECK(stats.hash_waits == 0);

  // Names come from the task's ids (creds(seed + 1000): uid +1, euid +2, gid +5).
  const Enrichment& en = p.sink.events[1].enrichment;
  CHECK(en.user_name == "user" + std::to_string(b.creds.uid));
  CHECK(en.euser_name == "user" + std::to_string(b.creds.euid));
  CHECK(en.group_name == "group" + std::to_string(b.creds.gid));
  CHECK(en.login_user_name == "user" + std::to_string(b.loginuid));
  // No hasher: nothing computed and nothing claimed.
  CHECK_FALSE(en.exe_sha256.has_value());
  CHECK(en.exe_hash_error.empty());
  // The table saw every event.
  CHECK(p.table.stats().forks == 1);
  CHECK(p.table.stats().execs == 1);
  CHECK(p.table.stats().exits == 1);
  CHECK(p.table.stats().creds == 1);
}

TEST_CASE("an unset loginuid gets no login user name", "[event_processor]") {
  Pipeline p(nullptr);
  yg_task t = RecordBuilder::task(3);
  t.loginuid = kUnsetId;
  p.push(RecordBuilder::fork(t, 1), 1);
  REQUIRE(p.sink.events.size() == 1);
  CHECK(p.sink.events[0].enrichment.login_user_name.empty());
  CHECK(p.sink.events[0].enrichment.user_name == "user" + std::to_string(t.creds.uid));
}

TEST_CASE("an exec waits for its hash and holds the events behind it", "[event_processor]") {
  TempDir dir;
  const std::string path = dir.write("exe", "abc");
  const yg_file exe = kernel_file(path);
  ExeHasher hasher;
  EventProcessorOptions options;
  options.hash_wait_ns = kHour;  // no expiry during the test
  Pipeline p(&hasher, options);

  const Summary arrival{"fork@1", "exec@2", "exit@3", "cred@4"};
  const yg_task other = RecordBuilder::task(7);
  p.push(RecordBuilder::fork(other, 1), 100);
  REQUIRE(p.sink.events.size() == 1);  // nothing ahead of it waits

  p.push(exec_record(pathless_task(8), 2, exe, path, {"exe"}), 101);
  p.push(RecordBuilder::exit(other, 0, 3), 102);
  p.push(RecordBuilder::cred(other, RecordBuilder::creds(1), YG_CRED_SETGID, 4), 103);
  CHECK(p.proc.stats().hash_waits == 1);
  CHECK(hasher.stats().submitted == 1);

  // Whatever has come out is a prefix of the arrival order. While the worker
  // has produced no completion (hashed and errors are counted before it is
  // queued), the exec and everything behind it must still be held.
  CHECK(summary(p.sink.events) == first(arrival, p.sink.events.size()));
  if (hasher.stats().hashed == 0 && hasher.stats().errors == 0) {
    CHECK(summary(p.sink.events) == first(arrival, 1));
  }

  // Released once the completion arrives; bounded so a lost completion fails
  // instead of hanging. tick()'s now stays far from the deadline.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (p.sink.events.size() < arrival.size() && std::chrono::steady_clock::now() < give_up) {
    p.proc.tick(200);
    CHECK(summary(p.sink.events) == first(arrival, p.sink.events.size()));
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(summary(p.sink.events) == arrival);
  const Enrichment& en = p.sink.events[1].enrichment;
  CHECK(en.exe_sha256 == std::optional<std::string>(kAbcSha256));
  CHECK(en.exe_hash_error.empty());
  CHECK(p.proc.stats().hash_wait_expired == 0);
  CHECK(p.proc.stats().hash_pending_forced == 0);
  CHECK(p.proc.stats().events_out == 4);

  SECTION("the next exec of the same file is answered from the cache at once") {
    p.push(exec_record(pathless_task(9), 5, exe, path), 300);
    REQUIRE(p.sink.events.size() == 5);
    CHECK(p.sink.events[4].enrichment.exe_sha256 == std::optional<std::string>(kAbcSha256));
    CHECK(p.proc.stats().hash_waits == 1);
    CHECK(hasher.stats().submitted == 1);
  }
}

TEST_CASE("a hash error from the worker is attached to the exec", "[event_processor]") {
  // The path does not exist, so the worker answers "gone": a completion all
  // the same, and the exec is released with it.
  TempDir dir;
  const std::string path = dir.write("exe", "abc");
  const yg_file exe = kernel_file(path);
  ExeHasher hasher;
  EventProcessorOptions options;
  options.hash_wait_ns = kHour;
  Pipeline p(&hasher, options);

  p.push(exec_record(pathless_task(1), 1, exe, path + ".missing"), 10);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (p.sink.events.empty() && std::chrono::steady_clock::now() < give_up) {
    p.proc.tick(20);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(p.sink.events.size() == 1);
  CHECK_FALSE(p.sink.events[0].enrichment.exe_sha256.has_value());
  CHECK(p.sink.events[0].enrichment.exe_hash_error == kHashGone);
  CHECK(p.proc.stats().hash_waits == 1);
  CHECK(p.proc.stats().hash_wait_expired == 0);
}

TEST_CASE("a hash wait expires at hash_wait_ns and releases the queue", "[event_processor]") {
  TempDir dir;
  const std::string path = dir.sparse("huge", kHugeSparse);
  ExeHasher hasher(slow_hasher_options());
  EventProcessorOptions options;
  options.hash_wait_ns = 1000;
  Pipeline p(&hasher, options);

  p.push(exec_record(pathless_task(1), 1, kernel_file(path), path), 5000);  // deadline 6000
  p.push(RecordBuilder::fork(RecordBuilder::task(2), 2), 5001);
  CHECK(p.proc.stats().hash_waits == 1);
  CHECK(p.sink.events.empty());

  p.proc.tick(5999);
  CHECK(p.sink.events.empty());
  CHECK(p.proc.stats().hash_wait_expired == 0);

  p.proc.tick(6000);
  REQUIRE(summary(p.sink.events) == Summary{"exec@1", "fork@2"});
  CHECK_FALSE(p.sink.events[0].enrichment.exe_sha256.has_value());
  CHECK(p.sink.events[0].enrichment.exe_hash_error == "hash wait expired");
  CHECK(p.sink.events[1].enrichment.exe_hash_error.empty());
  CHECK(p.proc.stats().hash_wait_expired == 1);
  CHECK(p.proc.stats().events_out == 2);
}

TEST_CASE("max_pending forces the oldest waiting exec out", "[event_processor]") {
  TempDir dir;
  const std::string path = dir.sparse("huge", kHugeSparse);
  const yg_file exe = kernel_file(path);
  ExeHasher hasher(slow_hasher_options());
  EventProcessorOptions options;
  options.hash_wait_ns = kHour;
  options.max_pending = 1;
  Pipeline p(&hasher, options);

  p.push(exec_record(pathless_task(1), 1, exe, path), 10);
  CHECK(p.sink.events.empty());
  p.push(exec_record(pathless_task(2), 2, exe, path), 11);
  REQUIRE(summary(p.sink.events) == Summary{"exec@1"});
  CHECK(p.sink.events[0].enrichment.exe_hash_error == "pending limit");
  CHECK_FALSE(p.sink.events[0].enrichment.exe_sha256.has_value());
  CHECK(p.proc.stats().hash_pending_forced == 1);
  CHECK(p.proc.stats().hash_waits == 2);
  CHECK(p.proc.stats().hash_wait_expired == 0);

  // The second still waits; flush gives it up.
  p.proc.flush();
  REQUIRE(summary(p.sink.events) == Summary{"exec@1", "exec@2"});
  CHECK(p.sink.events[1].enrichment.exe_hash_error == "sensor stopping");
  CHECK(p.proc.stats().hash_pending_forced == 1);
}

TEST_CASE("a full hasher queue sends the exec without a hash, still in order",
          "[event_processor]") {
  TempDir dir;
  const std::string huge = dir.sparse("huge", kHugeSparse);
  const std::string small = dir.write("small", "abc");
  ExeHasherOptions hasher_options = slow_hasher_options();
  hasher_options.queue_capacity = 1;
  ExeHasher hasher(hasher_options);
  EventProcessorOptions options;
  options.hash_wait_ns = 1000;
  Pipeline p(&hasher, options);

  p.push(exec_record(pathless_task(1), 1, kernel_file(huge), huge), 100);  // takes the one slot
  p.push(exec_record(pathless_task(2), 2, kernel_file(small), small), 101);
  CHECK(p.proc.stats().hash_not_queued == 1);
  CHECK(p.proc.stats().hash_waits == 1);
  CHECK(hasher.stats().rejected_queue_full == 1);
  CHECK(p.sink.events.empty());  // not waiting itself, but behind one that is

  p.proc.tick(1100);
  REQUIRE(summary(p.sink.events) == Summary{"exec@1", "exec@2"});
  CHECK(p.sink.events[0].enrichment.exe_hash_error == "hash wait expired");
  CHECK(p.sink.events[1].enrichment.exe_hash_error == "hasher busy");
  CHECK_FALSE(p.sink.events[1].enrichment.exe_sha256.has_value());
}

TEST_CASE("an exec without an executable is not hashed", "[event_processor]") {
  ExeHasher hasher;
  Pipeline p(&hasher);
  yg_exec x = RecordBuilder::exec_fixed(1);
  x.flags = YG_EXEC_NO_EXE;
  p.push(RecordBuilder::exec(x, {}), 1);
  REQUIRE(p.sink.events.size() == 1);
  CHECK(exec_of(p.sink.events[0]).no_exe);
  CHECK_FALSE(p.sink.events[0].enrichment.exe_sha256.has_value());
  CHECK(p.sink.events[0].enrichment.exe_hash_error.empty());
  CHECK(p.proc.stats().hash_waits == 0);
  CHECK(hasher.stats().submitted == 0);
}

TEST_CASE("flush releases everything pending, in order", "[event_processor]") {
  TempDir dir;
  const std::string path = dir.sparse("huge", kHugeSparse);
  ExeHasher hasher(slow_hasher_options());
  EventProcessorOptions options;
  options.hash_wait_ns = kHour;
  Pipeline p(&hasher, options);

  p.proc.flush();  // nothing pending: nothing written
  CHECK(p.sink.events.empty());

  const yg_task other = RecordBuilder::task(5);
  p.push(exec_record(pathless_task(1), 1, kernel_file(path), path), 10);
  p.push(RecordBuilder::fork(other, 2), 11);
  p.push(RecordBuilder::exit(other, 0, 3), 12);
  p.proc.tick(13);
  CHECK(p.sink.events.empty());

  p.proc.flush();
  REQUIRE(summary(p.sink.events) == Summary{"exec@1", "fork@2", "exit@3"});
  CHECK(p.sink.events[0].enrichment.exe_hash_error == "sensor stopping");
  CHECK_FALSE(p.sink.events[0].enrichment.exe_sha256.has_value());
  CHECK(p.sink.events[1].enrichment.exe_hash_error.empty());
  CHECK(p.proc.stats().events_out == 3);
  CHECK(p.proc.stats().hash_wait_expired == 0);
  CHECK(p.proc.stats().hash_pending_forced == 0);

  p.proc.flush();  // idempotent
  CHECK(p.sink.events.size() == 3);
}

TEST_CASE("snapshot records seed the table and give lineage its argv", "[event_processor]") {
  // The start-up snapshot cannot read argv from BPF; the processor asks
  // read_cmdline (here a fake) for it.
  yg_task parent = RecordBuilder::task(10);
  parent.ppid = 0;  // a root: the lineage walk ends here, complete
  parent.parent_start_ns = 0;
  yg_task child = RecordBuilder::task(20);
  child.ppid = parent.tgid;
  child.parent_start_ns = parent.start_ns;

  const std::vector<std::string> cmdline{"/usr/sbin/sshd", "-D"};
  std::vector<uint32_t> asked;
  EventProcessorOptions options;
  options.read_cmdline = [&](uint32_t tgid) {
    asked.push_back(tgid);
    return tgid == parent.tgid ? cmdline : std::vector<std::string>{};
  };
  Pipeline p(nullptr, options);

  auto snapshot = exec_record(parent, 5, RecordBuilder::file(10), "/usr/sbin/sshd");
  RecordBuilder::set_flags(snapshot, YG_HDR_SNAPSHOT);
  p.push(snapshot, 100);

  CHECK(asked == std::vector<uint32_t>{parent.tgid});
  CHECK(p.proc.stats().snapshot_processes == 1);
  CHECK(p.table.stats().execs == 0);  // seeded, not applied as an exec
  const ProcessEntry* seeded = p.table.find(ProcessKey{parent.tgid, parent.start_ns});
  REQUIRE(seeded != nullptr);
  CHECK(seeded->exe_path == "/usr/sbin/sshd");
  CHECK(seeded->argv == cmdline);
  CHECK(seeded->exec_count == 0);

  // Per the header contract, the snapshot is written too, flagged, with the
  // argv read from /proc.
  REQUIRE(p.sink.events.size() == 1);
  CHECK(p.sink.events[0].snapshot);
  const ExecEvent& snap = exec_of(p.sink.events[0]);
  CHECK(snap.argv == cmdline);
  CHECK(snap.argc == 2);
  CHECK(snap.args_size == cmdline[0].size() + 1 + cmdline[1].size() + 1);

  p.push(exec_record(child, 6, RecordBuilder::file(20), "/bin/bash", {"bash", "-i"}), 101);
  REQUIRE(p.sink.events.size() == 2);
  const Event& exec = p.sink.events[1];
  CHECK_FALSE(exec.snapshot);
  CHECK(exec_of(exec).argv == std::vector<std::string>{"bash", "-i"});
  REQUIRE(exec.enrichment.lineage.size() == 1);
  const Ancestor& up = exec.enrichment.lineage[0];
  CHECK(up.key == ProcessKey{parent.tgid, parent.start_ns});
  CHECK(up.exe_path == "/usr/sbin/sshd");
  CHECK(up.argv == cmdline);
  CHECK(exec.enrichment.lineage_complete);
  CHECK(asked.size() == 1);  // only snapshots read /proc
}

TEST_CASE("bad records are counted and produce no event", "[event_processor]") {
  Pipeline p(nullptr);
  const yg_task t = RecordBuilder::task(1);
  auto unknown = RecordBuilder::fork(t, 2);
  RecordBuilder::set_type(unknown, 42);
  const std::vector<uint8_t> short_record(3, 0);

  p.push(RecordBuilder::fork(t, 1), 1);
  p.push(short_record, 2);
  CHECK(p.proc.last_decode_error().rfind("truncated: ", 0) == 0);
  p.push(unknown, 3);
  p.push(RecordBuilder::exit(t, 0, 4), 4);

  CHECK(summary(p.sink.events) == Summary{"fork@1", "exit@4"});
  CHECK(p.proc.stats().records == 4);
  CHECK(p.proc.stats().decode_errors == 2);
  CHECK(p.proc.stats().events_out == 2);
  CHECK(p.proc.last_decode_error().rfind("unknown_type: ", 0) == 0);
  CHECK(p.decoder.stats().rejected.total() == 2);
}

// Only exec records describe snapshot processes; the flag on any other
// record is corruption, rejected by the decoder rather than trusted.
TEST_CASE("a snapshot flag on a non-exec record is rejected as malformed", "[event_processor]") {
  Pipeline p(nullptr);
  const yg_task t = RecordBuilder::task(1);
  auto flagged = RecordBuilder::fork(t, 1);
  RecordBuilder::set_flags(flagged, YG_HDR_SNAPSHOT);

  CHECK_NOTHROW(p.push(flagged, 1));
  p.push(RecordBuilder::exit(t, 0, 2), 2);
  CHECK(p.proc.stats().records == 2);
  CHECK(p.proc.stats().decode_errors == 1);
  CHECK(p.decoder.stats().rejected.malformed == 1);
  REQUIRE_FALSE(p.sink.events.empty());
  CHECK(summary(p.sink.events).back() == std::string("exit@2"));
}

namespace {

// A task as an owner-only record carries it: key, tid and comm, nothing else.
yg_task owner_only_task(const yg_task& full) {
  yg_task t{};
  t.tgid = full.tgid;
  t.tid = full.tid;
  t.start_ns = full.start_ns;
  std::memcpy(t.comm, full.comm, sizeof(t.comm));
  return t;
}

// A DNS response: example.com A 93.184.216.34, TTL 300.
std::string example_com_answer() {
  return std::string(
      "\x12\x34\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00"  // id, QR RD RA, 1 question, 1 answer
      "\x07"
      "example"
      "\x03"
      "com"
      "\x00"
      "\x00\x01\x00\x01"                                  // example.com IN A
      "\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04"  // -> example.com A, TTL 300
      "\x5d\xb8\xd8\x22",                                 // 93.184.216.34
      45);
}

const Event& only_event(const Pipeline& p) {
  REQUIRE(p.sink.events.size() == 1);
  return p.sink.events[0];
}

}  // namespace

TEST_CASE("activity events carry the acting process's image from the table", "[event_processor]") {
  Pipeline p(nullptr);
  const yg_task curl = RecordBuilder::task(1);
  p.push(exec_record(curl, 10, RecordBuilder::file(1), "/usr/bin/curl", {"curl", "-s", "x"}), 1);

  yg_net n = RecordBuilder::net_fixed(1, YG_NET_UDP_SEND);
  n.task = curl;
  p.push(RecordBuilder::net(n), 2);
  yg_file_event f = RecordBuilder::file_event_fixed(1, YG_FOP_UNLINK);
  f.task = curl;
  p.push(RecordBuilder::file_event(f, {"/tmp/x", ""}), 3);

  REQUIRE(summary(p.sink.events) == Summary{"exec@10", "network@" + std::to_string(n.hdr.ktime_ns),
                                            "file@" + std::to_string(f.hdr.ktime_ns)});
  for (size_t i : {1, 2}) {
    const Enrichment& en = p.sink.events[i].enrichment;
    REQUIRE(en.image.has_value());
    CHECK(en.image->exe_path == "/usr/bin/curl");
    CHECK(en.image->argv == std::vector<std::string>{"curl", "-s", "x"});
    CHECK(en.image->cwd == "/");
    CHECK(en.user_name == "user" + std::to_string(curl.creds.uid));
    CHECK(en.lineage.empty());  // the table knows no parent of curl
    CHECK_FALSE(en.lineage_complete);
  }
  CHECK_FALSE(p.sink.events[0].enrichment.image.has_value());  // exec carries its own

  SECTION("a process the table does not know gets no image") {
    yg_net other = RecordBuilder::net_fixed(2, YG_NET_LISTEN);
    p.push(RecordBuilder::net(other), 4);
    CHECK_FALSE(p.sink.events.back().enrichment.image.has_value());
    CHECK(p.sink.events.back().enrichment.user_name ==
          "user" + std::to_string(other.task.creds.uid));
  }
}

TEST_CASE("every type carries the lineage of its process", "[event_processor]") {
  Pipeline p(nullptr);
  yg_task nginx = RecordBuilder::task(30);
  nginx.ppid = 0;  // a root: the walk ends here, complete
  nginx.parent_start_ns = 0;
  yg_task sh = RecordBuilder::task(31);
  sh.ppid = nginx.tgid;
  sh.parent_start_ns = nginx.start_ns;
  p.push(exec_record(nginx, 10, RecordBuilder::file(30), "/usr/sbin/nginx", {"nginx"}), 1);
  p.push(RecordBuilder::fork(sh, 20), 2);
  p.push(exec_record(sh, 30, RecordBuilder::file(31), "/bin/sh", {"sh", "-c", "id"}), 3);
  yg_net n = RecordBuilder::net_fixed(31, YG_NET_UDP_SEND);
  n.task = sh;
  p.push(RecordBuilder::net(n), 4);
  yg_file_event f = RecordBuilder::file_event_fixed(31, YG_FOP_UNLINK);
  f.task = sh;
  p.push(RecordBuilder::file_event(f, {"/tmp/x", ""}), 5);
  yg_tamper t = RecordBuilder::tamper_fixed(31, YG_TAMPER_UNSHARE);
  t.task = sh;
  p.push(RecordBuilder::tamper(t, {}), 6);
  p.push(RecordBuilder::exit(sh, 0, 70), 7);

  REQUIRE(p.sink.events.size() == 7);
  for (size_t i = 1; i < p.sink.events.size(); ++i) {
    INFO(event_type_name(p.sink.events[i].body));
    const Enrichment& en = p.sink.events[i].enrichment;
    REQUIRE(en.lineage.size() == 1);
    CHECK(en.lineage[0].key == ProcessKey{nginx.tgid, nginx.start_ns});
    CHECK(en.lineage[0].exe_path == "/usr/sbin/nginx");
    CHECK(en.lineage[0].argv == std::vector<std::string>{"nginx"});
    CHECK(en.lineage_complete);
  }

  SECTION("a fork's lineage starts at the forking process, even after a reaper was named") {
    yg_task late = RecordBuilder::task(32);
    late.ppid = 1;  // reparented to init by the time it exited
    late.parent_start_ns = 1;
    p.push(RecordBuilder::exit(late, 0, 80), 8);
    late.ppid = nginx.tgid;
    late.parent_start_ns = nginx.start_ns;
    p.push(RecordBuilder::fork(late, 75), 9);
    const Event& fork = p.sink.events.back();
    REQUIRE(std::holds_alternative<ForkEvent>(fork.body));
    REQUIRE(fork.enrichment.lineage.size() == 1);
    CHECK(fork.enrichment.lineage[0].key == ProcessKey{nginx.tgid, nginx.start_ns});
  }
}

TEST_CASE("owner-only events get the rest of their task from the table", "[event_processor]") {
  Pipeline p(nullptr);
  const yg_task curl = RecordBuilder::task(3);
  p.push(exec_record(curl, 10, RecordBuilder::file(1), "/usr/bin/curl", {"curl"}), 1);

  yg_net n = RecordBuilder::net_fixed(3, YG_NET_CONNECT);
  n.hdr.flags = YG_HDR_OWNER_ONLY;
  n.task = owner_only_task(curl);
  p.push(RecordBuilder::net(n), 2);

  REQUIRE(p.sink.events.size() == 2);
  const Event& ev = p.sink.events[1];
  CHECK(ev.owner_only);
  CHECK(ev.enrichment.task_completed);
  const TaskInfo& t = ev.task();
  CHECK(t.key == ProcessKey{curl.tgid, curl.start_ns});
  CHECK(t.tid == curl.tid);
  CHECK(t.parent == ProcessKey{curl.ppid, curl.parent_start_ns});
  CHECK(t.creds.uid == curl.creds.uid);
  CHECK(t.creds.cap_effective == curl.creds.cap_effective);
  CHECK(t.loginuid == curl.loginuid);
  CHECK(t.sessionid == curl.sessionid);
  CHECK(t.pid_ns == curl.pid_ns);
  CHECK(t.mnt_ns == curl.mnt_ns);
  CHECK(t.cgroup_id == curl.cgroup_id);
  CHECK(t.tty == "pts3");
  CHECK(t.comm == "bash");
  CHECK(ev.enrichment.user_name == "user" + std::to_string(curl.creds.uid));
  CHECK(ev.enrichment.login_user_name == "user" + std::to_string(curl.loginuid));
  REQUIRE(ev.enrichment.image.has_value());
  CHECK(ev.enrichment.image->exe_path == "/usr/bin/curl");
  CHECK(p.proc.stats().owner_unknown == 0);

  SECTION("an owner the table does not know keeps its bare task, and no names") {
    yg_net unknown = RecordBuilder::net_fixed(4, YG_NET_CLOSE);
    unknown.hdr.flags = YG_HDR_OWNER_ONLY;
    unknown.task = owner_only_task(RecordBuilder::task(4));
    p.push(RecordBuilder::net(unknown), 3);
    const Event& bare = p.sink.events.back();
    CHECK(bare.owner_only);
    CHECK_FALSE(bare.enrichment.task_completed);
    CHECK(bare.task().creds.uid == 0);
    CHECK(bare.enrichment.user_name.empty());  // not "root" for a uid nobody reported
    CHECK(bare.enrichment.group_name.empty());
    CHECK(p.proc.stats().owner_unknown == 1);
  }
}

TEST_CASE("DNS answers are parsed and name later outbound connections", "[event_processor]") {
  Pipeline p(nullptr);
  yg_dns answer = RecordBuilder::dns_fixed(5, YG_DNS_ANSWER, example_com_answer());
  answer.hdr.flags = YG_HDR_OWNER_ONLY;
  p.push(RecordBuilder::dns(answer), 1);

  const auto& dns = std::get<DnsEvent>(only_event(p).body);
  CHECK_FALSE(dns.malformed);
  CHECK(dns.id == 0x1234);
  CHECK(dns.rcode == 0);
  REQUIRE(dns.questions.size() == 1);
  CHECK(dns.questions[0].name == "example.com");
  CHECK(dns.questions[0].type == 1);
  REQUIRE(dns.answers.size() == 1);
  CHECK(dns.answers[0].name == "example.com");
  CHECK(dns.answers[0].data == "93.184.216.34");
  CHECK(dns.answers[0].ttl == 300);

  yg_net connect = RecordBuilder::net_fixed(5, YG_NET_CONNECT);  // to 93.184.216.34:443
  connect.hdr.ktime_ns = answer.hdr.ktime_ns + 1'000'000;
  p.push(RecordBuilder::net(connect), 2);
  CHECK(p.sink.events.back().enrichment.destination_domains ==
        std::vector<std::string>{"example.com"});

  SECTION("a connect through a dual-stack socket (v4-mapped) finds the A record") {
    yg_net v6 = connect;
    v6.family = AF_INET6;
    v6.remote =
        RecordBuilder::ipv6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 93, 184, 216, 34}, 443);
    p.push(RecordBuilder::net(v6), 3);
    CHECK(p.sink.events.back().enrichment.destination_domains ==
          std::vector<std::string>{"example.com"});
  }
  SECTION("inbound connections are not named") {
    yg_net accept = RecordBuilder::net_fixed(5, YG_NET_ACCEPT);
    accept.remote = connect.remote;
    p.push(RecordBuilder::net(accept), 3);
    CHECK(p.sink.events.back().enrichment.destination_domains.empty());
  }
  SECTION("a query leaving this host teaches nothing") {
    Pipeline q(nullptr);
    q.push(RecordBuilder::dns(RecordBuilder::dns_fixed(5, YG_DNS_QUERY, example_com_answer())), 1);
    q.push(RecordBuilder::net(connect), 2);
    CHECK(q.sink.events.back().enrichment.destination_domains.empty());
  }
}

TEST_CASE("a DNS payload the parser rejects is still written, flagged", "[event_processor]") {
  Pipeline p(nullptr);
  p.push(RecordBuilder::dns(RecordBuilder::dns_fixed(6, YG_DNS_ANSWER, "not dns")), 1);
  const auto& dns = std::get<DnsEvent>(only_event(p).body);
  CHECK(dns.malformed);
  CHECK_FALSE(dns.error.empty());
  CHECK(dns.questions.empty());
  CHECK(p.proc.stats().dns_malformed == 1);
  CHECK(p.proc.stats().events_out == 1);
}

TEST_CASE("file paths joined lexically come out normalized", "[event_processor]") {
  Pipeline p(nullptr);
  yg_file_event f = RecordBuilder::file_event_fixed(7, YG_FOP_OPEN);
  f.flags = YG_FOP_LEXICAL | YG_FOP_UNNORMALIZED | YG_FOP_WRITE;
  p.push(RecordBuilder::file_event(f, {"/var/www/uploads/../../../etc/./cron.d/x", ""}), 1);
  const auto& file = std::get<FileEvent>(only_event(p).body);
  CHECK(file.path.value == "/etc/cron.d/x");
  CHECK(file.path_as_given ==
        std::optional<std::string>("/var/www/uploads/../../../etc/./cron.d/x"));
}

TEST_CASE("tamper targets are resolved to processes", "[event_processor]") {
  constexpr uint32_t kInitPidNs = 0xeffffffc;
  Pipeline p(nullptr);
  const yg_task sshd = RecordBuilder::task(8);
  p.push(exec_record(sshd, 10, RecordBuilder::file(8), "/usr/sbin/sshd"), 1);

  yg_tamper t = RecordBuilder::tamper_fixed(9, YG_TAMPER_PTRACE);
  t.task.pid_ns = kInitPidNs;
  t.arg[0] = 16;  // PTRACE_ATTACH
  t.arg[1] = sshd.tgid;
  p.push(RecordBuilder::tamper(t, {}), 2);
  const Enrichment& en = p.sink.events.back().enrichment;
  REQUIRE(en.target.has_value());
  CHECK(en.target->key == ProcessKey{sshd.tgid, sshd.start_ns});
  CHECK(en.target->exe_path == "/usr/sbin/sshd");

  SECTION("a pid from another pid namespace is not looked up") {
    t.task.pid_ns = kInitPidNs + 1;
    p.push(RecordBuilder::tamper(t, {}), 3);
    const Enrichment& other = p.sink.events.back().enrichment;
    REQUIRE(other.target.has_value());
    CHECK_FALSE(other.target->key.valid());
    CHECK(other.target->exe_path.empty());
  }
  SECTION("kill names its receiver by key, with the receiver's user") {
    yg_tamper k = RecordBuilder::tamper_fixed(9, YG_TAMPER_KILL);
    k.arg[0] = 9;
    k.target_tgid = sshd.tgid;
    k.target_start_ns = sshd.start_ns;
    k.target_uid = 0;
    p.push(RecordBuilder::tamper(k, {}), 3);
    const Enrichment& kill = p.sink.events.back().enrichment;
    REQUIRE(kill.target.has_value());
    CHECK(kill.target->key == ProcessKey{sshd.tgid, sshd.start_ns});
    CHECK(kill.target->exe_path == "/usr/sbin/sshd");
    CHECK(kill.target->user_name == "user0");
  }
  SECTION("ops without a target have none") {
    p.push(RecordBuilder::tamper(RecordBuilder::tamper_fixed(9, YG_TAMPER_UNSHARE), {}), 3);
    CHECK_FALSE(p.sink.events.back().enrichment.target.has_value());
  }
}

TEST_CASE("tick expires exited processes, once per expire_interval", "[event_processor]") {
  EventProcessorOptions options;
  options.expire_interval_ns = 1000;
  ProcessTableOptions table_options;
  table_options.exited_grace_ns = 100;
  Pipeline p(nullptr, options, table_options);
  const yg_task t = RecordBuilder::task(1);
  const ProcessKey key{t.tgid, t.start_ns};

  p.push(RecordBuilder::fork(t, 10), 10);
  p.push(RecordBuilder::exit(t, 0, 20), 20);
  REQUIRE(p.table.find(key) != nullptr);

  p.proc.tick(50);  // expires now, within the grace window; next run at 1050
  CHECK(p.table.find(key) != nullptr);
  p.proc.tick(500);  // past the grace window, but before the next run
  CHECK(p.table.find(key) != nullptr);
  p.proc.tick(1050);
  CHECK(p.table.find(key) == nullptr);
  CHECK(p.table.stats().expired == 1);
}

}  // namespace yagura
