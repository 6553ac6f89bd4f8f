#include "sensor/output/json_lines_sink.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

using namespace yagura;

namespace {

Event fork_event(uint32_t tgid) {
  Event e;
  ForkEvent f;
  f.child.key = ProcessKey{tgid, 1};
  e.body = f;
  return e;
}

JsonWriter writer() { return JsonWriter(HostIdentity{}, WallClock(0)); }

}  // namespace

TEST_CASE("JsonLinesSink writes one line per event", "[json_lines_sink]") {
  char path[] = "/tmp/yagura-sink-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  {
    auto sink = JsonLinesSink::open(path, writer());
    REQUIRE(sink);
    (*sink)->write(fork_event(10));
    (*sink)->write(fork_event(11));
    (*sink)->flush();
    CHECK((*sink)->lines() == 2);
    CHECK((*sink)->lines_lost() == 0);
  }
  std::ifstream in(path);
  std::string a, b, c;
  REQUIRE(std::getline(in, a));
  REQUIRE(std::getline(in, b));
  CHECK_FALSE(std::getline(in, c));
  CHECK(a.find("\"pid\":10") != std::string::npos);
  CHECK(b.find("\"pid\":11") != std::string::npos);
  unlink(path);
}

TEST_CASE("JsonLinesSink counts the lines a failed write lost", "[json_lines_sink]") {
  // /dev/full fails every write with ENOSPC: a full disk.
  auto sink = JsonLinesSink::open("/dev/full", writer());
  REQUIRE(sink);
  for (uint32_t i = 0; i < 3; ++i) (*sink)->write(fork_event(i + 1));
  (*sink)->flush();
  CHECK((*sink)->write_errors() == 1);
  CHECK((*sink)->lines_lost() == 3);
  (*sink)->write_line("{\"type\":\"health\"}");
  CHECK((*sink)->write_errors() == 2);
  CHECK((*sink)->lines_lost() == 4);
}

TEST_CASE("JsonLinesSink refuses a path it cannot open", "[json_lines_sink]") {
  auto sink = JsonLinesSink::open("/nonexistent-dir/events.jsonl", writer());
  REQUIRE_FALSE(sink);
  CHECK(sink.error().message.find("/nonexistent-dir/events.jsonl") != std::string::npos);
}
