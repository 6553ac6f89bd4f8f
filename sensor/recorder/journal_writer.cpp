#include "sensor/recorder/journal_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "common/durable_file.h"
#include "common/host.h"
#include "common/unique_fd.h"
#include "sensor/recorder/journal_format.h"
#include "sensor/recorder/journal_head.h"
#include "sensor/recorder/journal_io.h"
#include "sensor/recorder/journal_segment.h"

namespace yagura {

using journal::BlockFields;
using journal::Hash;
using journal::JournalHead;
using journal::SegmentReader;

namespace {

// What retention and the head need to know of a segment on disk.
struct Segment {
  uint64_t number = 0;
  uint64_t bytes = 0;
  // Its newest record's time (its creation time when it holds none); 0 when
  // unknown, and then never removed for age.
  uint64_t newest_ns = 0;
  uint64_t last_seq = 0;        // of its last readable block; 0 when none
  uint64_t last_block_end = 0;  // where that block ends
  Hash last_chain{};            // that block's chain
};

// A walk over a segment's block headers (no payloads): sizes, times, seqs.
Result<Segment> survey(const std::string& dir, uint64_t number) {
  const std::string path = dir + "/" + journal::segment_file_name(number);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return Error::from_errno("open " + path);
  Segment seg{.number = number, .bytes = static_cast<uint64_t>(st.st_size)};
  SegmentReader reader(fd.get(), seg.bytes, path);
  auto header = reader.header();
  if (!header) return header.error();
  if (*header) seg.newest_ns = (*header)->created_ns;
  bool any_block = false;
  for (;;) {
    auto item = reader.next(/*with_payload=*/false);
    if (!item) return item.error();
    if (!*item) break;
    if (!(*item)->intact) continue;
    const BlockFields& f = (*item)->header->fields;
    seg.newest_ns = any_block ? std::max(seg.newest_ns, f.max_time_ns) : f.max_time_ns;
    any_block = true;
    if (f.last_seq() > seg.last_seq) {
      seg.last_seq = f.last_seq();
      seg.last_block_end = (*item)->end;
      seg.last_chain = (*item)->header->chain;
    }
  }
  return seg;
}

}  // namespace

struct JournalWriter::Impl {
  std::string dir;
  JournalLimits limits;
  JournalWriteFault fault;

  JournalHead head;              // as last written
  std::deque<Segment> segments;  // on disk, oldest first
  UniqueFd fd;                   // the newest segment, while appends may go to it
  bool rotate = true;            // the next block starts a new segment
  uint64_t next_segment = 1;
  uint64_t next_seq = 1;
  Hash chain{};                 // of the last block written: the next block's prev
  uint64_t newest_ns = 0;       // the newest record time appended or found
  uint64_t segment_blocks = 0;  // written to the newest segment since open

  // The open block.
  std::string raw;
  BlockFields block;
  uint64_t lost_before = 0;  // dropped since the last block written

  mutable std::mutex stats_mu;
  JournalStats stats;

  // Where appends to the newest segment would continue.
  struct Tail {
    bool appendable = false;           // its end is where its intact blocks end
    std::optional<uint64_t> last_seq;  // of its last intact block; nullopt: none
    Hash chain{};                      // that block's chain, else the segment's prev_hash
  };

