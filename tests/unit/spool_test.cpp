#include "uploader/spool/spool.h"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.h"

using yagura::Spool;
using yagura::SpoolLoss;
using yagura::SpoolOptions;
using yagura::SpoolRecord;
using yagura::testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr size_t kRecordHeader = 40;  // the on-disk record header, spool.cpp
constexpr size_t kSequenceEnd = 24;   // a torn header shows its sequence from here on
constexpr size_t kCountsEnd = 32;     // ... and its event counts from here on
constexpr size_t kHeaderCrcEnd = 36;  // a damaged byte before this hides the sequence

using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

// Deterministic from the sequence, so a payload read back can be checked.
std::string payload_for(uint64_t sequence, size_t size) {
  std::string p;
  for (size_t i = 0; i < size; ++i) p.push_back(static_cast<char>('a' + (i * 7 + sequence) % 26));
  return p;
}

SpoolRecord record(uint64_t sequence, uint32_t priority, size_t payload_size = 60) {
  return SpoolRecord{.sequence = sequence,
                     .priority = priority,
                     .events = static_cast<uint32_t>(sequence * 10),
                     .alert_events = priority == 2 ? static_cast<uint32_t>(sequence) : 0,
                     .payload = payload_for(sequence, payload_size)};
}

std::unique_ptr<Spool> open_spool(const SpoolOptions& options) {
  auto spool = Spool::open(options);
  INFO((spool ? "" : spool.error().message));
  REQUIRE(spool);
  return std::move(*spool);
}

void append(Spool& spool, uint64_t sequence, uint32_t priority, size_t payload_size = 60) {
  yagura::Status s = spool.append(record(sequence, priority, payload_size));
  INFO("append " << sequence << ": " << s.error().message);
  REQUIRE(s);
}

// next() and ack() until empty, checking each record against what was appended.
std::vector<uint64_t> drain(Spool& spool) {
  std::vector<uint64_t> out;
  while (auto r = spool.next()) {
    INFO("sequence " << r->sequence);
    CHECK(r->payload == payload_for(r->sequence, r->payload.size()));
    CHECK(r->events == r->sequence * 10);
    CHECK(r->alert_events == (r->priority == 2 ? r->sequence : 0));
    out.push_back(r->sequence);
    REQUIRE(spool.ack(r->sequence));
  }
  return out;
}

std::vector<std::string> segment_files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".seg") names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

uint64_t segment_bytes_on_disk(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& name : segment_files(dir)) total += fs::file_size(dir + "/" + name);
  return total;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string segment_name(uint32_t lane, uint64_t first) {
  char name[64];
  std::snprintf(name, sizeof(name), "lane%u-%020llu.seg", lane,
                static_cast<unsigned long long>(first));
  return name;
}

}  // namespace

TEST_CASE("Spool returns the lowest unacknowledged sequence across lanes", "[spool]") {
  TempDir dir;
  const std::string spool_dir = dir.path + "/state/spool";
  auto spool = open_spool({.dir = spool_dir, .sync = false});
  struct stat st {};
  REQUIRE(::stat(spool_dir.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  append(*spool, 1, 0);
  append(*spool, 2, 2);
  append(*spool, 3, 1);
  append(*spool, 4, 0);
  append(*spool, 5, 2);
  CHECK(spool->stats().pending_records == 5);
  CHECK(spool->stats().pending_events == 150);

  auto first = spool->next();
  REQUIRE(first);
  CHECK(first->sequence == 1);
  CHECK(first->priority == 0);
  CHECK(first->payload == payload_for(1, 60));
  CHECK(spool->next()->sequence == 1);  // not acknowledged yet: again
  REQUIRE(spool->ack(3));               // out of order
  CHECK(drain(*spool) == std::vector<uint64_t>{1, 2, 4, 5});
  CHECK_FALSE(spool->next());
  CHECK(spool->ack(99));  // unknown: a no-op
  CHECK(spool->ack(3));   // twice: a no-op

  const auto stats = spool->stats();
  CHECK(stats.appended_records == 5);
  CHECK(stats.acked_records == 5);
  CHECK(stats.pending_records == 0);
  CHECK(stats.pending_events == 0);
  CHECK(spool->take_losses().empty());
}

TEST_CASE("Spool refuses a sequence not above every earlier one", "[spool]") {
  TempDir dir;
  auto spool = open_spool({.dir = dir.path, .sync = false});
  append(*spool, 5, 1);
  CHECK_FALSE(spool->append(record(5, 1)));
  CHECK_FALSE(spool->append(record(3, 0)));  // in another lane too
  append(*spool, 6, 0);
  CHECK(spool->max_sequence() == 6);
  CHECK(spool->stats().append_errors == 2);
  CHECK(drain(*spool) == std::vector<uint64_t>{5, 6});
}

TEST_CASE("Spool refuses a record larger than the whole spool", "[spool]") {
  TempDir dir;
  auto spool = open_spool({.dir = dir.path, .max_bytes = 1000, .sync = false});
  append(*spool, 1, 0, 100);
  CHECK_FALSE(spool->append(record(2, 0, 1000 - kRecordHeader + 1)));
  CHECK(spool->stats().append_errors == 1);
  CHECK(spool->take_losses().empty());  // nothing was evicted for it
  CHECK(spool->stats().pending_records == 1);
  // Exactly max_bytes fits, once the earlier record is evicted for it.
  append(*spool, 2, 0, 1000 - kRecordHeader);
  CHECK(spool->stats().bytes == 1000);
  auto losses = spool->take_losses();
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].ranges == Ranges{{1, 1}});
}

TEST_CASE("Spool rotates segments and deletes them once acknowledged", "[spool]") {
  TempDir dir;
  // 100-byte records: a segment closes after its second.
  auto spool = open_spool({.dir = dir.path, .segment_bytes = 200, .sync = true});
  for (uint64_t seq = 1; seq <= 5; ++seq) append(*spool, seq, 0);
  CHECK(segment_files(dir.path) ==
        std::vector<std::string>{segment_name(0, 1), segment_name(0, 3), segment_name(0, 5)});
  CHECK(fs::file_size(dir.path + "/" + segment_name(0, 1)) == 200);
  CHECK(spool->stats().segments == 3);
  CHECK(spool->stats().bytes == 500);

  REQUIRE(spool->ack(1));
  CHECK(segment_files(dir.path).size() == 3);
  REQUIRE(spool->ack(2));
  CHECK(segment_files(dir.path) ==
        std::vector<std::string>{segment_name(0, 3), segment_name(0, 5)});
  REQUIRE(spool->ack(4));
  CHECK(segment_files(dir.path).size() == 2);  // 3 is still pending
  REQUIRE(spool->ack(3));
  REQUIRE(spool->ack(5));
  // The open segment stays while it is being appended to, even when acknowledged.
  CHECK(segment_files(dir.path) == std::vector<std::string>{segment_name(0, 5)});
  append(*spool, 6, 0);
  CHECK(fs::file_size(dir.path + "/" + segment_name(0, 5)) == 200);
  REQUIRE(spool->ack(6));  // now closed and all acknowledged
  CHECK(segment_files(dir.path).empty());
  CHECK(spool->stats().segments == 0);
  CHECK(spool->stats().bytes == 0);
  // The next append in the lane starts a new segment.
  append(*spool, 7, 0);
  CHECK(segment_files(dir.path) == std::vector<std::string>{segment_name(0, 7)});
}

TEST_CASE("Spool reopened returns the unacknowledged records in order", "[spool]") {
  TempDir dir;
  const SpoolOptions options{.dir = dir.path, .segment_bytes = 200, .sync = true};
  {
    auto spool = open_spool(options);
    append(*spool, 1, 0);
    append(*spool, 2, 1);
    append(*spool, 3, 0);
    append(*spool, 4, 1);
    append(*spool, 5, 0);
    append(*spool, 6, 2);
    REQUIRE(spool->ack(1));
    REQUIRE(spool->ack(2));
    REQUIRE(spool->ack(4));  // out of order; its segment [2 4] is all acknowledged
    REQUIRE(spool->ack(6));  // out of order, in its lane's open segment
  }
  {
    auto spool = open_spool(options);
    CHECK(spool->max_sequence() == 6);
    // 6 comes back: acknowledgements persist as a watermark, here 2.
    CHECK(spool->stats().recovered_records == 3);
    CHECK(spool->stats().pending_events == 30 + 50 + 60);
    CHECK(spool->take_losses().empty());
    CHECK(drain(*spool) == std::vector<uint64_t>{3, 5, 6});
    CHECK_FALSE(spool->append(record(6, 0)));
    append(*spool, 7, 1);
  }
  auto spool = open_spool(options);
  CHECK(spool->max_sequence() == 7);
  CHECK(drain(*spool) == std::vector<uint64_t>{7});
}

