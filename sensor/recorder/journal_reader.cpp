#include "sensor/recorder/journal_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "common/unique_fd.h"
#include "sensor/recorder/journal_format.h"
#include "sensor/recorder/journal_head.h"
#include "sensor/recorder/journal_io.h"
#include "sensor/recorder/journal_segment.h"
#include "wire/zstd_frame.h"

namespace yagura {

using journal::BlockFields;
using journal::Hash;
using journal::JournalHead;
using journal::segment_label;
using journal::SegmentItem;
using Kind = JournalProblem::Kind;

namespace {

std::string segments_missing(uint64_t from, uint64_t to, const std::string& why) {
  const std::string which = from == to
                                ? "segment " + segment_label(from)
                                : "segments " + segment_label(from) + " to " + segment_label(to);
  return which + " missing (deleted" + why + ")";
}

std::string seq_range(const BlockFields& f) {
  return "seq " + std::to_string(f.first_seq) + ".." + std::to_string(f.last_seq());
}

// One scan's state: the running chain and seq, and the report.
class Scanner {
 public:
  Scanner(const std::string& dir, const ScanOptions& options,
          const std::function<void(const JournalRecord&)>& each)
      : dir_(dir), options_(options), each_(each) {}

  Result<JournalScan> run();

 private:
  void problem(Kind kind, uint64_t segment, uint64_t offset, std::string what) {
    out_.problems.push_back({kind, segment, offset, std::move(what)});
    broken_ = true;
  }
  // After damage whose extent is unknown, nothing links to what follows.
  void lose_chain() {
    chain_.reset();
    next_seq_.reset();
  }
  // Whether `offset` in segment `number` lies past what the head says was durably written.
  bool past_head(uint64_t number, uint64_t offset) const {
    return !head_ || number > head_->block_segment ||
           (number == head_->block_segment && offset >= head_->block_end);
  }
  std::string path_of(uint64_t number) const {
    return dir_ + "/" + journal::segment_file_name(number);
  }
  void scan_segment(uint64_t number, bool newest, UniqueFd fd);
  void intact_block(uint64_t number, const SegmentItem& item);
  void bad_item(uint64_t number, const SegmentItem& item, uint64_t size, bool newest);
  void deliver(uint64_t number, const SegmentItem& item, bool salvaged);

