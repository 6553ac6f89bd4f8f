#include "sensor/recorder/journal_writer.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "journal_test_support.h"
#include "sensor/recorder/journal_head.h"

using namespace yagura;
using namespace yagura::testing::journal_test;
namespace fs = std::filesystem;

namespace {

// Small, so a few hundred records make many blocks and segments.
JournalLimits small_limits() {
  return JournalLimits{.block_bytes = 2048, .segment_bytes = 4096, .max_bytes = 1ull << 30};
}

uint64_t journal_bytes(const std::string& dir) {
  uint64_t total = 0;
  for (uint64_t n : segment_numbers(dir)) total += fs::file_size(segment_path(dir, n));
  return total;
}

}  // namespace

TEST_CASE("journal: records come back in order across blocks and segments", "[journal]") {
  JournalDir dir;
  const std::string jdir = dir.path + "/journal";
  {
    JournalWriter w = open_writer(jdir, small_limits());
    append_range(w, 1, 600);
    REQUIRE(w.flush());
    const JournalStats st = w.stats();
    CHECK(st.records_appended == 600);
    CHECK(st.records_written == 600);
    CHECK(st.records_lost == 0);
    CHECK(st.last_seq == 600);
    CHECK(st.segments > 4);
    CHECK(st.blocks_written > 20);
    CHECK(st.bytes == journal_bytes(jdir));
    CHECK(st.head_segment == segment_numbers(jdir).back());
  }
  struct stat st {};
  REQUIRE(::stat(jdir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  const Scanned s = scan_all(jdir);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK_FALSE(s.scan.tail_incomplete);
  CHECK(seqs(s) == range(1, 600));
  check_contents(s);
  for (const Read& r : s.records) CHECK(r.record.chained);
  CHECK(s.scan.first_seq == 1);
  CHECK(s.scan.last_seq == 600);
  CHECK(s.scan.first_time_ns == time_of(1));
  CHECK(s.scan.last_time_ns == time_of(600));
  CHECK(s.scan.segments == segment_numbers(jdir).size());
  CHECK(s.scan.head_chain == s.scan.last_chain);
  CHECK(s.scan.head_chain.size() == 64);
}

TEST_CASE("journal: seq and chain continue after reopening, buffered records written at close",
          "[journal]") {
  JournalDir dir;
  std::string chain;
  {
    JournalWriter w = open_writer(dir.path, small_limits());
    append_range(w, 1, 150);
    // No flush: closing the writer writes what is buffered.
  }
  {
    JournalWriter w = open_writer(dir.path, small_limits());
    CHECK(w.stats().last_seq == 150);
    append_range(w, 151, 300);
    REQUIRE(w.flush());
    CHECK(w.stats().last_seq == 300);
    chain = w.stats().chain_hex;
  }
  {
    JournalWriter w = open_writer(dir.path, small_limits());
    append_range(w, 301, 310);
  }
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK(seqs(s) == range(1, 310));
  check_contents(s);
  CHECK(s.records.back().record.chained);
}

TEST_CASE("journal: a torn last block is cut at open, appends continue after the last whole one",
          "[journal]") {
  JournalDir dir;
  const std::string jdir = dir.path + "/j";
  const JournalLimits limits{.block_bytes = 2048, .segment_bytes = 1 << 20, .max_bytes = 1 << 30};
  std::string head_before, segment;
  uint64_t block_offset = 0;
  {
    JournalWriter w = open_writer(jdir, limits);
    append_range(w, 1, 100);
    REQUIRE(w.flush());
    head_before = read_bytes(jdir + "/head");
    append_range(w, 101, 101);  // the last block: one record
    REQUIRE(w.flush());
  }
  REQUIRE(segment_numbers(jdir) == std::vector<uint64_t>{1});
  segment = read_bytes(segment_path(jdir, 1));
  const std::vector<BlockAt> blocks = blocks_of(segment_path(jdir, 1));
  REQUIRE(blocks.back().header.fields.first_seq == 101);
  block_offset = blocks.back().offset;
  REQUIRE(blocks.back().end == segment.size());

  // Every offset in the header (a cut header), then a dense sample of the payload.
  std::vector<uint64_t> cuts;
  for (uint64_t at = block_offset; at < segment.size(); at += at < block_offset + 96 ? 1 : 5)
    cuts.push_back(at);
  cuts.push_back(segment.size() - 1);

  for (uint64_t cut : cuts) {
    INFO("cut at " << cut << " (block at " << block_offset << ", end " << segment.size() << ")");
    // A crash after part of the block reached the disk, before the head said so.
    write_bytes(segment_path(jdir, 1), segment.substr(0, cut));
    write_bytes(jdir + "/head", head_before);
    {
      JournalWriter w = open_writer(jdir, limits);
      CHECK(w.stats().tail_bytes_cut == cut - block_offset);
      CHECK(w.stats().last_seq == 100);
      CHECK(fs::file_size(segment_path(jdir, 1)) == block_offset);
      append_range(w, 101, 101);
      REQUIRE(w.flush());
    }
    const Scanned s = scan_all(jdir);
    INFO(problems_text(s.scan));
    REQUIRE(s.scan.ok);
    REQUIRE(seqs(s) == range(1, 101));
    check_contents(s);
    REQUIRE(s.records.back().record.chained);
  }
}

TEST_CASE("journal: a segment whose creation a crash cut short is removed at open", "[journal]") {
  JournalDir dir;
  {
    JournalWriter w = open_writer(dir.path, small_limits());
    append_range(w, 1, 40);
  }
  const uint64_t newest = segment_numbers(dir.path).back();
  write_bytes(segment_path(dir.path, newest + 1), std::string(30, '\0'));
  {
    JournalWriter w = open_writer(dir.path, small_limits());
    append_range(w, 41, 60);
  }
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK(seqs(s) == range(1, 60));
}

TEST_CASE("journal: damage inside durably written data is left for the reader, not cut",
          "[journal]") {
  JournalDir dir;
  const JournalLimits limits{.block_bytes = 2048, .segment_bytes = 1 << 20, .max_bytes = 1 << 30};
  {
    JournalWriter w = open_writer(dir.path, limits);
    append_range(w, 1, 100);
  }
  const std::string path = segment_path(dir.path, 1);
  const std::vector<BlockAt> blocks = blocks_of(path);
  REQUIRE(blocks.size() >= 3);
  std::string bytes = read_bytes(path);
  bytes[blocks[1].offset + journal::kBlockHeaderSize + 7] ^= 0x01;
  write_bytes(path, bytes);
  {
    JournalWriter w = open_writer(dir.path, limits);
    CHECK(w.stats().tail_bytes_cut == 0);
    CHECK(w.stats().last_seq == 100);
    append_range(w, 101, 110);
  }
  CHECK(read_bytes(path) == bytes);
  CHECK(segment_numbers(dir.path) == std::vector<uint64_t>{1, 2});

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  REQUIRE(s.scan.problems.size() == 1);
  CHECK(s.scan.problems[0].kind == JournalProblem::Kind::kBlockChecksum);
  std::vector<uint64_t> expected = range(1, blocks[1].header.fields.first_seq - 1);
  for (uint64_t seq = blocks[1].header.fields.last_seq() + 1; seq <= 110; ++seq)
    expected.push_back(seq);
  CHECK(seqs(s) == expected);
}

TEST_CASE("journal: a restart after truncation below the head keeps the evidence", "[journal]") {
  JournalDir dir;
  const JournalLimits limits{.block_bytes = 2048, .segment_bytes = 1 << 20, .max_bytes = 1 << 30};
  {
    JournalWriter w = open_writer(dir.path, limits);
    append_range(w, 1, 100);
  }
  const std::string path = segment_path(dir.path, 1);
  const std::vector<BlockAt> blocks = blocks_of(path);
  const uint64_t cut_seq = blocks[blocks.size() - 2].header.fields.first_seq;
  fs::resize_file(path, blocks[blocks.size() - 2].offset);  // two whole blocks gone
  {
    JournalWriter w = open_writer(dir.path, limits);
    // Seqs are not reused, and appends do not follow the cut.
    CHECK(w.stats().last_seq == 100);
    append_range(w, 101, 110);
  }
  CHECK(segment_numbers(dir.path) == std::vector<uint64_t>{1, 2});
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  std::vector<JournalProblem::Kind> kinds;
  for (const JournalProblem& p : s.scan.problems) kinds.push_back(p.kind);
  CHECK(kinds == std::vector<JournalProblem::Kind>{JournalProblem::Kind::kChainMismatch,
                                                   JournalProblem::Kind::kSeqGap});
  std::vector<uint64_t> expected = range(1, cut_seq - 1);
  for (uint64_t seq = 101; seq <= 110; ++seq) expected.push_back(seq);
  CHECK(seqs(s) == expected);
}

TEST_CASE("journal: retention by size removes the oldest segments, and the reader accepts it",
          "[journal]") {
  JournalDir dir;
  const JournalLimits limits{.block_bytes = 2048, .segment_bytes = 4096, .max_bytes = 16384};
  JournalWriter w = open_writer(dir.path, limits);
  append_range(w, 1, 800);
  REQUIRE(w.flush());
  const JournalStats st = w.stats();
  CHECK(st.segments_removed_for_size > 0);
  CHECK(st.segments_removed_for_age == 0);
  CHECK(st.records_lost == 0);
  // Within the bound, give or take the block that overfills the newest segment.
  CHECK(journal_bytes(dir.path) <= limits.max_bytes + 2048);
  const std::vector<uint64_t> numbers = segment_numbers(dir.path);
  CHECK(numbers.front() == 1 + st.segments_removed_for_size);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  REQUIRE_FALSE(s.records.empty());
  CHECK(s.records.front().record.seq > 1);
  CHECK(seqs(s) == range(s.records.front().record.seq, 800));
  check_contents(s);
  for (const Read& r : s.records) CHECK(r.record.chained);

  // Retention keeps its count across a restart.
  auto head = journal::read_head(dir.path);
  REQUIRE(head);
  REQUIRE(*head);
  CHECK((*head)->removed_for_size == st.segments_removed_for_size);
  CHECK((*head)->first_segment == numbers.front());
}

TEST_CASE("journal: retention by age removes segments whose newest record is too old",
          "[journal]") {
  JournalDir dir;
  // 100 ms of records per ~10 segments; keep the last 50 ms.
  const JournalLimits limits{
      .block_bytes = 2048, .segment_bytes = 4096, .max_bytes = 1 << 30, .max_age_ns = 50 * kStepNs};
  JournalWriter w = open_writer(dir.path, limits);
  append_range(w, 1, 300);
  REQUIRE(w.flush());
  const JournalStats st = w.stats();
  CHECK(st.segments_removed_for_age > 0);
  CHECK(st.segments_removed_for_size == 0);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  REQUIRE_FALSE(s.records.empty());
  const uint64_t first = s.records.front().record.seq;
  CHECK(first > 1);
  CHECK(seqs(s) == range(first, 300));
  // What is kept reaches back at least the age limit (a segment goes whole)...
  CHECK(time_of(300) - time_of(first) >= 50 * kStepNs - 2 * kStepNs);
  // ... and the segment before the first kept one ended before the horizon.
  CHECK(time_of(first - 1) < time_of(300) - 50 * kStepNs);
}

TEST_CASE("journal: records over the block cap are refused and counted", "[journal]") {
  JournalDir dir;
  JournalWriter w = open_writer(dir.path, small_limits());
  append_range(w, 1, 5);
  Status s = w.append(std::string(journal::kMaxRecordBytes + 1, 'x'), time_of(6));
  CHECK_FALSE(s);
  CHECK(s.error().code == EFBIG);
  CHECK(w.stats().lost_too_large == 1);
  CHECK(w.stats().records_lost == 1);
  // The refused record took no seq.
  append_range(w, 6, 6);
  REQUIRE(w.flush());
  const Scanned r = scan_all(dir.path);
  CHECK(r.scan.ok);
  CHECK(seqs(r) == range(1, 6));
}

TEST_CASE("journal: a full disk costs the oldest segments, not new records", "[journal]") {
  JournalDir dir;
  const std::string jdir = dir.path + "/j";
  const uint64_t capacity = 20000;
  uint64_t refusals = 0;
  // The disk holds `capacity` bytes of segments: writes past it are cut short and fail.
  JournalWriteFault full_disk = [&](const std::string&, size_t& bytes) {
    const uint64_t used = journal_bytes(jdir);
    if (used + bytes <= capacity) return 0;
    bytes = used < capacity ? capacity - used : 0;
    ++refusals;
    return ENOSPC;
  };
  JournalWriter w = open_writer(jdir, small_limits(), full_disk);
  append_range(w, 1, 600);
  REQUIRE(w.flush());
  const JournalStats st = w.stats();
  CHECK(refusals > 0);
  CHECK(st.write_errors == refusals);
  CHECK(st.segments_removed_for_space > 0);
  CHECK(st.records_lost == 0);
  CHECK(st.last_error.find("No space left") != std::string::npos);
  CHECK(journal_bytes(jdir) <= capacity);

  const Scanned s = scan_all(jdir);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  REQUIRE_FALSE(s.records.empty());
  CHECK(seqs(s) == range(s.records.front().record.seq, 600));
  check_contents(s);
}

TEST_CASE("journal: with nothing left to remove, blocks are dropped, counted and declared",
          "[journal]") {
  JournalDir dir;
  const JournalLimits one_segment{
      .block_bytes = 2048, .segment_bytes = 1 << 20, .max_bytes = 1 << 30};
  bool full = false;
  JournalWriteFault fault = [&](const std::string&, size_t& bytes) {
    if (!full) return 0;
    bytes /= 2;  // a short write, then the error
    return ENOSPC;
  };
  JournalWriter w = open_writer(dir.path, one_segment, fault);
  append_range(w, 1, 50);
  REQUIRE(w.flush());
  const uint64_t size_before = fs::file_size(segment_path(dir.path, 1));

  full = true;
  append_range(w, 51, 60);  // less than a block: buffered
  Status flushed = w.flush();
  CHECK_FALSE(flushed);
  CHECK(flushed.error().code == ENOSPC);
  JournalStats st = w.stats();
  CHECK(st.lost_write_error == 10);
  CHECK(st.records_lost == 10);
  CHECK(st.segments_removed_for_space == 0);
  CHECK(st.last_seq == 50);
  // The short write was cut off again.
  CHECK(fs::file_size(segment_path(dir.path, 1)) == size_before);

  full = false;
  append_range(w, 61, 90);
  REQUIRE(w.flush());
  st = w.stats();
  CHECK(st.records_lost == 10);
  CHECK(st.last_seq == 90);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);  // the gap is the writer's declared loss, not tampering
  CHECK(s.scan.lost_declared == 10);
  std::vector<uint64_t> expected = range(1, 50);
  for (uint64_t seq = 61; seq <= 90; ++seq) expected.push_back(seq);
  CHECK(seqs(s) == expected);
  check_contents(s);
}

TEST_CASE("journal: an I/O error drops the block and moves to a new segment, removing nothing",
          "[journal]") {
  JournalDir dir;
  int fail_next = 0;
  JournalWriteFault fault = [&](const std::string&, size_t&) {
    if (fail_next == 0) return 0;
    --fail_next;
    return EIO;
  };
  JournalWriter w = open_writer(dir.path, small_limits(), fault);
  append_range(w, 1, 100);
  REQUIRE(w.flush());
  const uint64_t segments_before = segment_numbers(dir.path).size();
  const uint64_t newest_before = segment_numbers(dir.path).back();

  fail_next = 1;
  for (uint64_t seq = 101; seq <= 105; ++seq) (void)w.append(record_for(seq), time_of(seq));
  Status flushed = w.flush();
  CHECK_FALSE(flushed);
  CHECK(flushed.error().code == EIO);
  append_range(w, 106, 110);
  REQUIRE(w.flush());

  const JournalStats st = w.stats();
  CHECK(st.lost_write_error == 5);
  CHECK(st.segments_removed_for_space == 0);
  CHECK(segment_numbers(dir.path).size() == segments_before + 1);
  CHECK(st.head_segment == newest_before + 1);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK(s.scan.lost_declared == 5);
  std::vector<uint64_t> expected = range(1, 100);
  for (uint64_t seq = 106; seq <= 110; ++seq) expected.push_back(seq);
  CHECK(seqs(s) == expected);
}

TEST_CASE("journal: a reader alongside a live writer sees whole blocks only", "[journal]") {
  JournalDir dir;
  // Retention by size runs too, so the reader meets segments removed under it.
  const JournalLimits limits{.block_bytes = 1024, .segment_bytes = 4096, .max_bytes = 24576};
  JournalWriter w = open_writer(dir.path, limits);
  constexpr uint64_t kRecords = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> write_failures{0};  // Catch2 assertions are for the test's own thread
  std::jthread writer([&] {            // joined even when an assertion below throws
    for (uint64_t seq = 1; seq <= kRecords; ++seq) {
      if (!w.append(record_for(seq), time_of(seq))) ++write_failures;
      if (seq % 50 == 0 && !w.flush()) ++write_failures;
    }
    if (!w.flush()) ++write_failures;
    done = true;
  });

  int scans = 0;
  while (!done || scans == 0) {
    const Scanned s = scan_all(dir.path);
    ++scans;
    INFO("scan " << scans << " segments " << s.scan.segments << " blocks " << s.scan.blocks
                 << " tail " << s.scan.tail_incomplete << "\n"
                 << problems_text(s.scan));
    REQUIRE(s.scan.ok);
    if (s.records.empty()) continue;
    REQUIRE(seqs(s) == range(s.records.front().record.seq, s.records.back().record.seq));
    check_contents(s);
    for (const Read& r : s.records) REQUIRE(r.record.chained);
  }
  writer.join();
  CHECK(write_failures == 0);
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK_FALSE(s.scan.tail_incomplete);
  REQUIRE_FALSE(s.records.empty());
  CHECK(s.records.back().record.seq == kRecords);
  CHECK(w.stats().records_lost == 0);
}
