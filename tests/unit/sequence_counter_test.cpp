#include "uploader/spool/sequence_counter.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <string>

#include "common/read_file.h"
#include "temp_dir.h"

using yagura::SequenceCounter;
using yagura::testing::TempDir;

TEST_CASE("SequenceCounter starts at 1 and continues after a reopen", "[sequence_counter]") {
  TempDir dir;
  const std::string path = dir.path + "/upload-sequence";
  {
    auto seq = SequenceCounter::open(path);
    REQUIRE(seq);
    CHECK(seq->last() == 0);
    CHECK(*seq->next() == 1);
    CHECK(*seq->next() == 2);
    CHECK(*seq->next() == 3);
  }
  CHECK(*yagura::read_file(path) == "3\n");
  auto seq = SequenceCounter::open(path);
  REQUIRE(seq);
  CHECK(seq->last() == 3);
  CHECK(*seq->next() == 4);
}

TEST_CASE("SequenceCounter numbers strictly increase across many reopens", "[sequence_counter]") {
  TempDir dir;
  const std::string path = dir.path + "/upload-sequence";
  uint64_t previous = 0;
  for (int run = 0; run < 5; ++run) {
    auto seq = SequenceCounter::open(path);
    REQUIRE(seq);
    for (int i = 0; i < 3; ++i) {
      auto n = seq->next();
      REQUIRE(n);
      CHECK(*n == previous + 1);
      previous = *n;
    }
  }
  CHECK(previous == 15);
}

TEST_CASE("SequenceCounter continues above at_least", "[sequence_counter]") {
  TempDir dir;
  const std::string path = dir.path + "/upload-sequence";
  SECTION("state file lost: the spool's highest sequence wins") {
    auto seq = SequenceCounter::open(path, 100);
    REQUIRE(seq);
    CHECK(*seq->next() == 101);
  }
  SECTION("state file behind the spool") {
    dir.write("upload-sequence", "7\n");
    auto seq = SequenceCounter::open(path, 100);
    REQUIRE(seq);
    CHECK(*seq->next() == 101);
  }
  SECTION("state file ahead of the spool") {
    dir.write("upload-sequence", "200\n");
    auto seq = SequenceCounter::open(path, 100);
    REQUIRE(seq);
    CHECK(*seq->next() == 201);
  }
}

TEST_CASE("SequenceCounter jumps above the floor next() is given, and keeps it",
          "[sequence_counter]") {
  TempDir dir;
  const std::string path = dir.path + "/upload-sequence";
  {
    auto seq = SequenceCounter::open(path);
    REQUIRE(seq);
    CHECK(*seq->next() == 1);
    CHECK(*seq->next(500) == 501);
    CHECK(*seq->next(500) == 502);  // a floor below the last number changes nothing
    CHECK(*seq->next() == 503);
  }
  auto seq = SequenceCounter::open(path);
  REQUIRE(seq);
  CHECK(*seq->next() == 504);
}

TEST_CASE("SequenceCounter refuses a state file it cannot read", "[sequence_counter]") {
  TempDir dir;
  const std::string path = dir.path + "/upload-sequence";
  for (const char* garbage :
       {"", "\n", "abc\n", "12x\n", "-1\n", " 5\n", "5\n\n", "99999999999999999999999\n"}) {
    dir.write("upload-sequence", garbage);
    INFO("content \"" << garbage << "\"");
    CHECK_FALSE(SequenceCounter::open(path, 1));
  }
  SECTION("a directory in its place") {
    const std::string sub = dir.path + "/sub";
    REQUIRE(::mkdir(sub.c_str(), 0700) == 0);
    CHECK_FALSE(SequenceCounter::open(sub));
  }
}

TEST_CASE("SequenceCounter hands out nothing it could not persist", "[sequence_counter]") {
  TempDir dir;
  const std::string path = dir.path + "/missing-dir/upload-sequence";
  auto seq = SequenceCounter::open(path, 5);
  REQUIRE(seq);  // no state file yet: fine
  CHECK_FALSE(seq->next());
  CHECK(seq->last() == 5);
  REQUIRE(::mkdir((dir.path + "/missing-dir").c_str(), 0700) == 0);
  CHECK(*seq->next() == 6);
}