  Status recover();
  Result<Tail> recover_newest(std::vector<uint64_t>& numbers);
  Status append(std::string_view record, uint64_t time_ns);
  Status write_block();
  Status write_block_once(const journal::EncodedBlock& b);
  Status create_segment();
  Status write_at(const std::string& path, int fd, std::string_view data, uint64_t offset);
  bool drop_oldest_for_space();
  void apply_retention();
  Status save_head();
  void note_error(const Error& e, bool write_error);
  void publish();
  std::string path_of(uint64_t number) const {
    return dir + "/" + journal::segment_file_name(number);
  }
  uint64_t total_bytes() const {
    uint64_t total = 0;
    for (const Segment& s : segments) total += s.bytes;
    return total;
  }
};

void JournalWriter::Impl::note_error(const Error& e, bool write_error) {
  std::lock_guard lock(stats_mu);
  stats.last_error = e.message;
  if (write_error) stats.write_errors++;
}

void JournalWriter::Impl::publish() {
  std::lock_guard lock(stats_mu);
  stats.bytes = total_bytes();
  stats.segments = segments.size();
  stats.segments_removed_for_age = head.removed_for_age;
  stats.segments_removed_for_size = head.removed_for_size;
  stats.segments_removed_for_space = head.removed_for_space;
  stats.head_segment = segments.empty() ? 0 : segments.back().number;
  stats.head_segment_blocks = segment_blocks;
  stats.last_seq = head.last_seq;
  stats.chain_hex = journal::hash_hex(head.chain);
}

Status JournalWriter::Impl::save_head() {
  head.first_segment = segments.empty() ? next_segment : segments.front().number;
  Status s = journal::write_head(dir, head);
  if (!s) note_error(s.error(), false);
  return s;
}

Status JournalWriter::Impl::write_at(const std::string& path, int fd, std::string_view data,
                                     uint64_t offset) {
  size_t allowed = data.size();
  if (const int err = fault ? fault(path, allowed) : 0; err != 0) {
    (void)journal::pwrite_all(fd, data.substr(0, std::min(allowed, data.size())), offset, path);
    return Error::from_errno("write " + path, err);
  }
  if (Status s = journal::pwrite_all(fd, data, offset, path); !s) return s;
  if (::fdatasync(fd) != 0) return Error::from_errno("fsync " + path);
  return ok_status();
}

// Recovers the newest segment: cuts a torn tail, or, when the damage lies in
// durably written data, leaves it (for the reader to report) and keeps
// appends away from it.
Result<JournalWriter::Impl::Tail> JournalWriter::Impl::recover_newest(
    std::vector<uint64_t>& numbers) {
  Tail tail;
  while (!numbers.empty()) {
    const uint64_t number = numbers.back();
    const std::string path = path_of(number);
    UniqueFd f(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    struct stat st {};
    if (!f.valid() || ::fstat(f.get(), &st) != 0) return Error::from_errno("open " + path);
    SegmentReader reader(f.get(), static_cast<uint64_t>(st.st_size), path);
    auto header = reader.header();
    if (!header) return header.error();
    if (!*header && number > head.last_segment && reader.size() <= journal::kSegmentHeaderSize) {
      // Its creation was cut short by a crash: nothing else was written to it.
      if (::unlink(path.c_str()) != 0) return Error::from_errno("unlink " + path);
      numbers.pop_back();
      continue;
    }
    // Everything before durable_end was fsync'ed before the head said so.
    const uint64_t durable_end = number < head.block_segment    ? reader.size()
                                 : number == head.block_segment ? head.block_end
                                                                : 0;
    uint64_t cut = 0;  // end of the run of intact blocks from the start
    bool intact_after_damage = false, damaged = false;
    if (*header) {
      cut = journal::kSegmentHeaderSize;
      tail.chain = (*header)->prev_hash;
    }
    for (;;) {
      auto item = reader.next();
      if (!item) return item.error();
      if (!*item) break;
      if (!(*item)->intact) {
        damaged = true;
      } else if (damaged) {
        intact_after_damage = true;
      } else {
        cut = (*item)->end;
        tail.last_seq = (*item)->header->fields.last_seq();
        tail.chain = (*item)->header->chain;
      }
    }
    tail.appendable = *header && !intact_after_damage && cut >= durable_end;
    if (tail.appendable && cut < reader.size()) {
      if (::ftruncate(f.get(), static_cast<off_t>(cut)) != 0)
        return Error::from_errno("truncate " + path);
      std::lock_guard lock(stats_mu);
      stats.tail_bytes_cut += reader.size() - cut;
    }
    // Blocks written before a crash may still be only in the page cache.
    if (::fdatasync(f.get()) != 0) return Error::from_errno("fsync " + path);
    if (tail.appendable) fd = std::move(f);
    return tail;
  }
  return tail;
}

Status JournalWriter::Impl::recover() {
  if (Status s = make_dirs(dir); !s) return s;
  auto stored = journal::read_head(dir);
  if (!stored) note_error(stored.error(), false);  // rebuilt from the segments below
  const bool had_head = stored && *stored;
  if (had_head) head = **stored;

  auto numbers = journal::list_segments(dir);
  if (!numbers) return numbers.error();
  // Retention wrote the head before removing these, then was interrupted.
  while (had_head && !numbers->empty() && numbers->front() < head.first_segment) {
    const std::string path = path_of(numbers->front());
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Error::from_errno("unlink " + path);
    numbers->erase(numbers->begin());
  }

  auto tail = recover_newest(*numbers);
  if (!tail) return tail.error();
  if (Status s = fsync_dir(dir); !s) return s;

  uint64_t max_seq = head.last_seq;
  const Segment* last_block = nullptr;  // the segment holding the highest seq
  for (uint64_t number : *numbers) {
    auto seg = survey(dir, number);
    if (!seg) return seg.error();
    segments.push_back(*seg);
    newest_ns = std::max(newest_ns, seg->newest_ns);
    if (seg->last_seq > max_seq) {
      max_seq = seg->last_seq;
      last_block = &segments.back();
    }
  }
  if (last_block) {
    head.last_seq = last_block->last_seq;
    head.block_segment = last_block->number;
    head.block_end = last_block->last_block_end;
    head.chain = last_block->last_chain;
  }
  // Appends continue in the newest segment only where it ends the journal;
  // otherwise (a gap behind the head, damage) a new segment starts, chained
  // from the newest block known, and the reader reports the break.
  if (tail->appendable &&
      (tail->last_seq ? *tail->last_seq == max_seq : segments.back().last_seq == 0)) {
    chain = tail->chain;
    rotate = segments.back().bytes >= limits.segment_bytes;
  } else {
    fd.reset();
    chain = head.chain;
    rotate = true;
  }
  next_seq = max_seq + 1;
  next_segment = std::max(numbers->empty() ? 0 : numbers->back(), head.last_segment) + 1;
  head.last_segment = next_segment - 1;
  apply_retention();
  (void)save_head();
  publish();
  return ok_status();
}

Status JournalWriter::Impl::create_segment() {
  const uint64_t number = next_segment;
  const std::string path = path_of(number);
  UniqueFd f(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!f.valid()) return Error::from_errno("create " + path);
  const std::string header = journal::encode_segment_header(
      {.number = number, .created_ns = realtime_ns(), .prev_hash = chain});
  Status s = write_at(path, f.get(), header, 0);
  if (s) s = fsync_dir(dir);
  if (!s) {
    ::unlink(path.c_str());
    return s;
  }
  next_segment = number + 1;
  fd = std::move(f);
  rotate = false;
  segment_blocks = 0;
  segments.push_back(Segment{.number = number, .bytes = header.size(), .newest_ns = newest_ns});
  head.last_segment = number;
  apply_retention();  // writes the head when it removes something
  (void)save_head();
  return ok_status();
}

void JournalWriter::Impl::apply_retention() {
  std::vector<Segment> victims;
  uint64_t total = total_bytes();
  // Room for the newest segment to grow to full size.
  const uint64_t room = segments.empty() ? 0
                                         : limits.segment_bytes - std::min(limits.segment_bytes,
                                                                           segments.back().bytes);
  const uint64_t horizon = newest_ns > limits.max_age_ns ? newest_ns - limits.max_age_ns : 0;
  JournalHead next = head;
  while (segments.size() > victims.size() + 1) {
    const Segment& oldest = segments[victims.size()];
    if (total + room > limits.max_bytes) {
      next.removed_for_size++;
    } else if (oldest.newest_ns != 0 && oldest.newest_ns < horizon) {
      next.removed_for_age++;
    } else {
      break;
    }
    total -= oldest.bytes;
    victims.push_back(oldest);
  }
  if (victims.empty()) return;
  // The head first: a crash before the removals leaves extra old segments
  // (removed at the next open), never a head that claims more than is there.
  next.first_segment = segments[victims.size()].number;
  if (Status s = journal::write_head(dir, next); !s) {
    note_error(s.error(), false);
    return;  // tried again at the next rotation
  }
  head = next;
  for (const Segment& v : victims) {
    if (::unlink(path_of(v.number).c_str()) != 0 && errno != ENOENT)
      note_error(Error::from_errno("unlink " + path_of(v.number)), false);
    segments.pop_front();
  }
  if (Status s = fsync_dir(dir); !s) note_error(s.error(), false);
}

// Removes the oldest segment for room. The head goes first, as for
// retention, when the full disk lets it; otherwise it follows the removal,
// and until it does a reader would take the removal for a deletion.
bool JournalWriter::Impl::drop_oldest_for_space() {
  if (segments.size() < 2) return false;
  JournalHead next = head;
  next.first_segment = segments[1].number;
  next.removed_for_space++;
  const bool head_first = static_cast<bool>(journal::write_head(dir, next));
  const std::string path = path_of(segments.front().number);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    note_error(Error::from_errno("unlink " + path), false);
    if (head_first) (void)save_head();  // the segment is still there
    return false;
  }
  segments.pop_front();
  head = next;
  (void)fsync_dir(dir);
  if (!head_first) (void)save_head();
  return true;
}

Status JournalWriter::Impl::write_block_once(const journal::EncodedBlock& b) {
  if (rotate || !fd.valid()) {
    if (Status s = create_segment(); !s) return s;
  }
  Segment& seg = segments.back();
  const std::string path = path_of(seg.number);
  Status s = write_at(path, fd.get(), b.bytes, seg.bytes);
  if (!s) {
    // Cut what got through, so the next block follows the last complete
    // one. A disk that fails otherwise gets no more writes to this file.
    if (::ftruncate(fd.get(), static_cast<off_t>(seg.bytes)) != 0 ||
        !out_of_space(s.error().code)) {
      struct stat st {};
      if (::fstat(fd.get(), &st) == 0) seg.bytes = static_cast<uint64_t>(st.st_size);
      fd.reset();
      rotate = true;
    }
    return s;
  }
  seg.bytes += b.bytes.size();
  // A new segment's newest_ns stood in for its records until now.
  seg.newest_ns = seg.last_seq == 0 ? b.header.fields.max_time_ns
                                    : std::max(seg.newest_ns, b.header.fields.max_time_ns);
  seg.last_seq = b.header.fields.last_seq();
  seg.last_block_end = seg.bytes;
  seg.last_chain = b.header.chain;
  return ok_status();
}

Status JournalWriter::Impl::write_block() {
  if (raw.empty()) return ok_status();
  block.lost_before =
      static_cast<uint32_t>(std::min<uint64_t>(lost_before, std::numeric_limits<uint32_t>::max()));
  const journal::EncodedBlock b = journal::encode_block(block, raw, chain);
  const uint64_t count = block.record_count;
  raw.clear();
  block = {};

  Status s;
  for (;;) {
    s = write_block_once(b);
    if (s) break;
    note_error(s.error(), true);
    if (!out_of_space(s.error().code) || !drop_oldest_for_space()) break;
  }
  if (!s) {
    lost_before += count;
    {
      std::lock_guard lock(stats_mu);
      stats.records_lost += count;
      stats.lost_write_error += count;
    }
    publish();
    return Error{"journal: " + std::to_string(count) + " records lost: " + s.error().message,
                 s.error().code};
  }
  lost_before = 0;
  chain = b.header.chain;
  segment_blocks++;
  const Segment& seg = segments.back();
  head.last_seq = seg.last_seq;
  head.block_segment = seg.number;
  head.block_end = seg.bytes;
  head.chain = chain;
  if (seg.bytes >= limits.segment_bytes) rotate = true;
  {
    std::lock_guard lock(stats_mu);
    stats.records_written += count;
    stats.blocks_written++;
  }
  (void)save_head();  // a head behind the data only widens what counts as tail
  publish();
  return ok_status();
}

Status JournalWriter::Impl::append(std::string_view record, uint64_t time_ns) {
  if (record.size() > journal::kMaxRecordBytes) {
    std::lock_guard lock(stats_mu);
    stats.records_lost++;
    stats.lost_too_large++;
    return Error{"journal: a record of " + std::to_string(record.size()) + " bytes is over the " +
                     std::to_string(journal::kMaxRecordBytes) + " byte cap",
                 EFBIG};
  }
  Status s;
  if (raw.size() + journal::kRecordHeaderSize + record.size() > journal::kMaxBlockRawBytes)
    s = write_block();
  if (raw.empty()) {
    block.first_seq = next_seq;
    block.min_time_ns = block.max_time_ns = time_ns;
  }
  journal::append_record(raw, record, time_ns);
  block.record_count++;
  block.min_time_ns = std::min(block.min_time_ns, time_ns);
  block.max_time_ns = std::max(block.max_time_ns, time_ns);
  next_seq++;
  newest_ns = std::max(newest_ns, time_ns);
  {
    std::lock_guard lock(stats_mu);
    stats.records_appended++;
  }
  if (raw.size() >= limits.block_bytes) {
    Status w = write_block();
    if (s) s = std::move(w);
  }
  return s;
}

Result<JournalWriter> JournalWriter::open(const std::string& dir, const JournalLimits& limits,
                                          JournalWriteFault fault) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->limits = limits;
  impl->limits.block_bytes =
      std::clamp<uint64_t>(limits.block_bytes, 1, journal::kMaxBlockRawBytes);
  impl->fault = std::move(fault);
  if (Status s = impl->recover(); !s) return s.error();
  return JournalWriter(std::move(impl));
}

JournalWriter::JournalWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JournalWriter::JournalWriter(JournalWriter&&) noexcept = default;
JournalWriter& JournalWriter::operator=(JournalWriter&&) noexcept = default;

JournalWriter::~JournalWriter() {
  if (impl_) (void)impl_->write_block();
}

Status JournalWriter::append(std::string_view record, uint64_t time_ns) {
  return impl_->append(record, time_ns);
}

Status JournalWriter::flush() { return impl_->write_block(); }

JournalStats JournalWriter::stats() const {
  std::lock_guard lock(impl_->stats_mu);
  return impl_->stats;
}

}  // namespace yagura
