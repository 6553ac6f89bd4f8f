#include "uploader/transport/backoff.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <vector>

namespace yagura {
namespace {

using std::chrono::milliseconds;

std::vector<int64_t> take(Backoff& backoff, int n) {
  std::vector<int64_t> delays;
  for (int i = 0; i < n; ++i) delays.push_back(backoff.next().count());
  return delays;
}

TEST_CASE("backoff: each delay lies in [ceiling/2, ceiling], the ceiling doubling up to max") {
  Backoff backoff(milliseconds(100), milliseconds(5000), 1);
  int64_t ceiling = 100;
  for (int64_t delay : take(backoff, 20)) {
    CHECK(delay >= ceiling / 2);
    CHECK(delay <= ceiling);
    ceiling = std::min<int64_t>(ceiling * 2, 5000);
  }
}

TEST_CASE("backoff: delays grow until they reach max") {
  Backoff backoff(milliseconds(10), milliseconds(10'000), 2);
  std::vector<int64_t> delays = take(backoff, 14);
  // Two doublings later the lower bound (2 x ceiling) beats any earlier
  // delay, whatever the jitter; ceilings 10 ... 5120 stay under max.
  for (size_t k = 0; k + 2 <= 9; ++k) CHECK(delays[k + 2] > delays[k]);
  CHECK(delays[0] <= 10);
  for (size_t k = 10; k < delays.size(); ++k) {  // ceiling 10'240, capped
    CHECK(delays[k] >= 5000);
    CHECK(delays[k] <= 10'000);
  }
}

TEST_CASE("backoff: the jitter varies the delays at the same ceiling") {
  Backoff backoff(milliseconds(1000), milliseconds(1000), 3);
  std::vector<int64_t> delays = take(backoff, 50);
  std::set<int64_t> distinct(delays.begin(), delays.end());
  CHECK(distinct.size() > 10);
  CHECK(*std::min_element(delays.begin(), delays.end()) >= 500);
  CHECK(*std::max_element(delays.begin(), delays.end()) <= 1000);
}

TEST_CASE("backoff: the same seed gives the same delays, another seed others") {
  Backoff a(milliseconds(100), milliseconds(60'000), 42);
  Backoff b(milliseconds(100), milliseconds(60'000), 42);
  Backoff c(milliseconds(100), milliseconds(60'000), 43);
  std::vector<int64_t> from_a = take(a, 20);
  CHECK(from_a == take(b, 20));
  CHECK(from_a != take(c, 20));
}

TEST_CASE("backoff: reset starts again from the initial delay") {
  Backoff backoff(milliseconds(200), milliseconds(60'000), 4);
  take(backoff, 10);
  CHECK(backoff.next().count() >= 51'200 / 2);
  backoff.reset();
  int64_t delay = backoff.next().count();
  CHECK(delay >= 100);
  CHECK(delay <= 200);
}

TEST_CASE("backoff: never 0, also with tiny or inverted bounds") {
  Backoff tiny(milliseconds(0), milliseconds(0), 5);
  for (int64_t delay : take(tiny, 100)) CHECK(delay == 1);
  Backoff inverted(milliseconds(400), milliseconds(100), 6);
  for (int64_t delay : take(inverted, 20)) {
    CHECK(delay >= 200);
    CHECK(delay <= 400);
  }
}

}  // namespace
}  // namespace yagura
