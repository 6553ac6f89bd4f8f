// The spool on a disk that really fills up: a small tmpfs (mounting needs
// root, which is why this lives with the root tests).
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/unit/temp_dir.h"
#include "uploader/spool/spool.h"

namespace {

using yagura::Spool;
using yagura::SpoolLoss;
using yagura::SpoolRecord;
using Ranges = std::vector<std::pair<uint64_t, uint64_t>>;

constexpr size_t kPayload = 3000;  // two records (with headers) fill a segment

class SmallTmpfs {
 public:
  explicit SmallTmpfs(const std::string& size) {
    ok_ = ::mount("tmpfs", dir_.path.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    INFO("mount tmpfs: " << std::strerror(errno));
    REQUIRE(ok_);
  }
  ~SmallTmpfs() {
    if (ok_) ::umount2(dir_.path.c_str(), MNT_DETACH);
  }
  const std::string& path() const { return dir_.path; }

 private:
  yagura::testing::TempDir dir_;
  bool ok_ = false;
};

SpoolRecord record(uint64_t sequence, uint32_t priority) {
  return SpoolRecord{.sequence = sequence,
                     .priority = priority,
                     .events = 10,
                     .alert_events = priority == 2 ? 1u : 0u,
                     .payload = std::string(kPayload, static_cast<char>('a' + sequence % 26))};
}

// Writes until the disk refuses; returns the bytes written.
uint64_t fill(const std::string& path) {
  std::ofstream f(path, std::ios::binary);
  const std::string block(4096, 'x');
  uint64_t written = 0;
  while (f.write(block.data(), static_cast<std::streamsize>(block.size())) && f.flush())
    written += block.size();
  return written;
}

// Every record, checked against what was appended, and acknowledged.
std::vector<uint64_t> drain(Spool& spool) {
  std::vector<uint64_t> out;
  while (auto r = spool.next()) {
    CHECK(r->payload == record(r->sequence, r->priority).payload);
    out.push_back(r->sequence);
    REQUIRE(spool.ack(r->sequence));
  }
  return out;
}

Ranges lost_ranges(const std::vector<SpoolLoss>& losses, uint64_t& alert_events) {
  Ranges all;
  for (const SpoolLoss& l : losses) {
    CHECK(l.reason == SpoolLoss::Reason::kFull);
    alert_events += l.alert_events;
    all.insert(all.end(), l.ranges.begin(), l.ranges.end());
  }
  return all;
}

}  // namespace

TEST_CASE("a full disk drops the spool's oldest low-priority batches for new ones, never alerts "
          "for less",
          "[spool][disk_full]") {
  SmallTmpfs disk("64k");
  const std::string dir = disk.path() + "/spool";
  auto opened = Spool::open({.dir = dir, .segment_bytes = 6000});
  REQUIRE(opened);
  Spool& spool = **opened;

  REQUIRE(spool.append(record(1, 2)));
  REQUIRE(spool.append(record(2, 2)));
  // Far more activity than the disk holds: every batch is taken, the oldest
  // activity making room, and what went is reported.
  for (uint64_t seq = 3; seq <= 40; ++seq) {
    const yagura::Status s = spool.append(record(seq, 0));
    INFO("append " << seq << ": " << s.error().message);
    REQUIRE(s);
  }
  uint64_t alert_events = 0;
  const Ranges evicted = lost_ranges(spool.take_losses(), alert_events);
  REQUIRE_FALSE(evicted.empty());
  CHECK(alert_events == 0);
  CHECK(evicted.front().first == 3);
  uint64_t evicted_records = 0;
  for (auto [from, to] : evicted) evicted_records += to - from + 1;
  CHECK(spool.stats().evicted_records == evicted_records);
  CHECK(spool.stats().append_errors == 0);
  // Alerts first (lowest sequences), then the newest activity, in order.
  std::vector<uint64_t> held;
  for (uint64_t seq = 1; seq <= 40; ++seq) {
    bool gone = false;
    for (auto [from, to] : evicted) gone = gone || (seq >= from && seq <= to);
    if (!gone) held.push_back(seq);
  }
  CHECK(held.size() + evicted_records == 40);
  CHECK(spool.stats().pending_records == held.size());
  CHECK(held.back() == 40);
  CHECK(drain(spool) == held);
}

TEST_CASE("on a full disk, an alert takes the place of acknowledged activity, then of older "
          "alerts, and new activity is refused",
          "[spool][disk_full]") {
  SmallTmpfs disk("64k");
  auto opened = Spool::open({.dir = disk.path() + "/spool", .segment_bytes = 6000});
  REQUIRE(opened);
  Spool& spool = **opened;
  REQUIRE(spool.append(record(1, 2)));
  REQUIRE(spool.append(record(2, 2)));
  REQUIRE(spool.append(record(3, 0)));
  REQUIRE(spool.ack(3));  // its segment stays: still open for appends
  const std::string filler = disk.path() + "/filler";
  REQUIRE(fill(filler) > 0);

  REQUIRE(spool.append(record(4, 2)));
  CHECK(spool.take_losses().empty());
  // Only alerts left: new activity is refused rather than alerts dropped for it.
  const yagura::Status refused = spool.append(record(5, 0));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ENOSPC);
  CHECK(spool.take_losses().empty());
  CHECK(spool.stats().pending_records == 3);
  // A new alert: the oldest alerts make room, reported.
  REQUIRE(spool.append(record(6, 2)));
  uint64_t alert_events = 0;
  CHECK(lost_ranges(spool.take_losses(), alert_events) == Ranges{{1, 2}});
  CHECK(alert_events == 2);

  // Space again: activity is taken again, and all of it comes out in order.
  std::filesystem::remove(filler);
  REQUIRE(spool.append(record(7, 0)));
  CHECK(drain(spool) == std::vector<uint64_t>{4, 6, 7});
  CHECK(spool.stats().append_errors == 1);
}
