// The disk spool: every closed batch is appended here before it is sent,
// and removed only when the collector has acknowledged it as stored. It is
// what makes upload survive an unreachable collector, a crash and a power
// loss.
//
// Layout: one directory; per priority lane, append-only segment files
// "lane<P>-<first sequence, 20 digits>.seg". Each record is a fixed header
// (magic, lengths, sequence, priority, event counts, a CRC-32C of the header
// and one of header and payload) followed by the payload (a compressed
// batch). Appends are fsync'ed before they return (SpoolOptions::sync).
//
// Recovery (open): every segment is read back; a record that is torn
// (short) or fails its checksum ends that segment: the file is cut there and
// the record, with anything after it, is reported as a loss (kCorrupt).
// Everything complete before it is kept and comes back from next() in
// sequence order.
//
// Acknowledgements are kept as a watermark (every sequence at or below it is
// acknowledged), written without fsync: after a crash, records acknowledged
// after its last durable write come back from next() once more. The
// collector drops duplicates by sequence; an unacknowledged record is never
// lost to this.
//
// Bound: total segment bytes stay under max_bytes. To make room, open
// segments whose records are all acknowledged go first (losing nothing),
// then whole segments, oldest first from the lowest priority lane that has one
// (alerts last), but never for a record of lower priority than theirs: such
// a record is refused (ENOSPC) instead. The unacknowledged records that went
// are reported as a loss (kFull). A record bigger than max_bytes is refused.
// A full disk (ENOSPC, EDQUOT) is met the same way: room is made as for the
// bound, and the write tried once more.
//
// Files removed from outside while it runs (an operator cleaning up): open
// segments are still read through their descriptors, the next append starts
// a new file (and the directory again), and records whose file is gone are
// reported as a loss (kCorrupt).
//
// Thread-safe: the output thread appends while the upload thread reads and
// acknowledges.
//
//   auto spool = Spool::open({.dir = "/var/lib/yagura/spool"});
//   (*spool)->append({.sequence = 7, .priority = 1, .events = 120, .payload = frame});
//   while (auto r = (*spool)->next()) { send(r->payload); (*spool)->ack(r->sequence); }
//   for (const SpoolLoss& l : (*spool)->take_losses()) report_gap(l);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace yagura {

struct SpoolOptions {
  std::string dir;                       // created when missing (0700)
  uint64_t max_bytes = 1ull << 30;       // all segments together
  uint64_t segment_bytes = 16ull << 20;  // a segment is closed past this
  bool sync = true;                      // fsync every append (and new files' directory)
};

struct SpoolRecord {
  uint64_t sequence = 0;  // strictly increasing across appends, all lanes
  uint32_t priority = 0;  // lane; higher is kept longer
  uint32_t events = 0;
  uint32_t alert_events = 0;
  std::string payload;
};

struct SpoolLoss {
  enum class Reason { kFull, kCorrupt };
  Reason reason = Reason::kFull;
  // The lost records' sequences, as contiguous ranges in ascending order.
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  uint64_t records = 0;
  uint64_t events = 0;  // kCorrupt: what the readable headers said, else 0
  uint64_t alert_events = 0;
};

struct SpoolStats {
  uint64_t bytes = 0;  // on disk now
  uint64_t segments = 0;
  uint64_t pending_records = 0;  // appended, not acknowledged
  uint64_t pending_events = 0;
  uint64_t appended_records = 0;  // since open
  uint64_t acked_records = 0;
  uint64_t evicted_records = 0;  // unacknowledged records lost to the bound
  uint64_t evicted_events = 0;
  uint64_t corrupt_records = 0;    // lost to damage, found at open or by next()
  uint64_t recovered_records = 0;  // unacknowledged records found at open
  uint64_t append_errors = 0;
};

class Spool {
 public:
  static Result<std::unique_ptr<Spool>> open(const SpoolOptions& options);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Durable when it returns ok (with sync). Refuses a sequence not above
  // every one appended before, and a record larger than max_bytes.
  Status append(const SpoolRecord& record);

  // The unacknowledged record with the lowest sequence, payload read back
  // from disk and checked; nullopt when none (or when the file cannot be
  // opened right now, e.g. out of descriptors: call again later). A record
  // whose bytes do not check out is dropped, reported as a kCorrupt loss, and
  // the next one returned.
  std::optional<SpoolRecord> next();

  // The collector has stored `sequence`: it is never returned again, and a
  // segment whose records are all acknowledged (and that is not being
  // appended to) is deleted. Acknowledging an unknown sequence is a no-op.
  Status ack(uint64_t sequence);

  // Losses (eviction, corruption) since the last call, oldest first.
  std::vector<SpoolLoss> take_losses();

  // The highest sequence ever seen in this spool (appended or recovered),
  // 0 when none: a restarted sensor continues above it.
  uint64_t max_sequence() const;

  SpoolStats stats() const;

 private:
  struct Impl;
  explicit Spool(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura
