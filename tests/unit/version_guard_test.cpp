#include "policy/version_guard.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/unit/temp_dir.h"

using yagura::policy::AcceptedPolicy;
using yagura::policy::VersionGuard;
namespace fs = std::filesystem;

using yagura::testing::TempDir;

namespace {

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string check_error(const VersionGuard& guard, uint64_t version, const std::string& sha) {
  yagura::Status s = guard.check(version, sha, false);
  REQUIRE_FALSE(s.ok());
  return s.error().message;
}

}  // namespace

TEST_CASE("With no state file any policy is accepted", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  auto accepted = guard.accepted();
  REQUIRE(accepted.ok());
  CHECK_FALSE(accepted->has_value());
  CHECK(guard.check(1, kShaA, false).ok());
  CHECK(guard.check(0, kShaA, false).ok());
}

TEST_CASE("Restart, upgrade, rollback and a changed policy without a new version", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  REQUIRE(guard.record({42, kShaA}).ok());

  CHECK(guard.check(42, kShaA, false).ok());  // restart: same policy
  CHECK(guard.check(43, kShaB, false).ok());  // upgrade
  CHECK(check_error(guard, 41, kShaB) ==
        "policy version 41 is older than the accepted 42 (rollback); "
        "set policy.allow_rollback to force");
  CHECK_THAT(check_error(guard, 42, kShaB),
             Catch::Contains("a changed policy must carry a new version"));

  // A fresh guard on the same directory (the sensor restarted) remembers.
  VersionGuard after_restart(dir.path);
  CHECK_THAT(check_error(after_restart, 41, kShaA), Catch::Contains("(rollback)"));
}

TEST_CASE("allow_rollback forces an older or changed policy", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  REQUIRE(guard.record({42, kShaA}).ok());
  CHECK(guard.check(41, kShaB, true).ok());
  CHECK(guard.check(42, kShaB, true).ok());
  REQUIRE(guard.record({41, kShaB}).ok());
  auto accepted = guard.accepted();
  REQUIRE(accepted.ok());
  REQUIRE(accepted->has_value());
  CHECK((*accepted)->version == 41);
  CHECK((*accepted)->sha256 == kShaB);
  CHECK(guard.check(41, kShaB, false).ok());
}

TEST_CASE("A corrupt or unreadable state file fails closed", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  const std::vector<std::string> corrupt = {
      "",
      "garbage",
      "version 42\n",                                             // no sha256
      "sha256 " + kShaA + "\n",                                   // no version
      "version 4x2\nsha256 " + kShaA + "\n",                      // not a number
      "version -1\nsha256 " + kShaA + "\n",                       // not a whole number
      "version 99999999999999999999999\nsha256 " + kShaA + "\n",  // overflow
      "version 42\nsha256 " + kShaA.substr(1) + "\n",             // short hash
      "version 42\nversion 43\nsha256 " + kShaA + "\n",
  };
  for (const std::string& text : corrupt) {
    INFO(text);
    std::ofstream(guard.state_path()) << text;
    CHECK_THAT(check_error(guard, 100, kShaB), Catch::Contains(guard.state_path()) &&
                                                   Catch::Contains("corrupt") &&
                                                   Catch::Contains("allow_rollback"));
    CHECK(guard.check(100, kShaB, true).ok());
  }

  // Recording a forced policy repairs the state.
  REQUIRE(guard.record({100, kShaB}).ok());
  CHECK(guard.check(100, kShaB, false).ok());

  // Something that cannot be read as a file at all.
  fs::remove(guard.state_path());
  fs::create_directory(guard.state_path());
  CHECK_THAT(check_error(guard, 1, kShaA), Catch::Contains("not a small regular file"));
}

TEST_CASE("Unknown state keys are ignored, for a later sensor's additions", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  std::ofstream(guard.state_path()) << "version 7\nsigner abc\nsha256 " << kShaA << "\n\n";
  CHECK(guard.check(7, kShaA, false).ok());
  CHECK_FALSE(guard.check(6, kShaA, false).ok());
}

TEST_CASE("record writes the state atomically and leaves no temporary file", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  REQUIRE(guard.record({42, kShaA}).ok());
  REQUIRE(guard.record({43, kShaB}).ok());
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    names.push_back(entry.path().filename());
  }
  CHECK(names == std::vector<std::string>{"policy-state"});
  CHECK(slurp(guard.state_path()) == "version 43\nsha256 " + kShaB + "\n");
}

TEST_CASE("Bad arguments and a missing state directory are errors", "[signature]") {
  TempDir dir;
  VersionGuard guard(dir.path);
  CHECK_FALSE(guard.check(1, "ABC", false).ok());
  CHECK_FALSE(guard.check(1, std::string(64, 'A'), false).ok());
  CHECK_FALSE(guard.record({1, "not-a-hash"}).ok());

  VersionGuard nowhere(dir.path + "/missing");
  yagura::Status s = nowhere.record({1, kShaA});
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.error().message, Catch::Contains(dir.path + "/missing"));
}
