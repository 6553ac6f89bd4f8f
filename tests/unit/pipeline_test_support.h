// Fakes and fixtures for the pipeline stage tests: an OutputSink that
// records what it is given, a judge driven by event type, events of a given
// type, and the processing stage wired up without the kernel.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sensor/pipeline/event_gate.h"
#include "sensor/pipeline/event_judge.h"
#include "sensor/pipeline/event_processor.h"
#include "sensor/pipeline/event_queue.h"
#include "sensor/pipeline/item_class.h"
#include "sensor/pipeline/output_stage.h"
#include "sensor/pipeline/processing_stage.h"
#include "sensor/pipeline/record_queue.h"
#include "tests/unit/record_builder.h"

namespace yagura::testing {

// Waits for `done()`, at most a minute: a lost wake-up fails the test
// instead of hanging it (stop() then still ends the stage).
template <typename Done>
bool eventually(Done done) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (!done() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return done();
}

// What the output stage wrote, as "type@ktime" for events and the line
// itself for health. Output thread only while the stage runs.
class RecordingOutput final : public OutputSink {
 public:
  void write(const Event& event) override {
    lines.push_back(std::string(event_type_name(event.body)) + "@" +
                    std::to_string(event.ktime_ns));
    alerts.push_back(!event.verdict.alerts.empty());
  }
  void write_line(std::string_view json) override { lines.emplace_back(json); }
  void flush() override {
    ++flushes;
    flushed_lines = lines.size();
  }
  OutputSinkStats stats() const override { return OutputSinkStats{lines.size(), 0, 0}; }

  std::vector<std::string> lines;
  std::vector<bool> alerts;  // per event line
  size_t flushes = 0;
  size_t flushed_lines = 0;
};

// Drops the types in `drop` and puts an alert on the types in `alert`;
// records what it saw, in order, with the time it was given.
class ScriptedJudge final : public EventJudge {
 public:
  bool judge(Event& event, uint64_t now_ns) override {
    const size_t type = classify_event(event).type;
    seen.push_back(type);
    times.push_back(now_ns);
    if (drop[type]) {
      ++dropped;
      return false;
    }
    if (alert[type]) event.verdict.alerts.push_back(rule);
    return true;
  }
  void write_health(json::ObjectWriter& health) const override {
    json::ObjectWriter p(health.key("policy"));
    p.number("dropped", dropped);
  }

  bool drop[kItemTypes] = {};
  bool alert[kItemTypes] = {};
  std::shared_ptr<const AlertRule> rule = std::make_shared<AlertRule>(AlertRule{"r1", "test"});
  std::vector<size_t> seen;
  std::vector<uint64_t> times;
  uint64_t dropped = 0;
};

// An event of the given YG_EV_* type at ktime.
inline Event event_of(size_t type, uint64_t ktime_ns) {
  Event e;
  e.ktime_ns = ktime_ns;
  switch (type) {
    case YG_EV_EXEC:
      e.body = ExecEvent{};
      break;
    case YG_EV_FORK:
      e.body = ForkEvent{};
      break;
    case YG_EV_EXIT:
      e.body = ExitEvent{};
      break;
    case YG_EV_CRED:
      e.body = CredEvent{};
      break;
    case YG_EV_NET:
      e.body = NetEvent{};
      break;
    case YG_EV_DNS:
      e.body = DnsEvent{};
      break;
    case YG_EV_FILE:
      e.body = FileEvent{};
      break;
    default:
      e.body = TamperEvent{};
      break;
  }
  return e;
}

// A kernel record of the given type, seeded so each is distinct, at ktime.
inline std::vector<uint8_t> record_of(size_t type, uint32_t seed, uint64_t ktime_ns) {
  const yg_task task = RecordBuilder::task(seed);
  switch (type) {
    case YG_EV_FORK:
      return RecordBuilder::fork(task, ktime_ns);
    case YG_EV_EXIT:
      return RecordBuilder::exit(task, 0, ktime_ns);
    case YG_EV_CRED:
      return RecordBuilder::cred(task, task.creds, YG_CRED_SETUID, ktime_ns);
    case YG_EV_NET: {
      yg_net n = RecordBuilder::net_fixed(seed, YG_NET_CONNECT);
      n.hdr.ktime_ns = ktime_ns;
      return RecordBuilder::net(n);
    }
    case YG_EV_FILE: {
      yg_file_event f = RecordBuilder::file_event_fixed(seed, YG_FOP_OPEN);
      f.hdr.ktime_ns = ktime_ns;
      FileStrings s;
      s[YG_FILE_STR_PATH] = "/etc/x" + std::to_string(seed);
      return RecordBuilder::file_event(f, s);
    }
    case YG_EV_TAMPER: {
      yg_tamper t = RecordBuilder::tamper_fixed(seed, YG_TAMPER_UNSHARE);
      t.hdr.ktime_ns = ktime_ns;
      return RecordBuilder::tamper(t, {});
    }
    default: {
      yg_exec x = RecordBuilder::exec_fixed(seed);
      x.hdr.ktime_ns = ktime_ns;
      x.task = task;
      ExecStrings s;
      s[YG_EXEC_STR_EXE] = "/bin/true";
      return RecordBuilder::exec(x, s);
    }
  }
}

// Names from fakes: no NSS.
inline UserNamesOptions fake_names() {
  UserNamesOptions o;
  o.user_lookup = [](uint32_t id) { return "u" + std::to_string(id); };
  o.group_lookup = [](uint32_t id) { return "g" + std::to_string(id); };
  return o;
}

// A clock the test moves by hand.
struct FakeClock {
  std::atomic<uint64_t> now{1'000'000'000};
  std::function<uint64_t()> fn() {
    return [this] { return now.load(); };
  }
};

// The processing stage and everything it holds references to, without the
// kernel and without a hasher. Health lines are "health:<n>[:final]".
//
//   ProcessingRig rig;
//   rig.offer(record_of(YG_EV_EXEC, 1, 10));
//   rig.stage.run_once();
struct ProcessingRig {
  explicit ProcessingRig(size_t record_bytes = 1 << 20, size_t event_items = 1024,
                         uint64_t health_interval_ns = 0)
      : records(record_bytes),
        events(event_items),
        gate(judge, events),
        processor(decoder, table, names, nullptr, gate, processor_options()),
        stage(records, processor, gate, stage_options(health_interval_ns)) {}

  // Offers a record as the ring reader does.
  bool offer(const std::vector<uint8_t>& record) {
    return records.offer(record, classify_record(record));
  }

  EventProcessorOptions processor_options() {
    EventProcessorOptions o;
    o.read_cmdline = [](uint32_t) { return std::vector<std::string>{}; };
    return o;
  }
  ProcessingStageOptions stage_options(uint64_t health_interval_ns) {
    ProcessingStageOptions o;
    o.health_interval_ns = health_interval_ns;
    o.idle_sleep = std::chrono::milliseconds(1);
    o.clock = clock.fn();
    o.health_line = [this](uint64_t, bool final, const ProcessingStageStats&) {
      if (on_health) on_health(final);
      return "health:" + std::to_string(++health_lines) + (final ? ":final" : "");
    };
    return o;
  }

  FakeClock clock;
  int health_lines = 0;
  std::function<void(bool final)> on_health;  // called as each health line is rendered
  RecordQueue records;
  EventQueue events;
  ScriptedJudge judge;
  EventGate gate;
  RecordDecoder decoder;
  ProcessTable table;
  UserNames names{fake_names()};
  EventProcessor processor;
  ProcessingStage stage;
};

}  // namespace yagura::testing