TEST_CASE("Spool remembers its highest sequence when everything was acknowledged", "[spool]") {
  TempDir dir;
  const SpoolOptions options{.dir = dir.path, .sync = false};
  {
    auto spool = open_spool(options);
    for (uint64_t seq = 1; seq <= 3; ++seq) append(*spool, seq, seq % 2);
    CHECK(drain(*spool).size() == 3);
    CHECK(segment_files(dir.path).size() == 2);  // the lanes' open segments
  }
  auto spool = open_spool(options);
  CHECK(spool->max_sequence() == 3);
  CHECK_FALSE(spool->next());
  CHECK(segment_files(dir.path).empty());  // acknowledged through the watermark
  CHECK(spool->stats().bytes == 0);
}

namespace {

// A spool written once and copied into a fresh directory per case, with its
// last record (sequence 4, lane 1, 64-byte payload) damaged on the way.
struct CrashFixture {
  std::map<std::string, std::string> files;
  std::string last_segment;
  size_t last_start = 0;
  size_t last_end = 0;
  bool last_starts_segment = false;

  explicit CrashFixture(uint64_t segment_bytes) {
    TempDir origin;
    {
      auto spool = open_spool({.dir = origin.path, .segment_bytes = segment_bytes, .sync = false});
      append(*spool, 1, 0, 50);
      append(*spool, 2, 1, 70);
      append(*spool, 3, 1, 30);
      append(*spool, 4, 1, 64);
    }
    for (const auto& name : segment_files(origin.path))
      files[name] = read_bytes(origin.path + "/" + name);
    last_segment = files.rbegin()->first;  // the highest first sequence
    REQUIRE(last_segment.starts_with("lane1-"));
    last_end = files[last_segment].size();
    last_start = last_end - kRecordHeader - 64;
    last_starts_segment = last_start == 0;
  }

  void install(const std::string& dir, const std::string& last_bytes) const {
    for (const auto& [name, bytes] : files)
      write_bytes(dir + "/" + name, name == last_segment ? last_bytes : bytes);
  }
};

// After the damage: the spool takes appends, and all of it survives a reopen.
void check_appends_survive(const SpoolOptions& options, std::unique_ptr<Spool> spool) {
  const uint64_t next = spool->max_sequence() + 1;
  append(*spool, next, 1);
  append(*spool, next + 1, 0);
  spool.reset();
  auto reopened = open_spool(options);
  CHECK(reopened->take_losses().empty());
  CHECK(reopened->stats().corrupt_records == 0);
  CHECK(drain(*reopened) == std::vector<uint64_t>{1, 2, 3, next, next + 1});
}

}  // namespace

TEST_CASE("Spool recovers the complete records before a torn last record", "[spool]") {
  for (uint64_t segment_bytes : {uint64_t{1} << 20, uint64_t{60}}) {
    // Large segments: the last record follows others in its segment. 60:
    // every record is alone in its segment.
    CrashFixture fixture(segment_bytes);
    REQUIRE(fixture.last_starts_segment == (segment_bytes == 60));
    const std::string whole = fixture.files.at(fixture.last_segment);
    for (size_t cut = fixture.last_start; cut <= fixture.last_end; ++cut) {
      INFO("segment_bytes " << segment_bytes << ", cut at " << cut << " of " << whole.size());
      TempDir dir;
      const SpoolOptions options{.dir = dir.path, .segment_bytes = segment_bytes, .sync = false};
      fixture.install(dir.path, whole.substr(0, cut));
      auto spool = open_spool(options);

      const size_t kept = cut - fixture.last_start;  // bytes of the last record left
      const bool torn = kept > 0 && cut < fixture.last_end;
      auto losses = spool->take_losses();
      if (torn) {
        REQUIRE(losses.size() == 1);
        CHECK(losses[0].reason == SpoolLoss::Reason::kCorrupt);
        CHECK(losses[0].records == 1);
        CHECK(losses[0].ranges == (kept >= kSequenceEnd ? Ranges{{4, 4}} : Ranges{}));
        CHECK(losses[0].events == (kept >= kCountsEnd ? 40u : 0u));
        CHECK(spool->stats().corrupt_records == 1);
      } else {
        CHECK(losses.empty());
        CHECK(spool->stats().corrupt_records == 0);
      }
      // The torn record is cut off; a segment left with nothing is removed.
      const std::string path = dir.path + "/" + fixture.last_segment;
      if (cut == fixture.last_end)
        CHECK(fs::file_size(path) == whole.size());
      else if (fixture.last_start > 0)
        CHECK(fs::file_size(path) == fixture.last_start);
      else
        CHECK_FALSE(fs::exists(path));
      // The segment's name or a readable header keeps sequence 4 from reuse.
      const bool seen = fixture.last_starts_segment || kept >= kSequenceEnd;
      CHECK(spool->max_sequence() == (seen ? 4u : 3u));

      if (cut == fixture.last_end) {
        CHECK(drain(*spool) == std::vector<uint64_t>{1, 2, 3, 4});
        continue;
      }
      check_appends_survive(options, std::move(spool));
    }
  }
}

