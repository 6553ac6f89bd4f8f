#include "sensor/pipeline/processing_stage.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/pipeline_test_support.h"
#include "tests/unit/temp_dir.h"

namespace yagura {
namespace {

using testing::eventually;
using testing::ProcessingRig;
using testing::record_of;
using testing::RecordingOutput;

constexpr uint64_t kSecond = 1'000'000'000;
constexpr std::chrono::hours kHour(1);
constexpr size_t kFull = static_cast<size_t>(ShedReason::kFull);
constexpr size_t kMark = static_cast<size_t>(ShedReason::kWatermark);

// What the event queue holds, as "type@ktime" (events) or the health line.
std::vector<std::string> drain_queue(EventQueue& q) {
  std::vector<std::string> out;
  while (auto item = q.pop()) {
    if (const auto* e = std::get_if<Event>(item.get())) {
      out.push_back(std::string(event_type_name(e->body)) + "@" + std::to_string(e->ktime_ns) +
                    (e->verdict.alerts.empty() ? "" : "!"));
    } else {
      out.push_back(std::get<HealthLine>(*item).json);
    }
  }
  return out;
}

// An exec of `path` as the kernel reports it, by a task without a tgid, so
// that the hasher opens the path.
std::vector<uint8_t> exec_of_file(const std::string& path, uint64_t ktime_ns) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  yg_exec x = RecordBuilder::exec_fixed(1);
  x.hdr.ktime_ns = ktime_ns;
  x.task = RecordBuilder::task(1);
  x.task.tgid = 0;
  x.exe.ino = st.st_ino;
  x.exe.dev = (major(st.st_dev) << 20) | minor(st.st_dev);
  x.exe.mode = st.st_mode;
  x.exe.size = static_cast<uint64_t>(st.st_size);
  x.exe.mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * kSecond +
                   static_cast<uint64_t>(st.st_mtim.tv_nsec);
  x.exe.flags = 0;
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = path;
  return RecordBuilder::exec(x, s);
}

// Keeps each event's hash.
class HashOutput final : public OutputSink {
 public:
  void write(const Event& event) override {
    hashes.push_back(
        event.enrichment.exe_sha256.value_or("none: " + event.enrichment.exe_hash_error));
  }
  void write_line(std::string_view) override {}
  void flush() override {}
  OutputSinkStats stats() const override { return {}; }
  std::vector<std::string> hashes;
};

}  // namespace

TEST_CASE("processing stage: records are decoded, judged in order and queued",
          "[processing_stage][pipeline]") {
  ProcessingRig rig;
  rig.judge.drop[YG_EV_TAMPER] = true;
  rig.judge.alert[YG_EV_FILE] = true;
  uint32_t seed = 10;
  for (size_t type : {YG_EV_EXEC, YG_EV_FORK, YG_EV_NET, YG_EV_FILE, YG_EV_TAMPER, YG_EV_EXIT}) {
    ++seed;
    REQUIRE(rig.offer(record_of(type, seed, seed)));
  }
  rig.clock.now = 5 * kSecond;

  CHECK(rig.stage.run_once() == 6);
  CHECK(rig.stage.run_once() == 0);

  CHECK(rig.judge.seen == std::vector<size_t>{YG_EV_EXEC, YG_EV_FORK, YG_EV_NET, YG_EV_FILE,
                                              YG_EV_TAMPER, YG_EV_EXIT});
  CHECK(rig.judge.times == std::vector<uint64_t>(6, 5 * kSecond));
  CHECK(drain_queue(rig.events) ==
        std::vector<std::string>{"exec@11", "fork@12", "network@13", "file@14!", "exit@16"});
  CHECK(rig.stage.stats().records_in == 6);
  CHECK(rig.gate.stats().events_in == 6);
  CHECK(rig.gate.stats().judge_dropped == 1);
  CHECK(rig.events.stats().in == 5);
  CHECK(rig.events.stats().shed_total() == 0);
}

TEST_CASE("processing stage: the event queue sheds by the judged priority",
          "[processing_stage][pipeline]") {
  ProcessingRig rig(1 << 20, 8);  // 8 events, the watermark at 6
  rig.judge.alert[YG_EV_FILE] = true;
  uint32_t seed = 0;
  auto offer = [&](size_t type) {
    ++seed;
    return rig.offer(record_of(type, seed, seed));
  };
  for (int i = 0; i < 10; ++i) REQUIRE(offer(YG_EV_NET));
  REQUIRE(offer(YG_EV_FILE));  // an alert: high
  REQUIRE(offer(YG_EV_EXEC));
  REQUIRE(offer(YG_EV_FORK));  // no room left
  CHECK(rig.stage.run_once() == 13);

  const QueueStats s = rig.events.stats();
  CHECK(s.in == 8);
  CHECK(s.shed[YG_EV_NET][kMark] == 4);
  CHECK(s.shed[YG_EV_FORK][kFull] == 1);
  CHECK(s.shed_total() == 5);
  CHECK(rig.gate.stats().events_in == s.in + s.shed_total());
  CHECK(drain_queue(rig.events) == std::vector<std::string>{"network@1", "network@2", "network@3",
                                                            "network@4", "network@5", "network@6",
                                                            "file@11!", "exec@12"});
}

