#include "sensor/control/file_watch.h"

#include <poll.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/unit/temp_dir.h"

using namespace yagura;
namespace fs = std::filesystem;

using yagura::testing::TempDir;

namespace {

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

}  // namespace

TEST_CASE("file watch sees writes, atomic replaces and creation of its files", "[control]") {
  TempDir dir;
  const std::string policy = dir.path + "/policy.yaml";
  const std::string sig = policy + ".sig";
  write(policy, "v1");
  auto watch = FileWatch::open({policy, sig});
  REQUIRE(watch);
  CHECK_FALSE(watch->changed());

  write(policy, "v2");
  CHECK(watch->changed());
  CHECK_FALSE(watch->changed());  // drained

  write(dir.path + "/next.tmp", "v3");
  CHECK_FALSE(watch->changed());  // another file in the directory
  fs::rename(dir.path + "/next.tmp", policy);
  CHECK(watch->changed());

  write(sig, "signature");  // did not exist when the watch began
  CHECK(watch->changed());

  fs::remove(policy);
  CHECK(watch->changed());
}

TEST_CASE("file watch: its fd is readable once a watched file changes, for poll()", "[control]") {
  TempDir dir;
  const std::string policy = dir.path + "/policy.yaml";
  auto watch = FileWatch::open({policy});
  REQUIRE(watch);
  pollfd p{watch->fd(), POLLIN, 0};
  CHECK(::poll(&p, 1, 0) == 0);  // nothing yet
  write(policy, "v1");
  // The event is queued by the time the write returns; the timeout only
  // bounds a failure.
  CHECK(::poll(&p, 1, 10'000) == 1);
  CHECK(watch->changed());
  CHECK(::poll(&p, 1, 0) == 0);  // changed() drained it
}

TEST_CASE("file watch refuses a directory that does not exist", "[control]") {
  auto watch = FileWatch::open({"/nonexistent-yagura-dir/policy.yaml"});
  REQUIRE_FALSE(watch);
  CHECK(watch.error().message.find("/nonexistent-yagura-dir") != std::string::npos);
}