TEST_CASE("Spool recovers the complete records before a damaged last record", "[spool]") {
  for (uint64_t segment_bytes : {uint64_t{1} << 20, uint64_t{60}}) {
    CrashFixture fixture(segment_bytes);
    const std::string whole = fixture.files.at(fixture.last_segment);
    for (size_t at = fixture.last_start; at < fixture.last_end; ++at) {
      INFO("segment_bytes " << segment_bytes << ", byte " << at << " of " << whole.size());
      TempDir dir;
      const SpoolOptions options{.dir = dir.path, .segment_bytes = segment_bytes, .sync = false};
      std::string damaged = whole;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x5A);
      fixture.install(dir.path, damaged);
      auto spool = open_spool(options);

      auto losses = spool->take_losses();
      REQUIRE(losses.size() == 1);
      CHECK(losses[0].reason == SpoolLoss::Reason::kCorrupt);
      CHECK(losses[0].records == 1);
      // A damaged header is not believed; past it, the header still names the record.
      const bool header_ok = at - fixture.last_start >= kHeaderCrcEnd;
      CHECK(losses[0].ranges == (header_ok ? Ranges{{4, 4}} : Ranges{}));
      CHECK(losses[0].events == (header_ok ? 40u : 0u));
      // Never a sequence made up from damaged bytes.
      const bool seen = fixture.last_starts_segment || header_ok;
      CHECK(spool->max_sequence() == (seen ? 4u : 3u));
      check_appends_survive(options, std::move(spool));
    }
  }
}

TEST_CASE("Spool reports the records cut off after a damaged one", "[spool]") {
  TempDir dir;
  const SpoolOptions options{.dir = dir.path, .sync = false};
  const std::string path = dir.path + "/" + segment_name(0, 1);
  bool acked = false;
  {
    auto spool = open_spool(options);
    for (uint64_t seq = 1; seq <= 4; ++seq) append(*spool, seq, 0);  // 100 bytes each
    SECTION("none acknowledged") {}
    SECTION("the damaged one already acknowledged") {
      acked = true;
      REQUIRE(spool->ack(1));
      REQUIRE(spool->ack(2));
    }
  }
  std::string bytes = read_bytes(path);
  bytes[100 + kRecordHeader + 5] ^= 0x01;  // record 2's payload
  write_bytes(path, bytes);

  auto spool = open_spool(options);
  auto losses = spool->take_losses();
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].reason == SpoolLoss::Reason::kCorrupt);
  if (!acked) {
    CHECK(spool->stats().recovered_records == 1);
    CHECK(losses[0].ranges == Ranges{{2, 4}});
    CHECK(losses[0].records == 3);
    CHECK(losses[0].events == 20 + 30 + 40);
    CHECK(drain(*spool) == std::vector<uint64_t>{1});
  } else {
    CHECK(spool->stats().recovered_records == 0);
    CHECK(losses[0].ranges == Ranges{{3, 4}});  // the collector has 1 and 2
    CHECK(losses[0].records == 2);
    CHECK(losses[0].events == 30 + 40);
    CHECK_FALSE(spool->next());
  }
  CHECK(spool->max_sequence() == 4);
}

