// The flight recorder's journal writer: appends every captured event (an
// opaque byte string, one JSON line in practice) to a rolling, tamper-evident
// journal on disk, bounded by size and age. Layout and checks:
// journal_format.h; what the "head" file records: journal_head.h.
//
// Records get a journal-wide number, seq, from 1, never reused: it continues
// across restarts. append() buffers into the open block; the block is
// compressed, written and fdatasync'ed when it reaches block_bytes, or by
// flush(). The caller flushes at least once a second and at stop, so a crash
// loses at most the last second of records (buffered, not yet written), and
// nothing written before it.
//
// Recovery (open): the newest segment is read back. A block cut short or
// failing its checksum at its end, past what the head says was durably
// written, is a crash's torn tail: it is cut and appends continue after the
// last complete block, with the next seq and chain. Damage inside durably
// written data is left for the reader to report, and appends go to a new
// segment.
//
// Bounds: a segment is closed once it reaches segment_bytes; when the next
// one is created, the oldest segments go while all of them plus a full new
// segment would pass max_bytes, or while their newest record is older than
// max_age_ns before the newest record appended. The newest segment is never
// removed.
//
// Disk full (ENOSPC, EDQUOT): the oldest segments are removed to make room
// and the write retried; with nothing left to remove, the block is dropped
// and its records counted as lost. The next block written declares the
// loss, so the gap in seq is not mistaken for tampering. Other write errors
// (EIO) drop the block the same way but remove nothing (deleting evidence
// does not cure a failing disk), and appends move to a new segment. Nothing
// here throws or waits for space: errors are returned and counted.
//
// Threads: append() and flush() from one thread; stats() from any.
//
//   auto journal = JournalWriter::open("/var/lib/yagura/journal", {});
//   if (!journal) log(journal.error().message);
//   (void)journal->append(json_line, event_time_ns);  // losses are in stats()
//   (void)journal->flush();                            // once a second
//   JournalStats s = journal->stats();
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura {

struct JournalLimits {
  uint64_t block_bytes = 256ull << 10;   // records (uncompressed) per block; at most 4 MiB
  uint64_t segment_bytes = 16ull << 20;  // a segment is closed once this big on disk
  uint64_t max_bytes = 1ull << 30;       // all segments together
  uint64_t max_age_ns = 7ull * 24 * 3600 * 1'000'000'000;
};

struct JournalStats {
  // Since open.
  uint64_t records_appended = 0;  // accepted by append()
  uint64_t records_written = 0;   // durably written
  uint64_t records_lost = 0;      // all reasons below
  uint64_t lost_write_error = 0;  // in blocks the disk refused, with nothing left to remove
  uint64_t lost_too_large = 0;    // a record over the block cap (4 MiB framed)
  uint64_t blocks_written = 0;
  uint64_t write_errors = 0;    // failed writes, including those retried after making room
  uint64_t tail_bytes_cut = 0;  // a torn tail cut at open
  // Now.
  uint64_t bytes = 0;  // segment files on disk
  uint64_t segments = 0;
  // Since the journal was created (kept in the head file).
  uint64_t segments_removed_for_age = 0;
  uint64_t segments_removed_for_size = 0;
  uint64_t segments_removed_for_space = 0;
  // The head: newest segment, the blocks written to it since open, the last
  // durably written record and its block's chain hash (hex).
  uint64_t head_segment = 0;
  uint64_t head_segment_blocks = 0;
  uint64_t last_seq = 0;
  std::string chain_hex;
  std::string last_error;  // empty until something fails
};

// Test seam: called before each write to a segment file with the number of
// bytes about to be written. Returning an errno fails the write with it,
// after writing only the first `bytes` (the hook may lower it: a short write
// as a filling disk makes). 0 lets the write through.
using JournalWriteFault = std::function<int(const std::string& path, size_t& bytes)>;

class JournalWriter {
 public:
  // Creates `dir` (0700) when missing.
  static Result<JournalWriter> open(const std::string& dir, const JournalLimits& limits = {},
                                    JournalWriteFault fault = {});
  ~JournalWriter();  // flushes what is buffered
  JournalWriter(JournalWriter&&) noexcept;
  JournalWriter& operator=(JournalWriter&&) noexcept;

  // Buffers one record; writes the block when it is full. An error means
  // records were lost (that record, or the block it filled): they are counted.
  Status append(std::string_view record, uint64_t time_ns);

  // Writes what is buffered as a block, durably. Same errors as append().
  Status flush();

  JournalStats stats() const;

 private:
  struct Impl;
  explicit JournalWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yagura
