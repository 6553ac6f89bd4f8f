#include "sensor/recorder/journal_reader.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "journal_test_support.h"
#include "sensor/recorder/journal_head.h"
#include "wire/zstd_frame.h"

using namespace yagura;
using namespace yagura::testing::journal_test;
using Kind = yagura::JournalProblem::Kind;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kRecords = 400;

// Records 1..400 in about 25 blocks over 7 or more segments.
void make_journal(const std::string& dir) {
  JournalWriter w = open_writer(
      dir, JournalLimits{.block_bytes = 2048, .segment_bytes = 4096, .max_bytes = 1ull << 30});
  append_range(w, 1, kRecords);
  REQUIRE(w.flush());
  REQUIRE(segment_numbers(dir).size() >= 6);
}

std::vector<uint64_t> without(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = 1; s <= kRecords; ++s)
    if (s < first || s > last) out.push_back(s);
  return out;
}

std::vector<Kind> kinds(const JournalScan& scan) {
  std::vector<Kind> out;
  for (const JournalProblem& p : scan.problems) out.push_back(p.kind);
  return out;
}

// Records before `seq` are chained, from `seq` on they are not.
void check_break_at(const Scanned& s, uint64_t seq) {
  for (const Read& r : s.records) {
    INFO("seq " << r.record.seq);
    CHECK(r.record.chained == (r.record.seq < seq));
  }
}

// The records of a block, decoded.
std::vector<std::pair<uint64_t, std::string>> records_of(const std::string& segment,
                                                         const BlockAt& b) {
  const std::string payload = segment.substr(b.offset + journal::kBlockHeaderSize,
                                             b.end - b.offset - journal::kBlockHeaderSize);
  auto raw = zstd_decompress(payload, journal::kMaxBlockRawBytes);
  REQUIRE(raw);
  std::vector<std::pair<uint64_t, std::string>> out;
  REQUIRE(journal::for_each_record(*raw, [&](const journal::DecodedRecord& r) {
    out.emplace_back(r.time_ns, std::string(r.bytes));
  }));
  return out;
}

// Replaces block `b` of segment `number` with `forged` bytes.
void replace_block(const std::string& dir, uint64_t number, const BlockAt& b,
                   const std::string& forged) {
  const std::string path = segment_path(dir, number);
  std::string bytes = read_bytes(path);
  bytes.replace(b.offset, b.end - b.offset, forged);
  write_bytes(path, bytes);
}

// An edited copy of a block's records: one byte of the record at `at`
// changed, its record CRC left as it was or recomputed.
std::string edited_raw(const std::vector<std::pair<uint64_t, std::string>>& records, size_t at,
                       bool fix_record_crc) {
  std::string raw;
  for (size_t i = 0; i < records.size(); ++i) {
    std::string bytes = records[i].second;
    if (i == at) bytes[10] ^= 0x01;
    journal::append_record(raw, bytes, records[i].first);
    if (i == at && !fix_record_crc) {
      // Put the original record's CRC back.
      std::string original;
      journal::append_record(original, records[i].second, records[i].first);
      const size_t start = raw.size() - original.size();
      raw.replace(start + 4, 4, original.substr(4, 4));
    }
  }
  return raw;
}

}  // namespace

TEST_CASE("journal reader: a flipped byte in a block's payload is a checksum mismatch there",
          "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const std::string path = segment_path(dir.path, 3);
  const std::vector<BlockAt> blocks = blocks_of(path);
  REQUIRE(blocks.size() >= 2);
  const BlockAt& b = blocks[1];
  std::string bytes = read_bytes(path);
  bytes[b.offset + journal::kBlockHeaderSize + 20] ^= 0x40;
  write_bytes(path, bytes);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK_FALSE(s.scan.ok);
  REQUIRE(s.scan.problems.size() == 1);
  CHECK(s.scan.problems[0].kind == Kind::kBlockChecksum);
  CHECK(s.scan.problems[0].segment == 3);
  CHECK(s.scan.problems[0].offset == b.offset);
  CHECK(s.scan.problems[0].what.find("block checksum mismatch") != std::string::npos);
  // The damaged block's records are lost; everything else is there, and the
  // chain goes on from the damaged block's header.
  const uint64_t first = b.header.fields.first_seq, last = b.header.fields.last_seq();
  CHECK(seqs(s) == without(first, last));
  check_contents(s);
  check_break_at(s, first);
}

TEST_CASE("journal reader: an edited record with recomputed block CRCs breaks the chain",
          "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const std::string path = segment_path(dir.path, 4);
  const std::vector<BlockAt> blocks = blocks_of(path);
  const BlockAt& b = blocks[0];
  const auto records = records_of(read_bytes(path), b);
  REQUIRE(records.size() > 3);
  const uint64_t edited_seq = b.header.fields.first_seq + 2;

  SECTION("the record's own CRC left as it was") {
    replace_block(dir.path, 4, b,
                  forge_block(b.header.fields, edited_raw(records, 2, false), b.header.chain));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    CHECK(kinds(s.scan) == std::vector<Kind>{Kind::kChainMismatch, Kind::kRecordChecksum});
    for (const JournalProblem& p : s.scan.problems) {
      CHECK(p.segment == 4);
      CHECK(p.offset == b.offset);
    }
    CHECK(s.scan.problems[0].what.find("chain hash mismatch (edited or reordered)") !=
          std::string::npos);
    CHECK(s.scan.problems[1].what.find("seq " + std::to_string(edited_seq)) != std::string::npos);
    CHECK(seqs(s) == without(edited_seq, edited_seq));
    check_break_at(s, b.header.fields.first_seq);
  }
  SECTION("every CRC recomputed: only the chain tells") {
    replace_block(dir.path, 4, b,
                  forge_block(b.header.fields, edited_raw(records, 2, true), b.header.chain));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    CHECK(kinds(s.scan) == std::vector<Kind>{Kind::kChainMismatch});
    CHECK(s.scan.problems[0].segment == 4);
    CHECK(s.scan.problems[0].offset == b.offset);
    // The edited record comes back, as read, flagged.
    CHECK(seqs(s) == range(1, kRecords));
    for (const Read& r : s.records)
      if (r.record.seq == edited_seq) CHECK(r.bytes != record_for(edited_seq));
    check_break_at(s, b.header.fields.first_seq);
  }
  SECTION("the chain recomputed for the edited block: the next block tells") {
    // The chain before this block is the segment's prev_hash (it is the first).
    const std::string seg = read_bytes(path);
    auto header = journal::decode_segment_header(seg);
    REQUIRE(header);
    const std::string forged =
        journal::encode_block(b.header.fields, edited_raw(records, 2, true), header->prev_hash)
            .bytes;
    replace_block(dir.path, 4, b, forged);
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kChainMismatch});
    // Found at the block after the edited one.
    const uint64_t next_first = b.header.fields.last_seq() + 1;
    CHECK(s.scan.problems[0].offset == b.offset + forged.size());
    check_break_at(s, next_first);
  }
}

TEST_CASE("journal reader: an edit of the last block, chain recomputed, disagrees with the head",
          "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const uint64_t newest = segment_numbers(dir.path).back();
  const std::string path = segment_path(dir.path, newest);
  const std::vector<BlockAt> blocks = blocks_of(path);
  const BlockAt& b = blocks.back();
  const journal::Hash prev = blocks.size() > 1
                                 ? blocks[blocks.size() - 2].header.chain
                                 : journal::decode_segment_header(read_bytes(path))->prev_hash;
  const auto records = records_of(read_bytes(path), b);
  replace_block(dir.path, newest, b,
                journal::encode_block(b.header.fields, edited_raw(records, 0, true), prev).bytes);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kChainMismatch});
  CHECK(s.scan.problems[0].what.find("head's chain hash") != std::string::npos);
}

TEST_CASE("journal reader: a deleted segment is reported by number", "[journal]") {
  JournalDir dir;
  make_journal(dir.path);

  SECTION("in the middle") {
    const uint64_t first_lost =
        blocks_of(segment_path(dir.path, 3)).front().header.fields.first_seq;
    const uint64_t last_lost = blocks_of(segment_path(dir.path, 3)).back().header.fields.last_seq();
    fs::remove(segment_path(dir.path, 3));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kSegmentMissing});
    CHECK(s.scan.problems[0].segment == 3);
    CHECK(s.scan.problems[0].what == "segment 0000000000000003 missing (deleted)");
    CHECK(seqs(s) == without(first_lost, last_lost));
    check_break_at(s, first_lost);
  }
  SECTION("the oldest, which retention did not remove") {
    const uint64_t last_lost = blocks_of(segment_path(dir.path, 1)).back().header.fields.last_seq();
    fs::remove(segment_path(dir.path, 1));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kSegmentMissing});
    CHECK(s.scan.problems[0].segment == 1);
    CHECK(s.scan.problems[0].what.find("retained range starts at 0000000000000001") !=
          std::string::npos);
    CHECK(seqs(s) == range(last_lost + 1, kRecords));
    check_break_at(s, 1);
  }
  SECTION("the newest") {
    const uint64_t newest = segment_numbers(dir.path).back();
    fs::remove(segment_path(dir.path, newest));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    CHECK(kinds(s.scan) == std::vector<Kind>{Kind::kSegmentMissing, Kind::kTruncated});
    CHECK(s.scan.problems[0].segment == newest);
  }
}

TEST_CASE("journal reader: segments below the head's first retained one are accepted",
          "[journal]") {
  // Retention writes the head, then removes: a crash in between leaves these.
  JournalDir dir;
  make_journal(dir.path);
  auto head = journal::read_head(dir.path);
  REQUIRE(head);
  REQUIRE(*head);
  journal::JournalHead h = **head;
  h.first_segment = 3;
  REQUIRE(journal::write_head(dir.path, h));
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK(seqs(s) == range(1, kRecords));
}

TEST_CASE("journal reader: a truncated segment in the middle", "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const std::string path = segment_path(dir.path, 3);
  const std::vector<BlockAt> blocks = blocks_of(path);
  REQUIRE(blocks.size() >= 2);
  const std::string bytes = read_bytes(path);

  SECTION("inside a block") {
    write_bytes(path, bytes.substr(0, blocks[1].offset + 100));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kTruncated});
    CHECK(s.scan.problems[0].segment == 3);
    CHECK(s.scan.problems[0].offset == blocks[1].offset);
    CHECK(s.scan.problems[0].what == "segment ends in an incomplete block (truncated)");
    CHECK(seqs(s) ==
          without(blocks[1].header.fields.first_seq, blocks.back().header.fields.last_seq()));
  }
  SECTION("at a block boundary: the next segment does not follow") {
    write_bytes(path, bytes.substr(0, blocks[1].offset));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kChainMismatch, Kind::kSeqGap});
    for (const JournalProblem& p : s.scan.problems) CHECK(p.segment == 4);
    CHECK(s.scan.problems[0].offset == 0);
    CHECK(seqs(s) ==
          without(blocks[1].header.fields.first_seq, blocks.back().header.fields.last_seq()));
  }
}

TEST_CASE("journal reader: the last segment truncated below the head", "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const uint64_t newest = segment_numbers(dir.path).back();
  const std::string path = segment_path(dir.path, newest);
  const std::vector<BlockAt> blocks = blocks_of(path);
  const std::string bytes = read_bytes(path);

  SECTION("inside its last block") {
    write_bytes(path, bytes.substr(0, blocks.back().offset + 50));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kTruncated});
    CHECK(s.scan.problems[0].what.find("journal ends before its head (truncated)") == 0);
    CHECK_FALSE(s.scan.tail_incomplete);
    CHECK(seqs(s) == range(1, blocks.back().header.fields.first_seq - 1));
  }
  SECTION("at a block boundary") {
    write_bytes(path, bytes.substr(0, blocks.back().offset));
    const Scanned s = scan_all(dir.path);
    INFO(problems_text(s.scan));
    REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kTruncated});
    CHECK(s.scan.problems[0].what.find("journal ends before its head (truncated)") == 0);
    CHECK(seqs(s) == range(1, blocks.back().header.fields.first_seq - 1));
  }
}

TEST_CASE("journal reader: a block cut short past the head is an incomplete tail, not a problem",
          "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const uint64_t newest = segment_numbers(dir.path).back();
  const std::string path = segment_path(dir.path, newest);
  // What a block being written looks like: its first bytes only.
  std::string extra =
      journal::encode_block(
          {.record_count = 1, .first_seq = kRecords + 1, .min_time_ns = 1, .max_time_ns = 1}, "x",
          journal::Hash{})
          .bytes;
  write_bytes(path, read_bytes(path) + extra.substr(0, extra.size() / 2));
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK(s.scan.ok);
  CHECK(s.scan.tail_incomplete);
  CHECK(seqs(s) == range(1, kRecords));
}

TEST_CASE("journal reader: a damaged block header costs only that block", "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const std::string path = segment_path(dir.path, 2);
  const std::vector<BlockAt> blocks = blocks_of(path);
  REQUIRE(blocks.size() >= 3);
  std::string bytes = read_bytes(path);
  bytes[blocks[1].offset + 30] ^= 0x01;  // inside the header's fields
  write_bytes(path, bytes);

  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  REQUIRE(kinds(s.scan) == std::vector<Kind>{Kind::kBlockUnreadable});
  CHECK(s.scan.problems[0].segment == 2);
  CHECK(s.scan.problems[0].offset == blocks[1].offset);
  // The next block is found again and read.
  CHECK(seqs(s) == without(blocks[1].header.fields.first_seq, blocks[1].header.fields.last_seq()));
  check_break_at(s, blocks[1].header.fields.first_seq);
}

TEST_CASE("journal reader: a segment renamed to another's place is caught", "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  fs::remove(segment_path(dir.path, 3));
  fs::rename(segment_path(dir.path, 4), segment_path(dir.path, 3));
  const Scanned s = scan_all(dir.path);
  INFO(problems_text(s.scan));
  CHECK_FALSE(s.scan.ok);
  const std::vector<Kind> k = kinds(s.scan);
  CHECK(std::find(k.begin(), k.end(), Kind::kSegmentHeader) != k.end());
  CHECK(std::find(k.begin(), k.end(), Kind::kSegmentMissing) != k.end());
}

TEST_CASE("journal reader: a missing or damaged head is reported", "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  SECTION("missing") {
    fs::remove(dir.path + "/head");
    const Scanned s = scan_all(dir.path);
    CHECK(kinds(s.scan) == std::vector<Kind>{Kind::kHead});
    CHECK(s.scan.problems[0].what == "head file missing");
    CHECK(seqs(s) == range(1, kRecords));
  }
  SECTION("damaged") {
    std::string head = read_bytes(dir.path + "/head");
    head[head.find("last_seq ") + 9] ^= 0x01;
    write_bytes(dir.path + "/head", head);
    const Scanned s = scan_all(dir.path);
    CHECK(kinds(s.scan) == std::vector<Kind>{Kind::kHead});
    CHECK(seqs(s) == range(1, kRecords));
  }
}

TEST_CASE("journal reader: a time range returns only its records and still verifies all",
          "[journal]") {
  JournalDir dir;
  make_journal(dir.path);
  const ScanOptions in_range{.from_ns = time_of(100), .to_ns = time_of(200)};

  SECTION("intact") {
    const Scanned s = scan_all(dir.path, in_range);
    INFO(problems_text(s.scan));
    CHECK(s.scan.ok);
    CHECK(seqs(s) == range(100, 200));
    check_contents(s);
    // The report covers the whole journal.
    CHECK(s.scan.first_seq == 1);
    CHECK(s.scan.last_seq == kRecords);
    CHECK(s.scan.records == 101);
  }
  SECTION("an edited block outside the range is still found, without decompressing it") {
    const uint64_t newest = segment_numbers(dir.path).back();
    const std::string path = segment_path(dir.path, newest);
    const BlockAt b = blocks_of(path).front();
    REQUIRE(b.header.fields.first_seq > 200);
    const auto records = records_of(read_bytes(path), b);
    // A record CRC left wrong: reported only when the block is decompressed.
    replace_block(dir.path, newest, b,
                  forge_block(b.header.fields, edited_raw(records, 1, false), b.header.chain));
    const Scanned s = scan_all(dir.path, in_range);
    INFO(problems_text(s.scan));
    CHECK(kinds(s.scan) == std::vector<Kind>{Kind::kChainMismatch});
    CHECK(seqs(s) == range(100, 200));
    for (const Read& r : s.records) CHECK(r.record.chained);
  }
}