TEST_CASE("processing stage: a health line when due, by the stage's clock",
          "[processing_stage][pipeline]") {
  ProcessingRig rig(1 << 20, 64, 10 * kSecond);
  rig.stage.run_once();
  CHECK(drain_queue(rig.events).empty());
  rig.clock.now += 10 * kSecond;
  rig.stage.run_once();
  rig.stage.run_once();
  CHECK(drain_queue(rig.events) == std::vector<std::string>{"health:1"});
  rig.clock.now += 5 * kSecond;
  rig.stage.run_once();
  CHECK(drain_queue(rig.events).empty());
  rig.clock.now += 5 * kSecond;
  REQUIRE(rig.offer(record_of(YG_EV_EXEC, 1, 77)));
  rig.stage.run_once();
  // After the batch: its events come first.
  CHECK(drain_queue(rig.events) == std::vector<std::string>{"exec@77", "health:2"});
  CHECK(rig.gate.stats().health_lines == 2);
}

TEST_CASE("processing stage: posted tasks run on its thread, in order, before the next batch",
          "[processing_stage][pipeline]") {
  SECTION("driven by hand") {
    ProcessingRig rig;
    std::vector<int> ran;
    rig.stage.post([&] { ran.push_back(1); });
    rig.stage.post([&] { ran.push_back(2); });
    CHECK(ran.empty());
    rig.stage.run_once();
    CHECK(ran == std::vector<int>{1, 2});
    rig.stage.run_once();
    CHECK(ran == std::vector<int>{1, 2});
  }
  SECTION("on the stage's own thread, up to stop()") {
    ProcessingRig rig;
    RecordingOutput sink;
    OutputStage output(rig.events, sink);
    REQUIRE(output.start().ok());
    REQUIRE(rig.stage.start().ok());
    std::atomic<int> ran{0};
    std::thread::id where;
    rig.stage.post([&] {
      where = std::this_thread::get_id();
      ++ran;
    });
    while (ran.load() == 0) std::this_thread::yield();
    // Posted just before stop: still run before the thread ends.
    rig.stage.post([&] { ++ran; });
    rig.stage.stop();
    output.stop();
    CHECK(ran.load() == 2);
    CHECK(where != std::this_thread::get_id());
  }
}

TEST_CASE("processing stage: the snapshot is fed before start, on the caller's thread",
          "[processing_stage][pipeline]") {
  ProcessingRig rig;
  yg_exec x = RecordBuilder::exec_fixed(3);
  x.hdr.flags = YG_HDR_SNAPSHOT;
  ExecStrings s;
  s[YG_EXEC_STR_EXE] = "/usr/sbin/sshd";
  rig.stage.feed(RecordBuilder::exec(x, s));
  CHECK(rig.stage.stats().records_in == 1);
  CHECK(rig.processor.stats().snapshot_processes == 1);
  CHECK(rig.events.stats().in == 1);
}

