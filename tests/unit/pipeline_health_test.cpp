#include "sensor/pipeline/pipeline_health.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "sensor/pipeline/event_judge.h"

namespace yagura {
namespace {

using Json = nlohmann::json;

constexpr size_t kFull = static_cast<size_t>(ShedReason::kFull);
constexpr size_t kMark = static_cast<size_t>(ShedReason::kWatermark);
constexpr size_t kLowP = static_cast<size_t>(Priority::kLow);
constexpr size_t kHighP = static_cast<size_t>(Priority::kHigh);

Json render(const PipelineHealth& p) {
  std::string out;
  {
    json::ObjectWriter health(out);
    write_pipeline_health(health, p);
  }
  return Json::parse(out);
}

}  // namespace

TEST_CASE("pipeline health: each stage, its queue and its sheds", "[pipeline]") {
  PipelineHealth p;
  p.record_queue.capacity = 1000;
  p.record_queue.watermark = 750;
  p.record_queue.high_water = 900;
  p.record_queue.in = 40;
  p.record_queue.out = 39;
  p.record_queue.shed[kUnknownItem][kFull] = 1;
  p.record_queue.shed[YG_EV_FILE][kMark] = 5;
  p.record_queue.shed[YG_EV_EXEC][kFull] = 2;
  p.record_queue.shed_by_priority[kLowP][kMark] = 5;
  p.record_queue.shed_by_priority[kHighP][kFull] = 3;
  p.processing.records_in = 39;
  p.gate.events_in = 38;
  p.gate.judge_dropped = 4;
  p.gate.health_lines = 2;
  p.event_queue.capacity = 8;
  p.event_queue.watermark = 6;
  p.event_queue.high_water = 8;
  p.event_queue.in = 30;
  p.event_queue.out = 29;
  p.event_queue.shed[YG_EV_DNS][kMark] = 5;
  p.event_queue.shed[kHealthItem][kFull] = 1;
  p.event_queue.shed_by_priority[kLowP][kMark] = 5;
  p.event_queue.shed_by_priority[kHighP][kFull] = 1;
  p.output.events = 28;
  p.output.health_lines = 1;

  const Json got = render(p)["pipeline"];
  const Json& rq = got["record_queue"];
  CHECK(rq["capacity_bytes"] == 1000);
  CHECK(rq["watermark_bytes"] == 750);
  CHECK(rq["high_water_bytes"] == 900);
  CHECK(rq["in"] == 40);
  CHECK(rq["out"] == 39);
  CHECK(rq["shed"]["by_priority"] ==
        Json::parse(R"({"low":{"watermark":5,"full":0},"high":{"watermark":0,"full":3}})"));
  CHECK(rq["shed"]["by_type"]["unknown"] == Json::parse(R"({"watermark":0,"full":1})"));
  CHECK(rq["shed"]["by_type"]["file"] == Json::parse(R"({"watermark":5,"full":0})"));
  CHECK(rq["shed"]["by_type"]["exec"] == Json::parse(R"({"watermark":0,"full":2})"));
  // Records are never health lines.
  CHECK(rq["shed"]["by_type"].size() == 9);
  CHECK_FALSE(rq["shed"]["by_type"].contains("health"));

  CHECK(got["processing"] ==
        Json::parse(R"({"records_in":39,"events_in":38,"judge_dropped":4,"health_lines":2})"));

  const Json& eq = got["event_queue"];
  CHECK(eq["capacity"] == 8);
  CHECK(eq["watermark"] == 6);
  CHECK(eq["high_water"] == 8);
  CHECK(eq["in"] == 30);
  CHECK(eq["out"] == 29);
  CHECK(eq["shed"]["by_type"]["dns"] == Json::parse(R"({"watermark":5,"full":0})"));
  CHECK(eq["shed"]["by_type"]["health"] == Json::parse(R"({"watermark":0,"full":1})"));
  // Events always have a type.
  CHECK(eq["shed"]["by_type"].size() == 9);
  CHECK_FALSE(eq["shed"]["by_type"].contains("unknown"));

  CHECK(got["output"] == Json::parse(R"({"events":28,"health_lines":1})"));
}

TEST_CASE("the KeepAll judge keeps every event and adds nothing to health", "[pipeline]") {
  KeepAllJudge judge;
  Event e;
  e.body = NetEvent{};
  CHECK(judge.judge(e, 1));
  CHECK(e.verdict.alerts.empty());
  CHECK(e.verdict.policy_version == 0);
  std::string out;
  {
    json::ObjectWriter health(out);
    judge.write_health(health);
  }
  CHECK(out == "{}");
}

}  // namespace yagura
