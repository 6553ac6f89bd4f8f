#include "sensor/pipeline/event_gate.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/pipeline_test_support.h"

namespace yagura {
namespace {

using testing::event_of;
using testing::ScriptedJudge;

// "type@ktime" for events, the line itself for health lines.
std::vector<std::string> drain(EventQueue& q) {
  std::vector<std::string> out;
  while (auto item = q.pop()) {
    if (const auto* e = std::get_if<Event>(item.get()))
      out.push_back(std::string(event_type_name(e->body)) + "@" + std::to_string(e->ktime_ns));
    else
      out.push_back(std::get<HealthLine>(*item).json);
  }
  return out;
}

}  // namespace

TEST_CASE("event gate: the recorder gets every event, the ones the judge drops included",
          "[pipeline][recorder]") {
  ScriptedJudge judge;
  judge.drop[YG_EV_FORK] = true;
  EventQueue out(64), recorder(64);
  EventGate gate(judge, out, &recorder);
  gate.write(event_of(YG_EV_EXEC, 1));
  gate.write(event_of(YG_EV_FORK, 2));
  gate.write(event_of(YG_EV_EXIT, 3));
  gate.offer_health("{\"type\":\"health\"}");

  CHECK(drain(out) == std::vector<std::string>{"exec@1", "exit@3", "{\"type\":\"health\"}"});
  CHECK(drain(recorder) ==
        std::vector<std::string>{"exec@1", "fork@2", "exit@3", "{\"type\":\"health\"}"});
  CHECK(gate.stats().judge_dropped == 1);
  CHECK(gate.stats().recorded == 4);
}

TEST_CASE("event gate: a full recorder queue sheds and counts, output is unaffected",
          "[pipeline][recorder]") {
  ScriptedJudge judge;
  EventQueue out(64), recorder(4);  // watermark at 3: low priority stops there
  EventGate gate(judge, out, &recorder);
  for (uint64_t t = 1; t <= 10; ++t) gate.write(event_of(YG_EV_NET, t));

  CHECK(out.stats().in == 10);
  CHECK(recorder.stats().in == 3);
  CHECK(recorder.stats().shed_total() == 7);
  CHECK(gate.stats().recorded == 3);
  CHECK(drain(out).size() == 10);
}

TEST_CASE("event gate: output is done only once the recorder has caught up too",
          "[pipeline][recorder]") {
  ScriptedJudge judge;
  EventQueue out(64), recorder(64);
  EventGate gate(judge, out, &recorder);
  gate.write(event_of(YG_EV_EXEC, 1));
  out.done(drain(out).size());
  CHECK_FALSE(gate.output_done());
  recorder.done(drain(recorder).size());
  CHECK(gate.output_done());
}

}  // namespace yagura