  const std::string& dir_;
  const ScanOptions& options_;
  const std::function<void(const JournalRecord&)>& each_;
  JournalScan out_;
  std::optional<JournalHead> head_;
  std::optional<Hash> chain_;         // of the last block; nullopt when unknown
  std::optional<uint64_t> next_seq_;  // the seq the next block should start at
  std::optional<Hash> chain_at_head_seq_;
  bool broken_ = false;
  bool truncation_reported_ = false;
};

Result<JournalScan> Scanner::run() {
  // The head, then the listing, then every segment opened: what the head
  // vouches for was on disk before the listing, so a concurrent writer's
  // progress is not mistaken for loss; and segments held open stay readable
  // when retention removes them while the scan runs. A segment removed
  // between the listing and its opening makes the snapshot start over.
  Result<std::optional<JournalHead>> head = std::optional<JournalHead>();
  std::vector<uint64_t> numbers;
  std::vector<UniqueFd> fds;
  for (int attempt = 0; attempt < 3; ++attempt) {
    head = journal::read_head(dir_);
    auto listed = journal::list_segments(dir_);
    if (!listed) return listed.error();
    numbers = std::move(*listed);
    fds.clear();
    bool vanished = false;
    for (uint64_t number : numbers) {
      fds.emplace_back(::open(path_of(number).c_str(), O_RDONLY | O_CLOEXEC));
      vanished = vanished || (!fds.back().valid() && errno == ENOENT);
    }
    if (!vanished) break;
  }
  if (!head) problem(Kind::kHead, 0, 0, "head file unreadable: " + head.error().message);
  if (head && *head) {
    head_ = **head;
    out_.head_chain = journal::hash_hex(head_->chain);
  }
  // Retention writes the head before removing segments: read it again, so
  // that segments removed since the first read are known as retention's.
  uint64_t retained_from = head_ ? head_->first_segment : 0;
  if (auto now = journal::read_head(dir_); now && *now) retained_from = (*now)->first_segment;

  if (head_ && !numbers.empty() && numbers.front() > retained_from) {
    problem(Kind::kSegmentMissing, retained_from, 0,
            segments_missing(
                retained_from, numbers.front() - 1,
                ": the head says the retained range starts at " + segment_label(retained_from)));
  }
  for (size_t i = 0; i < numbers.size(); ++i) {
    const uint64_t number = numbers[i];
    if (i > 0 && number != numbers[i - 1] + 1) {
      problem(Kind::kSegmentMissing, numbers[i - 1] + 1, 0,
              segments_missing(numbers[i - 1] + 1, number - 1, ""));
      lose_chain();
    }
    scan_segment(number, i + 1 == numbers.size(), std::move(fds[i]));
  }

  if (head_) {
    const uint64_t from = std::max(numbers.empty() ? 0 : numbers.back() + 1, retained_from);
    if (from <= head_->last_segment) {
      problem(Kind::kSegmentMissing, from, 0,
              segments_missing(from, head_->last_segment, ": the head names it"));
    }
    // Unless retention has removed the head's last block since (a writer
    // far ahead of this scan), the journal reaches it.
    if (out_.last_seq < head_->last_seq && head_->block_segment >= retained_from &&
        !truncation_reported_) {
      problem(Kind::kTruncated, head_->block_segment, head_->block_end,
              "journal ends before its head (truncated): the head's last record is seq " +
                  std::to_string(head_->last_seq) + ", the journal's is seq " +
                  std::to_string(out_.last_seq));
    }
    if (chain_at_head_seq_ && *chain_at_head_seq_ != head_->chain) {
      problem(Kind::kChainMismatch, head_->block_segment, head_->block_end,
              "the block ending at the head's last record (seq " + std::to_string(head_->last_seq) +
                  ") does not have the head's chain hash (edited or replaced)");
    }
  } else if (out_.blocks > 0 && head) {
    problem(Kind::kHead, 0, 0, "head file missing");
  }
  out_.ok = out_.problems.empty();
  return std::move(out_);
}

void Scanner::scan_segment(uint64_t number, bool newest, UniqueFd fd) {
  const std::string path = path_of(number);
  // Not opened with the others (out of descriptors, or gone): try once more.
  if (!fd.valid()) fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    const int err = errno;
    auto now = journal::read_head(dir_);
    lose_chain();
    // Removed by retention since the listing: not a break in the journal.
    if (err == ENOENT && now && *now && (*now)->first_segment > number) return;
    problem(err == ENOENT ? Kind::kSegmentMissing : Kind::kBlockUnreadable, number, 0,
            err == ENOENT ? segments_missing(number, number, "")
                          : Error::from_errno("open " + path, err).message);
    return;
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    problem(Kind::kBlockUnreadable, number, 0, Error::from_errno("stat " + path).message);
    lose_chain();
    return;
  }
  journal::SegmentReader reader(fd.get(), static_cast<uint64_t>(st.st_size), path);
  auto header = reader.header();
  if (!header) {
    problem(Kind::kBlockUnreadable, number, 0, header.error().message);
    lose_chain();
    return;
  }
  if (!*header) {
    // A segment being created right now (or whose creation a crash cut).
    if (newest && reader.size() < journal::kSegmentHeaderSize &&
        (!head_ || number > head_->last_segment)) {
      out_.tail_incomplete = true;
      return;
    }
    problem(Kind::kSegmentHeader, number, 0, "segment header invalid");
    lose_chain();
  } else {
    if ((*header)->number != number) {
      problem(Kind::kSegmentHeader, number, 0,
              "segment header says it is segment " + segment_label((*header)->number));
    }
    if (chain_ && *chain_ != (*header)->prev_hash) {
      problem(Kind::kChainMismatch, number, 0,
              "chain hash mismatch at the segment's start: it does not follow the block before "
              "it (blocks removed, or edited or reordered)");
    }
    chain_ = (*header)->prev_hash;
  }
  out_.segments++;
  for (;;) {
    auto item = reader.next();
    if (!item) {
      problem(Kind::kBlockUnreadable, number, 0, item.error().message);
      lose_chain();
      return;
    }
    if (!*item) break;
    if ((*item)->intact)
      intact_block(number, **item);
    else
      bad_item(number, **item, reader.size(), newest);
  }
}

void Scanner::intact_block(uint64_t number, const SegmentItem& item) {
  const BlockFields& f = item.header->fields;
  if (chain_ && journal::chain_hash(*chain_, item.header_bytes, item.payload) != item.header->chain)
    problem(Kind::kChainMismatch, number, item.offset,
            "chain hash mismatch (edited or reordered): the block of " + seq_range(f) +
                " or the one before it");
  if (next_seq_ && f.first_seq != *next_seq_ + f.lost_before)
    problem(Kind::kSeqGap, number, item.offset,
            "seq gap: expected seq " + std::to_string(*next_seq_ + f.lost_before) +
                ", the block starts at seq " + std::to_string(f.first_seq));
  chain_ = item.header->chain;
  next_seq_ = f.last_seq() + 1;
  if (head_ && f.last_seq() == head_->last_seq) chain_at_head_seq_ = item.header->chain;

  if (out_.blocks == 0) {
    out_.first_seq = f.first_seq;
    out_.first_time_ns = f.min_time_ns;
  }
  out_.first_seq = std::min(out_.first_seq, f.first_seq);
  out_.last_seq = std::max(out_.last_seq, f.last_seq());
  out_.first_time_ns = std::min(out_.first_time_ns, f.min_time_ns);
  out_.last_time_ns = std::max(out_.last_time_ns, f.max_time_ns);
  out_.blocks++;
  out_.lost_declared += f.lost_before;
  out_.last_chain = journal::hash_hex(item.header->chain);
  deliver(number, item, /*salvaged=*/false);
}

void Scanner::bad_item(uint64_t number, const SegmentItem& item, uint64_t size, bool newest) {
  const bool runs_to_end = item.end == size;
  if (runs_to_end && newest && past_head(number, item.offset)) {
    out_.tail_incomplete = true;  // being written, or a crash's torn tail
    return;
  }
  if (runs_to_end && item.payload.empty()) {
    truncation_reported_ = truncation_reported_ || newest;
    problem(Kind::kTruncated, number, item.offset,
            newest ? "journal ends before its head (truncated): the last block is cut short"
                   : "segment ends in an incomplete block (truncated)");
    lose_chain();
    return;
  }
  if (!item.header) {
    problem(Kind::kBlockUnreadable, number, item.offset,
            std::to_string(item.end - item.offset) + " bytes unreadable (no valid block header)");
    lose_chain();
    return;
  }
  // The header's own CRC vouches for it: its records are known lost (or
  // salvaged below), and the chain goes on from the hash it carries.
  problem(Kind::kBlockChecksum, number, item.offset,
          "block checksum mismatch (" + seq_range(item.header->fields) + ")");
  chain_ = item.header->chain;
  next_seq_ = item.header->fields.last_seq() + 1;
  deliver(number, item, /*salvaged=*/true);
}

void Scanner::deliver(uint64_t number, const SegmentItem& item, bool salvaged) {
  const BlockFields& f = item.header->fields;
  if ((options_.from_ns && f.max_time_ns < *options_.from_ns) ||
      (options_.to_ns && f.min_time_ns > *options_.to_ns))
    return;
  auto raw = zstd_decompress(item.payload, f.raw_bytes);
  if (!raw) {
    if (!salvaged)
      problem(Kind::kBlockUnreadable, number, item.offset,
              "block of " + seq_range(f) + " does not decompress: " + raw.error().message);
    return;
  }
  uint64_t seq = f.first_seq, count = 0;
  Status framing = journal::for_each_record(*raw, [&](const journal::DecodedRecord& r) {
    const uint64_t this_seq = seq++;
    ++count;
    if (!r.crc_ok) {
      problem(Kind::kRecordChecksum, number, item.offset,
              "record checksum mismatch (seq " + std::to_string(this_seq) + ")");
      return;
    }
    if ((options_.from_ns && r.time_ns < *options_.from_ns) ||
        (options_.to_ns && r.time_ns > *options_.to_ns))
      return;
    out_.records++;
    each_(JournalRecord{
        .seq = this_seq, .time_ns = r.time_ns, .bytes = r.bytes, .chained = !broken_ && !salvaged});
  });
  if (!framing)
    problem(Kind::kBlockUnreadable, number, item.offset,
            "block of " + seq_range(f) + ": " + framing.error().message);
  else if (count != f.record_count)
    problem(Kind::kBlockUnreadable, number, item.offset,
            "block of " + seq_range(f) + " holds " + std::to_string(count) + " records");
}

}  // namespace

Result<JournalReader> JournalReader::open(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return Error::from_errno(dir);
  if (!S_ISDIR(st.st_mode)) return Error{dir + ": not a directory", ENOTDIR};
  return JournalReader(dir);
}

Result<JournalScan> JournalReader::scan(
    const ScanOptions& options, const std::function<void(const JournalRecord&)>& each) const {
  return Scanner(dir_, options, each).run();
}

}  // namespace yagura