TEST_CASE("Spool ignores unrelated files and removes empty leftovers", "[spool]") {
  TempDir dir;
  // A header-only leftover: record 12's header, its payload never written.
  std::string header_only;
  {
    TempDir origin;
    auto spool = open_spool({.dir = origin.path, .sync = false});
    append(*spool, 12, 2);
    header_only = read_bytes(origin.path + "/" + segment_name(2, 12)).substr(0, kRecordHeader);
  }
  write_bytes(dir.path + "/" + segment_name(2, 12), header_only);
  write_bytes(dir.path + "/" + segment_name(0, 9), "");
  write_bytes(dir.path + "/notes.txt", "not ours");
  write_bytes(dir.path + "/lane1-5.seg", "not our name either");
  write_bytes(dir.path + "/" + segment_name(0, 7) + ".tmp", "nor this");

  auto spool = open_spool({.dir = dir.path, .sync = true});
  auto losses = spool->take_losses();
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].ranges == Ranges{{12, 12}});
  CHECK(losses[0].alert_events == 12);
  CHECK_FALSE(fs::exists(dir.path + "/" + segment_name(2, 12)));
  CHECK_FALSE(fs::exists(dir.path + "/" + segment_name(0, 9)));
  CHECK(read_bytes(dir.path + "/notes.txt") == "not ours");
  CHECK(read_bytes(dir.path + "/lane1-5.seg") == "not our name either");
  CHECK(fs::exists(dir.path + "/" + segment_name(0, 7) + ".tmp"));
  CHECK(spool->max_sequence() == 12);
  CHECK_FALSE(spool->next());
  append(*spool, 13, 0);
  CHECK(drain(*spool) == std::vector<uint64_t>{13});
}

TEST_CASE("Spool evicts low priority first, oldest first, alerts last", "[spool]") {
  TempDir dir;
  // 100-byte records, two per segment, ten in the spool.
  auto spool =
      open_spool({.dir = dir.path, .max_bytes = 1000, .segment_bytes = 200, .sync = false});
  struct Step {
    uint64_t sequence;
    uint32_t priority;
    Ranges lost;  // what this append evicts, unacknowledged
    bool refused = false;
  };
  // Lanes after the first ten: 0: [2 4] [5 7] [10]; 1: [3 6] [9]; 2: [1 8].
  const std::vector<Step> steps = {
      {1, 2, {}},
      {2, 0, {}},
      {3, 1, {}},
      {4, 0, {}},
      {5, 0, {}},
      {6, 1, {}},
      {7, 0, {}},
      {8, 2, {}},
      {9, 1, {}},
      {10, 0, {}},
      {11, 1, {{2, 2}, {4, 4}}},  // lane 0's oldest
      {12, 2, {}},
      {13, 1, {{7, 7}}},  // 5 was acknowledged
      {14, 1, {}},
      {15, 2, {{10, 10}}},  // lane 0's open segment
      {16, 0, {}, true},    // lane 0 is empty: nothing is dropped for less important data
      {17, 2, {{3, 3}, {6, 6}}},
      {18, 2, {}},
      {19, 2, {{9, 9}, {11, 11}}},
      {20, 2, {}},
      {21, 2, {{13, 14}}},
      {22, 2, {}},
      {23, 2, {{1, 1}, {8, 8}}},  // only alerts left: their oldest
  };
  uint64_t evicted = 0, evicted_events = 0, refused = 0;
  for (const Step& step : steps) {
    INFO("append " << step.sequence);
    if (step.sequence == 11) REQUIRE(spool->ack(5));
    if (step.refused) {
      const yagura::Status s = spool->append(record(step.sequence, step.priority));
      REQUIRE_FALSE(s);
      CHECK(s.error().code == ENOSPC);
      ++refused;
    } else {
      append(*spool, step.sequence, step.priority);
    }
    auto losses = spool->take_losses();
    if (step.lost.empty()) {
      CHECK(losses.empty());
    } else {
      REQUIRE(losses.size() == 1);
      CHECK(losses[0].reason == SpoolLoss::Reason::kFull);
      CHECK(losses[0].ranges == step.lost);
      uint64_t records = 0, events = 0, alert_events = 0;
      for (auto [from, to] : step.lost) {
        for (uint64_t seq = from; seq <= to; ++seq) {
          records++;
          events += seq * 10;
          alert_events += (seq == 1 || seq == 8) ? seq : 0;
        }
      }
      CHECK(losses[0].records == records);
      CHECK(losses[0].events == events);
      CHECK(losses[0].alert_events == alert_events);
      evicted += records;
      evicted_events += events;
    }
    CHECK(spool->stats().bytes <= 1000);
    CHECK(segment_bytes_on_disk(dir.path) == spool->stats().bytes);
  }
  CHECK(spool->stats().evicted_records == evicted);
  CHECK(spool->stats().evicted_events == evicted_events);
  CHECK(spool->stats().append_errors == refused);
  CHECK(drain(*spool) == std::vector<uint64_t>{12, 15, 17, 18, 19, 20, 21, 22, 23});
}

