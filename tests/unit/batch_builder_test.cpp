#include "uploader/batch_builder.h"

#include <catch2/catch.hpp>

using namespace yagura;
namespace pb = yagura::wire::v1;

namespace {

pb::Event event(pb::Priority priority, size_t bytes = 10) {
  pb::Event e;
  e.set_json(std::string(bytes, 'x'));
  e.set_type("exec");
  e.set_priority(priority);
  return e;
}

}  // namespace

TEST_CASE("a batch closes when it reaches its event count", "[batch]") {
  BatchBuilder b({.max_events = 3, .max_bytes = 1u << 20, .max_age_ns = 1'000'000'000});
  CHECK_FALSE(b.add(event(pb::PRIORITY_PROCESS), false, 0));
  CHECK_FALSE(b.add(event(pb::PRIORITY_PROCESS), false, 0));
  auto closed = b.add(event(pb::PRIORITY_PROCESS), true, 0);
  REQUIRE(closed);
  CHECK(closed->batch.events_size() == 3);
  CHECK(closed->priority == pb::PRIORITY_PROCESS);
  CHECK(closed->alert_events == 1);
  CHECK(closed->bytes == 30);
  CHECK(b.open_events() == 0);
}

TEST_CASE("a batch closes when its JSON reaches the byte limit", "[batch]") {
  BatchBuilder b({.max_events = 1000, .max_bytes = 100, .max_age_ns = 1'000'000'000});
  CHECK_FALSE(b.add(event(pb::PRIORITY_ACTIVITY, 60), false, 0));
  auto closed = b.add(event(pb::PRIORITY_ACTIVITY, 40), false, 0);
  REQUIRE(closed);
  CHECK(closed->batch.events_size() == 2);
  CHECK(closed->bytes == 100);
}

TEST_CASE("a batch closes by age, counted from its first event", "[batch]") {
  BatchBuilder b({.max_events = 1000, .max_bytes = 1u << 20, .max_age_ns = 1000});
  CHECK(b.close_expired(5000).empty());  // nothing open
  CHECK_FALSE(b.next_expiry_ns());
  b.add(event(pb::PRIORITY_ACTIVITY), false, 100);
  b.add(event(pb::PRIORITY_ACTIVITY), false, 900);
  CHECK(b.next_expiry_ns() == 1100u);
  CHECK(b.close_expired(1099).empty());
  auto closed = b.close_expired(1100);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].batch.events_size() == 2);
  CHECK_FALSE(b.next_expiry_ns());
  CHECK(b.close_expired(100000).empty());
}

TEST_CASE("the next expiry is the earliest open batch's, alerts' own limit included", "[batch]") {
  const uint64_t age = 10 * kAlertMaxAgeNs;
  BatchBuilder b({.max_events = 1000, .max_bytes = 1u << 20, .max_age_ns = age});
  b.add(event(pb::PRIORITY_ACTIVITY), false, 0);
  b.add(event(pb::PRIORITY_PROCESS), false, 100);
  CHECK(b.next_expiry_ns() == age);
  b.add(event(pb::PRIORITY_ALERT), true, 200);
  CHECK(b.next_expiry_ns() == 200 + kAlertMaxAgeNs);
}

TEST_CASE("priorities gather in batches of their own, alerts close sooner", "[batch]") {
  const uint64_t age = 10 * kAlertMaxAgeNs;
  BatchBuilder b({.max_events = 1000, .max_bytes = 1u << 20, .max_age_ns = age});
  b.add(event(pb::PRIORITY_ACTIVITY), false, 0);
  b.add(event(pb::PRIORITY_PROCESS), false, 0);
  b.add(event(pb::PRIORITY_ALERT), true, 0);
  b.add(event(pb::PRIORITY_UNSPECIFIED), false, 0);  // counts as activity
  CHECK(b.open_events() == 4);

  auto alerts = b.close_expired(kAlertMaxAgeNs);
  REQUIRE(alerts.size() == 1);
  CHECK(alerts[0].priority == pb::PRIORITY_ALERT);
  CHECK(alerts[0].alert_events == 1);

  auto rest = b.close_all();
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].priority == pb::PRIORITY_ACTIVITY);
  CHECK(rest[0].batch.events_size() == 2);
  CHECK(rest[1].priority == pb::PRIORITY_PROCESS);
  CHECK(b.open_events() == 0);
}
