// Reads the flight recorder's journal back (JournalWriter's), verifying it
// as it goes: every scan checks the segments' succession, each block's
// checksums and its link in the hash chain, each record's checksum, the
// continuity of seq, and the journal against its head file. The result says
// exactly what is wrong and where; a problem never stops the scan: damaged
// blocks and missing segments are stepped over, and the records after them
// are still returned, flagged as after the break.
//
// What a problem means (JournalProblem::Kind):
//   kSegmentMissing  a segment is gone that retention did not remove (inside
//                    the journal, or at its start, below the head's first
//                    retained segment, or at its end)
//   kSegmentHeader   a segment header is damaged or names another segment
//   kBlockChecksum   a block's bytes changed since written (storage damage)
//   kBlockUnreadable bytes that are not a block, or a block that does not decode
//   kChainMismatch   a block or segment that does not link to the one
//                    before it: edited (CRCs recomputed), reordered or replaced
//   kRecordChecksum  a record changed inside a block that otherwise decodes
//   kSeqGap          records missing between two blocks that link (only a
//                    gap the writer did not declare as its own loss)
//   kTruncated       the journal or a segment ends before data that was
//                    durably written (by the head), or a segment ends cut short
//   kHead            the head file is unreadable, or missing while blocks exist
// Not problems: segments removed by retention (the head records where the
// retained range starts), records the writer declared lost (disk full), and
// a block cut short at the very end past the head (tail_incomplete: being
// written now, or a crash's, which the writer cuts at its next open).
//
// Cost: a scan reads and hashes every block from the oldest segment on,
// whatever the time range (a chain can only be checked from its start),
// and holds each segment file open while it runs (one descriptor each).
//
// Safe alongside a live writer (another thread or process): it sees the
// blocks complete when the scan reaches them, and segments retention
// removes meanwhile stay readable through the descriptors it holds.
//
// The chain proves that nothing changed relative to a later chain value; to
// make an edit by someone who rewrote everything after it (head included)
// detectable, keep the head's chain hash elsewhere too (health reports,
// dumps).
//
//   auto reader = JournalReader::open("/var/lib/yagura/journal");
//   auto scan = reader->scan({.from_ns = t0, .to_ns = t1},
//                            [&](const JournalRecord& r) { out << r.bytes << '\n'; });
//   if (scan && !scan->ok) for (auto& p : scan->problems) warn(p.what);
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace yagura {

struct JournalRecord {
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  std::string_view bytes;  // valid during the callback
  // Nothing before it in this scan (from the oldest segment on) was found
  // missing, damaged or out of chain. False for every record after the
  // first problem, and for records salvaged from a damaged block.
  bool chained = true;
};

struct JournalProblem {
  enum class Kind {
    kSegmentMissing,
    kSegmentHeader,
    kBlockChecksum,
    kBlockUnreadable,
    kChainMismatch,
    kRecordChecksum,
    kSeqGap,
    kTruncated,
    kHead,
  };
  Kind kind = Kind::kBlockChecksum;
  uint64_t segment = 0;  // segment number
  uint64_t offset = 0;   // byte offset in that segment file
  std::string what;      // for people: what is wrong, with seqs where known
};

struct JournalScan {
  bool ok = true;                        // no problems
  std::vector<JournalProblem> problems;  // in journal order
  bool tail_incomplete = false;
  // Over every intact block read (whether or not in the time range).
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t first_time_ns = 0;
  uint64_t last_time_ns = 0;
  uint64_t blocks = 0;
  uint64_t segments = 0;
  uint64_t records = 0;        // passed to the callback
  uint64_t lost_declared = 0;  // records the writer declared lost (disk full)
  std::string head_chain;      // hex; empty without a head
  std::string last_chain;      // hex, of the last intact block read
};

struct ScanOptions {
  // Inclusive bounds on a record's time. Blocks wholly outside are skipped
  // without decompressing them, but still hashed into the chain.
  std::optional<uint64_t> from_ns;
  std::optional<uint64_t> to_ns;
};

class JournalReader {
 public:
  static Result<JournalReader> open(const std::string& dir);

  // Calls `each` for every readable record in range, oldest first. An error
  // only when the directory cannot be read at all; everything else is in
  // the returned report.
  Result<JournalScan> scan(const ScanOptions& options,
                           const std::function<void(const JournalRecord&)>& each) const;

 private:
  explicit JournalReader(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace yagura