TEST_CASE("processing stage: shutdown drains every record and event, nothing unaccounted",
          "[processing_stage][pipeline]") {
  // A small record queue and a slow sink, so that both queues shed.
  ProcessingRig rig(64 << 10, 1024);
  rig.judge.drop[YG_EV_TAMPER] = true;
  class SlowOutput final : public OutputSink {
   public:
    void write(const Event& e) override {
      inner.write(e);
      if (inner.lines.size() % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    void write_line(std::string_view json) override { inner.write_line(json); }
    void flush() override { inner.flush(); }
    OutputSinkStats stats() const override { return inner.stats(); }
    RecordingOutput inner;
  } sink;
  OutputStage output(rig.events, sink, OutputStageOptions{16, std::chrono::milliseconds(1)});
  uint64_t lines_before_final = 0;
  rig.on_health = [&](bool final) {
    const OutputStageStats s = output.stats();
    if (final) lines_before_final = s.events + s.health_lines;
  };
  REQUIRE(output.start().ok());
  REQUIRE(rig.stage.start().ok());

  constexpr uint32_t kRecords = 30'000;
  const size_t kTypes[] = {YG_EV_EXEC, YG_EV_NET,    YG_EV_FILE, YG_EV_NET,
                           YG_EV_FORK, YG_EV_TAMPER, YG_EV_FILE, YG_EV_EXIT};
  uint64_t offered[kItemTypes] = {};
  for (uint32_t i = 1; i <= kRecords; ++i) {
    const size_t type = kTypes[i % std::size(kTypes)];
    ++offered[type];
    rig.offer(record_of(type, i, i));  // never waits, as the reader
    // Bursts, as the kernel's wake-ups give them: the queues absorb most.
    if (i % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  // The order of shutdown: producer done, then processing, then output.
  rig.stage.stop();
  output.stop();

  const QueueStats records = rig.records.stats();
  const QueueStats events = rig.events.stats();
  const EventGateStats gate = rig.gate.stats();
  const OutputStageStats out = output.stats();
  INFO("records shed " << records.shed_total() << ", events shed " << events.shed_total()
                       << ", written " << sink.inner.lines.size());

  // Records: every offered one was queued or shed, and every queued one processed.
  CHECK(records.in + records.shed_total() == kRecords);
  CHECK(records.out == records.in);
  CHECK(rig.stage.stats().records_in == records.in);
  CHECK(rig.decoder.stats().decoded.total() == records.in);
  CHECK(gate.events_in == records.in);
  // Events: judged, then queued or shed; every queued one written.
  const uint64_t events_shed = events.shed_total() - events.shed_of_type(kHealthItem);
  CHECK(gate.events_in == gate.judge_dropped + (events.in - gate.health_lines) + events_shed);
  CHECK(events.out == events.in);
  CHECK(out.events + out.health_lines == events.in);
  CHECK(sink.inner.lines.size() == events.in);
  // The final health line is the last, and counted everything before it.
  REQUIRE_FALSE(sink.inner.lines.empty());
  CHECK(sink.inner.lines.back() == "health:1:final");
  CHECK(lines_before_final == sink.inner.lines.size() - 1);
  // High priority is shed only when the queue was full.
  CHECK(records.shed_by_priority[static_cast<size_t>(Priority::kHigh)][kMark] == 0);
  CHECK(events.shed_by_priority[static_cast<size_t>(Priority::kHigh)][kMark] == 0);
  // Per type: what went in came out, or was dropped with a count.
  for (size_t type = YG_EV_EXEC; type < YG_EV_TYPE_MAX; ++type) {
    INFO(item_type_name(type));
    uint64_t written = 0;
    for (const std::string& line : sink.inner.lines)
      written += line.rfind(std::string(item_type_name(type)) + "@", 0) == 0;
    const uint64_t judged_out = type == YG_EV_TAMPER ? rig.judge.dropped : 0;
    CHECK(offered[type] ==
          written + records.shed_of_type(type) + events.shed_of_type(type) + judged_out);
  }
}

TEST_CASE("processing stage: asleep for an hour, it takes records and tasks as they come",
          "[processing_stage][pipeline]") {
  ProcessingRig rig;
  ProcessingStageOptions options = rig.stage_options(0);
  options.idle_sleep = kHour;
  ProcessingStage stage(rig.records, rig.processor, rig.gate, options);
  RecordingOutput sink;
  OutputStage output(rig.events, sink, OutputStageOptions{64, kHour});
  REQUIRE(output.start().ok());
  REQUIRE(stage.start().ok());

  REQUIRE(rig.offer(record_of(YG_EV_EXEC, 1, 11)));
  CHECK(eventually([&] { return rig.events.stats().in == 1; }));
  std::atomic<bool> ran{false};
  stage.post([&] { ran = true; });
  CHECK(eventually([&] { return ran.load(); }));
  REQUIRE(rig.offer(record_of(YG_EV_FORK, 2, 12)));
  CHECK(eventually([&] { return rig.events.stats().in == 2; }));

  stage.stop();  // wakes it: the final health line after everything
  output.stop();
  CHECK(sink.lines == std::vector<std::string>{"exec@11", "fork@12", "health:1:final"});
}

TEST_CASE("processing stage: an exec is released when its hash is done, not when its wait ends",
          "[processing_stage][pipeline]") {
  constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  testing::TempDir dir;
  const std::string exe = dir.write("exe", "abc");
  // Declared first: the hasher wakes the stage through it.
  RecordQueue records(1 << 20);
  ExeHasherOptions hasher_options;
  hasher_options.on_completion = [&records] { records.notify(); };
  ExeHasher hasher(hasher_options);
  EventQueue events(64);
  testing::ScriptedJudge judge;
  EventGate gate(judge, events);
  RecordDecoder decoder;
  ProcessTable table;
  UserNames names{testing::fake_names()};
  EventProcessorOptions processor_options;
  processor_options.hash_wait_ns = 3600 * kSecond;
  EventProcessor processor(decoder, table, names, &hasher, gate, processor_options);
  ProcessingStageOptions stage_options;
  stage_options.idle_sleep = kHour;
  ProcessingStage stage(records, processor, gate, stage_options);
  HashOutput sink;
  OutputStage output(events, sink, OutputStageOptions{64, kHour});
  REQUIRE(output.start().ok());
  REQUIRE(stage.start().ok());

  const auto exec = exec_of_file(exe, 1);
  REQUIRE(records.offer(exec, classify_record(exec)));
  // Waiting for its hash, the stage sleeps until the hash wait's end, an
  // hour away, unless the finished hash wakes it.
  CHECK(eventually([&] { return events.stats().in == 1; }));
  stage.stop();
  output.stop();
  CHECK(processor.stats().hash_waits == 1);
  CHECK(processor.stats().hash_wait_expired == 0);
  CHECK(sink.hashes == std::vector<std::string>{kAbcSha256});
}

}  // namespace yagura