TEST_CASE("Spool makes room from acknowledged open segments before losing anything", "[spool]") {
  TempDir dir;
  // 100-byte records; every lane's records stay in its one open segment.
  auto spool =
      open_spool({.dir = dir.path, .max_bytes = 300, .segment_bytes = 1000, .sync = false});
  append(*spool, 1, 2);
  append(*spool, 2, 2);
  REQUIRE(spool->ack(1));
  REQUIRE(spool->ack(2));
  append(*spool, 3, 0);
  append(*spool, 4, 0);  // the alerts' open segment, all acknowledged, goes
  CHECK(spool->take_losses().empty());
  CHECK(spool->stats().bytes == 200);
  CHECK(segment_files(dir.path) == std::vector<std::string>{segment_name(0, 3)});
  append(*spool, 5, 2);
  CHECK(drain(*spool) == std::vector<uint64_t>{3, 4, 5});
}

TEST_CASE("Spool keeps taking records after its files are removed from outside", "[spool]") {
  TempDir dir;
  const std::string spool_dir = dir.path + "/spool";
  auto spool = open_spool({.dir = spool_dir, .sync = false});
  append(*spool, 1, 0);
  append(*spool, 2, 0);
  append(*spool, 3, 1);
  for (const std::string& name : segment_files(spool_dir)) fs::remove(spool_dir + "/" + name);

  // The open segments are still read through their descriptors.
  CHECK(drain(*spool) == std::vector<uint64_t>{1, 2, 3});
  append(*spool, 4, 0);
  CHECK(segment_files(spool_dir) == std::vector<std::string>{segment_name(0, 4)});

  fs::remove_all(spool_dir);
  append(*spool, 5, 0);
  append(*spool, 6, 2);
  CHECK(segment_files(spool_dir) ==
        std::vector<std::string>{segment_name(0, 5), segment_name(2, 6)});
  // Record 4 went with the directory, and is reported; what came after it
  // is delivered.
  CHECK(drain(*spool) == std::vector<uint64_t>{5, 6});
  auto losses = spool->take_losses();
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].reason == SpoolLoss::Reason::kCorrupt);
  CHECK(losses[0].ranges == Ranges{{4, 4}});
  // The acknowledgement mark, removed with the directory, was written anew:
  // a restart sends nothing twice.
  spool.reset();
  CHECK_FALSE(open_spool({.dir = spool_dir, .sync = false})->next());
}

TEST_CASE("Spool drops a record damaged on disk and reports it", "[spool]") {
  TempDir dir;
  auto spool = open_spool({.dir = dir.path, .sync = false});
  for (uint64_t seq = 1; seq <= 3; ++seq) append(*spool, seq, 0);  // 100 bytes each
  const std::string path = dir.path + "/" + segment_name(0, 1);
  std::string bytes = read_bytes(path);
  bytes[100 + kRecordHeader + 10] ^= 0x20;  // record 2's payload
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  CHECK(drain(*spool) == std::vector<uint64_t>{1, 3});
  auto losses = spool->take_losses();
  REQUIRE(losses.size() == 1);
  CHECK(losses[0].reason == SpoolLoss::Reason::kCorrupt);
  CHECK(losses[0].ranges == Ranges{{2, 2}});
  CHECK(losses[0].records == 1);
  CHECK(losses[0].events == 20);
  CHECK(spool->stats().corrupt_records == 1);
  CHECK(spool->stats().pending_records == 0);
}

TEST_CASE("Spool hands every record out once while appends run", "[spool]") {
  TempDir dir;
  auto spool = open_spool({.dir = dir.path, .segment_bytes = 500, .sync = false});
  constexpr uint64_t kRecords = 300;
  std::atomic<uint64_t> failed_appends{0};  // Catch2 asserts only on the test's thread
  std::atomic<bool> producing{true};
  std::thread producer([&] {
    for (uint64_t seq = 1; seq <= kRecords; ++seq)
      if (!spool->append(record(seq, static_cast<uint32_t>(seq % 3)))) failed_appends++;
    producing = false;
  });
  std::vector<uint64_t> seen;
  while (seen.size() < kRecords && (producing || spool->stats().pending_records > 0)) {
    auto r = spool->next();
    if (!r) {
      std::this_thread::yield();
      continue;
    }
    seen.push_back(r->sequence);
    REQUIRE(spool->ack(r->sequence));
  }
  producer.join();
  CHECK(failed_appends == 0);
  std::vector<uint64_t> expected(kRecords);
  for (uint64_t i = 0; i < kRecords; ++i) expected[i] = i + 1;
  CHECK(seen == expected);
  CHECK(spool->take_losses().empty());
  CHECK(spool->stats().pending_records == 0);
}
