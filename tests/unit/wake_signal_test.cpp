#include "sensor/pipeline/wake_signal.h"

#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>

namespace yagura {
namespace {

using namespace std::chrono_literals;

// Waits for `done`, at most `limit`: a lost wake-up fails the test instead
// of hanging it.
bool eventually(const std::atomic<bool>& done, std::chrono::seconds limit = 20s) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done.load() && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(1ms);
  return done.load();
}

// What a consumer thread shares with the test. Held by shared_ptr, so that
// a consumer that never wakes can be left behind (detached) safely.
struct Parked {
  WakeSignal signal;
  std::atomic<bool> work{false};
  std::atomic<int> looked{0};  // calls of ready()
  std::atomic<bool> returned{false};
  std::atomic<bool> woken{false};  // wait_for()'s result
};

// Starts a consumer that waits for `work`, with `timeout`.
std::thread consumer(const std::shared_ptr<Parked>& p, std::chrono::nanoseconds timeout) {
  return std::thread([p, timeout] {
    p->woken = p->signal.wait_for(timeout, [&] {
      ++p->looked;
      return p->work.load();
    });
    p->returned = true;
  });
}

// Joins a consumer that returned; leaves one that did not behind.
void finish(std::thread& t, const std::shared_ptr<Parked>& p) {
  if (p->returned.load()) {
    t.join();
  } else {
    t.detach();
  }
}

}  // namespace

TEST_CASE("wake signal: a consumer parked for an hour wakes for work another thread publishes",
          "[wake_signal][pipeline]") {
  const auto timeout = GENERATE(std::chrono::nanoseconds(1h), WakeSignal::kForever);
  auto p = std::make_shared<Parked>();
  std::thread t = consumer(p, timeout);
  // It found nothing and is parking (or parked): the race notify() must win.
  while (p->looked.load() == 0) std::this_thread::yield();
  p->work = true;
  p->signal.notify();
  const bool returned = eventually(p->returned);
  finish(t, p);
  REQUIRE(returned);
  CHECK(p->woken.load());  // by notify(), not by the timeout
}

TEST_CASE("wake signal: work published before the wait returns at once",
          "[wake_signal][pipeline]") {
  WakeSignal signal;
  signal.notify();  // nobody parked: nothing to do
  int looked = 0;
  CHECK(signal.wait_for(1h, [&] { return ++looked > 0; }));
  CHECK(looked == 1);
}

TEST_CASE("wake signal: a wait with nothing to do times out", "[wake_signal][pipeline]") {
  WakeSignal signal;
  CHECK_FALSE(signal.wait_for(1ms, [] { return false; }));
  CHECK_FALSE(signal.wait_for(-1s, [] { return false; }));  // a deadline already past
  // A notify() that came to nobody does not end the next wait.
  signal.notify();
  CHECK_FALSE(signal.wait_for(1ms, [] { return false; }));
}

TEST_CASE("wake signal: a consumer that sleeps whenever a queue is empty misses no item",
          "[wake_signal][pipeline]") {
  constexpr uint64_t kItems = 200'000;
  struct Shared {
    WakeSignal signal;
    boost::lockfree::spsc_queue<uint64_t> queue{64};
    std::atomic<bool> produced{false};
    std::atomic<bool> returned{false};
    uint64_t consumed = 0, out_of_order = 0, parks = 0;
  };
  auto s = std::make_shared<Shared>();
  // The consumer never times out: a lost wake-up would leave it asleep.
  std::thread consumer([s] {
    uint64_t last = 0;
    for (;;) {
      uint64_t v;
      while (s->queue.pop(v)) {
        s->out_of_order += v != last + 1;
        last = v;
        ++s->consumed;
      }
      if (s->produced.load() && s->queue.read_available() == 0) break;
      ++s->parks;
      s->signal.wait_for(WakeSignal::kForever,
                         [&] { return s->queue.read_available() > 0 || s->produced.load(); });
    }
    s->returned = true;
  });
  // Bounded, so that a consumer that stopped taking items fails the test.
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  bool stalled = false;
  for (uint64_t v = 1; v <= kItems && !stalled; ++v) {
    while (!s->queue.push(v)) {  // full: the consumer is behind
      stalled = std::chrono::steady_clock::now() > give_up;
      if (stalled) break;
      std::this_thread::yield();
    }
    s->signal.notify();
    if (v % 256 == 0) std::this_thread::yield();  // now and then, let the consumer go idle
  }
  CHECK_FALSE(stalled);
  s->produced = true;
  s->signal.notify();
  const bool returned = eventually(s->returned);
  if (returned) {
    consumer.join();
  } else {
    consumer.detach();
  }
  REQUIRE(returned);
  INFO("the consumer parked " << s->parks << " times");
  CHECK(s->consumed == kItems);
  CHECK(s->out_of_order == 0);
}

}  // namespace yagura
