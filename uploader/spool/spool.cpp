#include "uploader/spool/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <mutex>
#include <string_view>

#include "common/crc32c.h"
#include "common/durable_file.h"
#include "common/little_endian.h"
#include "common/unique_fd.h"

namespace yagura {
namespace {

// Record header, little-endian, every field naturally aligned. The header
// CRC lets recovery trust the sequence and counts of a record whose payload
// is damaged (to report exactly what was lost); the record CRC covers the
// header before it and then the payload. Both are CRC-32C.
constexpr size_t kMagicAt = 0;         // u32 "YSPL"
constexpr size_t kVersionAt = 4;       // u16 kFormatVersion
constexpr size_t kHeaderLenAt = 6;     // u16 kHeaderSize
constexpr size_t kPayloadLenAt = 8;    // u32
constexpr size_t kPriorityAt = 12;     // u32
constexpr size_t kSequenceAt = 16;     // u64
constexpr size_t kEventsAt = 24;       // u32
constexpr size_t kAlertEventsAt = 28;  // u32
constexpr size_t kHeaderCrcAt = 32;    // u32 over [0, 32)
constexpr size_t kCrcAt = 36;          // u32 over [0, 36) and the payload
constexpr size_t kHeaderSize = 40;
constexpr uint32_t kMagic = 0x4C505359;  // "YSPL" on disk
constexpr uint16_t kFormatVersion = 1;
// Acknowledged-through watermark: u64 sequence, u32 CRC-32C of it.
constexpr const char* kAckFileName = "acked-through";
constexpr size_t kAckFileSize = 12;

struct RecordHeader {
  uint64_t sequence = 0;
  uint32_t payload_len = 0;
  uint32_t priority = 0;
  uint32_t events = 0;
  uint32_t alert_events = 0;
  uint32_t crc = 0;
};

uint32_t record_crc(const char* header, std::string_view payload) {
  return crc32c(payload, crc32c(std::string_view(header, kCrcAt)));
}

std::array<char, kHeaderSize> encode_header(const SpoolRecord& r) {
  std::array<char, kHeaderSize> h{};
  put_le<uint32_t>(&h[kMagicAt], kMagic);
  put_le<uint16_t>(&h[kVersionAt], kFormatVersion);
  put_le<uint16_t>(&h[kHeaderLenAt], kHeaderSize);
  put_le<uint32_t>(&h[kPayloadLenAt], static_cast<uint32_t>(r.payload.size()));
  put_le<uint32_t>(&h[kPriorityAt], r.priority);
  put_le<uint64_t>(&h[kSequenceAt], r.sequence);
  put_le<uint32_t>(&h[kEventsAt], r.events);
  put_le<uint32_t>(&h[kAlertEventsAt], r.alert_events);
  put_le<uint32_t>(&h[kHeaderCrcAt], crc32c(std::string_view(h.data(), kHeaderCrcAt)));
  put_le<uint32_t>(&h[kCrcAt], record_crc(h.data(), r.payload));
  return h;
}

// Parses the first `n` bytes of a header. Nothing comes out of bytes that do
// not start like one of our headers, nor of a whole header failing its CRC.
// A torn header (cut by a crash, not altered) still yields its sequence once
// that much of it is there, and its event counts once they are.
std::optional<RecordHeader> parse_header(const char* p, size_t n) {
  if (n < kEventsAt) return std::nullopt;
  if (get_le<uint32_t>(p + kMagicAt) != kMagic ||
      get_le<uint16_t>(p + kVersionAt) != kFormatVersion ||
      get_le<uint16_t>(p + kHeaderLenAt) != kHeaderSize)
    return std::nullopt;
  if (n >= kCrcAt &&
      get_le<uint32_t>(p + kHeaderCrcAt) != crc32c(std::string_view(p, kHeaderCrcAt)))
    return std::nullopt;
  RecordHeader h;
  h.payload_len = get_le<uint32_t>(p + kPayloadLenAt);
  h.priority = get_le<uint32_t>(p + kPriorityAt);
  h.sequence = get_le<uint64_t>(p + kSequenceAt);
  if (n >= kHeaderCrcAt) {
    h.events = get_le<uint32_t>(p + kEventsAt);
    h.alert_events = get_le<uint32_t>(p + kAlertEventsAt);
  }
  if (n >= kHeaderSize) h.crc = get_le<uint32_t>(p + kCrcAt);
  return h;
}

std::string segment_name(uint32_t lane, uint64_t first_sequence) {
  char name[64];
  std::snprintf(name, sizeof(name), "lane%" PRIu32 "-%020" PRIu64 ".seg", lane, first_sequence);
  return name;
}

// Only names segment_name() produces: anything else in the directory is not ours.
std::optional<std::pair<uint32_t, uint64_t>> parse_segment_name(std::string_view name) {
  if (!name.starts_with("lane") || !name.ends_with(".seg")) return std::nullopt;
  const char* p = name.data() + 4;
  const char* end = name.data() + name.size();
  uint32_t lane = 0;
  uint64_t first = 0;
  auto [dash, ec1] = std::from_chars(p, end, lane);
  if (ec1 != std::errc() || dash == end || *dash != '-') return std::nullopt;
  auto [dot, ec2] = std::from_chars(dash + 1, end, first);
  if (ec2 != std::errc()) return std::nullopt;
  if (segment_name(lane, first) != name) return std::nullopt;
  return std::pair{lane, first};
}

std::vector<std::pair<uint64_t, uint64_t>> to_ranges(std::vector<uint64_t> sequences) {
  std::sort(sequences.begin(), sequences.end());
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (uint64_t s : sequences) {
    if (!ranges.empty() && ranges.back().second + 1 >= s)
      ranges.back().second = std::max(ranges.back().second, s);
    else
      ranges.emplace_back(s, s);
  }
  return ranges;
}

// Reads up to `n` bytes at `offset`; fewer only at the end of the file.
Result<size_t> pread_full(int fd, char* buf, size_t n, uint64_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::from_errno("read " + path);
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

// Header and payload in one pwritev (more only when the kernel writes short).
Status pwrite_all(int fd, std::string_view a, std::string_view b, uint64_t offset,
                  const std::string& path) {
  const size_t total = a.size() + b.size();
  size_t done = 0;
  while (done < total) {
    iovec iov[2];
    int count = 0;
    if (done < a.size()) iov[count++] = {const_cast<char*>(a.data()) + done, a.size() - done};
    const size_t b_done = done > a.size() ? done - a.size() : 0;
    iov[count++] = {const_cast<char*>(b.data()) + b_done, b.size() - b_done};
    ssize_t r = ::pwritev(fd, iov, count, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error::from_errno("write " + path);
    if (r == 0) return Error{"write " + path + ": no progress", EIO};
    done += static_cast<size_t>(r);
  }
  return ok_status();
}

Result<std::vector<std::string>> list_dir(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) return Error::from_errno("opendir " + dir);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* e = ::readdir(d.get())) names.emplace_back(e->d_name);
  if (errno != 0) return Error::from_errno("readdir " + dir);
  return names;
}

struct Segment {
  uint32_t lane = 0;
  std::string path;
  uint64_t bytes = 0;
  std::vector<uint64_t> sequences;  // every record it holds, ascending
  uint64_t pending = 0;             // how many of them are not acknowledged
  UniqueFd fd;                      // valid while it is its lane's open segment
};

struct Entry {
  Segment* segment = nullptr;
  uint64_t offset = 0;
  uint32_t payload_len = 0;
  uint32_t events = 0;
  uint32_t alert_events = 0;
};

// Where a segment scan stopped: `end` is the offset of the first record that
// is not whole and valid (the file size when all are); `bad` is that record's
// header as far as it could be read, `bad_fits` whether its length lies
// inside the file (a CRC mismatch rather than a torn tail).
struct ScanEnd {
  uint64_t end = 0;
  std::optional<RecordHeader> bad;
  bool bad_fits = false;
};

Result<ScanEnd> scan_records(int fd, uint64_t size, uint64_t offset, const std::string& path,
                             const std::function<void(const RecordHeader&, uint64_t)>& on_record) {
  std::string payload;
  while (offset < size) {
    char header[kHeaderSize];
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kHeaderSize, size - offset));
    auto got = pread_full(fd, header, want, offset, path);
    if (!got) return got.error();
    ScanEnd stop{offset, parse_header(header, *got), false};
    if (*got < kHeaderSize || !stop.bad) return stop;
    if (stop.bad->payload_len > size - offset - kHeaderSize) return stop;
    stop.bad_fits = true;
    payload.resize(stop.bad->payload_len);
    got = pread_full(fd, payload.data(), payload.size(), offset + kHeaderSize, path);
    if (!got) return got.error();
    if (*got != payload.size() || record_crc(header, payload) != stop.bad->crc) return stop;
    on_record(*stop.bad, offset);
    offset += kHeaderSize + payload.size();
  }
  return ScanEnd{offset, std::nullopt, false};
}

}  // namespace

struct Spool::Impl {
  SpoolOptions options;
  std::mutex append_mu;   // serializes appends; held across their write and fsync
  mutable std::mutex mu;  // guards all below; an open segment's fd and bytes
                          // change only under both
  // By priority; each lane oldest segment first, never empty.
  std::map<uint32_t, std::deque<std::unique_ptr<Segment>>> lanes;
  std::map<uint64_t, Entry> pending;
  std::vector<SpoolLoss> losses;
  SpoolStats stats;
  uint64_t max_sequence = 0;
  // Every record at or below it is acknowledged. Persisted (without fsync:
  // losing it costs only duplicates) so that a restart does not resend the
  // acknowledged records of segments that could not be deleted yet.
  uint64_t acked_through = 0;
  UniqueFd ack_fd;

  Status recover();
  Status open_ack_file();
  Status recover_segment(uint32_t lane, uint64_t first, std::vector<uint64_t>& lost,
                         SpoolLoss& corrupt, bool& dir_changed);
  Status append(const SpoolRecord& r);
  std::optional<SpoolRecord> next();
  Status ack(uint64_t sequence);

  Status make_room(uint64_t size, uint64_t limit, uint32_t priority);
  Status write_record(const SpoolRecord& r, uint64_t size);
  Status delete_segment(Segment* seg);
  void forget(std::map<uint64_t, Entry>::iterator it);
  void advance_watermark();
  Result<Segment*> create_segment(uint32_t lane, uint64_t first);
};

void Spool::Impl::forget(std::map<uint64_t, Entry>::iterator it) {
  it->second.segment->pending--;
  stats.pending_records--;
  stats.pending_events -= it->second.events;
  pending.erase(it);
}

// Unlinks the segment and drops it and its pending records from the index.
// On failure nothing changes.
Status Spool::Impl::delete_segment(Segment* seg) {
  if (::unlink(seg->path.c_str()) != 0 && errno != ENOENT)
    return Error::from_errno("unlink " + seg->path);
  for (uint64_t seq : seg->sequences)
    if (auto it = pending.find(seq); it != pending.end() && it->second.segment == seg) forget(it);
  stats.bytes -= seg->bytes;
  stats.segments--;
  const uint32_t lane = seg->lane;
  auto& segments = lanes[lane];
  std::erase_if(segments, [seg](const std::unique_ptr<Segment>& s) { return s.get() == seg; });
  if (segments.empty()) lanes.erase(lane);
  return ok_status();
}

// Evicts whole segments, lowest lane and oldest first, until `size` more
// bytes fit under `limit`; what was not acknowledged is a kFull loss. Only
// lanes up to `priority` give way: data is never dropped for less important
// data. Fails (ENOSPC) when they cannot make the room.
Status Spool::Impl::make_room(uint64_t size, uint64_t limit, uint32_t priority) {
  // First what costs nothing: open segments whose records are all
  // acknowledged, of any lane (the next append to the lane starts a new one).
  std::vector<Segment*> acked;
  for (auto& [lane, segments] : lanes)
    if (segments.back()->pending == 0) acked.push_back(segments.back().get());
  for (Segment* seg : acked) {
    if (stats.bytes + size <= limit) break;
    if (Status s = delete_segment(seg); !s) return s;
  }
  std::vector<uint64_t> lost;
  SpoolLoss loss{.reason = SpoolLoss::Reason::kFull};
  Status status;
  while (stats.bytes + size > limit) {
    if (lanes.empty() || lanes.begin()->first > priority) {
      status = Error{"spool: full, and what it holds is of higher priority", ENOSPC};
      break;
    }
    Segment* victim = lanes.begin()->second.front().get();
    std::vector<uint64_t> victim_lost;
    uint64_t events = 0, alert_events = 0;
    for (uint64_t seq : victim->sequences) {
      auto it = pending.find(seq);
      if (it == pending.end()) continue;
      victim_lost.push_back(seq);
      events += it->second.events;
      alert_events += it->second.alert_events;
    }
    status = delete_segment(victim);
    if (!status) break;
    lost.insert(lost.end(), victim_lost.begin(), victim_lost.end());
    loss.events += events;
    loss.alert_events += alert_events;
  }
  if (!lost.empty()) {
    loss.records = lost.size();
    loss.ranges = to_ranges(std::move(lost));
    stats.evicted_records += loss.records;
    stats.evicted_events += loss.events;
    losses.push_back(std::move(loss));
  }
  return status;
}

void Spool::Impl::advance_watermark() {
  const uint64_t w = pending.empty() ? max_sequence : pending.begin()->first - 1;
  if (w <= acked_through) return;
  acked_through = w;
  // Made anew when removed from outside, so that a restart still finds it.
  struct stat st {};
  if (::fstat(ack_fd.get(), &st) == 0 && st.st_nlink == 0) (void)open_ack_file();
  char buf[kAckFileSize];
  put_le<uint64_t>(buf, w);
  put_le<uint32_t>(buf + 8, crc32c(std::string_view(buf, 8)));
  // A failed write only means more duplicates after a restart.
  [[maybe_unused]] ssize_t written = ::pwrite(ack_fd.get(), buf, sizeof(buf), 0);
}

Result<Segment*> Spool::Impl::create_segment(uint32_t lane, uint64_t first) {
  auto seg = std::make_unique<Segment>();
  seg->lane = lane;
  seg->path = options.dir + "/" + segment_name(lane, first);
  auto create = [&] {
    seg->fd.reset(::open(seg->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  };
  create();
  // Someone removed the directory under the running spool: batches sealed
  // from now on still need a home.
  if (!seg->fd.valid() && errno == ENOENT && make_dirs(options.dir)) create();
  if (!seg->fd.valid()) return Error::from_errno("create " + seg->path);
  if (options.sync) {
    if (Status s = fsync_dir(options.dir); !s) {
      ::unlink(seg->path.c_str());
      return s.error();
    }
  }
  std::lock_guard lock(mu);
  Segment* raw = seg.get();
  lanes[lane].push_back(std::move(seg));
  stats.segments++;
  return raw;
}

Status Spool::Impl::append(const SpoolRecord& r) {
  std::lock_guard serial(append_mu);
  const uint64_t size = kHeaderSize + r.payload.size();
  uint64_t before = 0;
  {
    std::lock_guard lock(mu);
    Status s;
    if (r.sequence <= max_sequence)
      s = Error{"spool: sequence " + std::to_string(r.sequence) + " is not above " +
                    std::to_string(max_sequence),
                EINVAL};
    else if (r.payload.size() > std::numeric_limits<uint32_t>::max() || size > options.max_bytes)
      s = Error{"spool: record of " + std::to_string(size) + " bytes exceeds the spool size",
                EFBIG};
    else
      s = make_room(size, options.max_bytes, r.priority);
    if (!s) {
      stats.append_errors++;
      return s;
    }
    before = stats.bytes;
  }
  // A full disk is the bound come early: room is made the same way (and
  // reported), then the record gets one more try.
  auto room_made = [&] {
    std::lock_guard lock(mu);
    (void)make_room(size, before, r.priority);
    return stats.bytes < before;
  };
  Status s = write_record(r, size);
  if (!s && out_of_space(s.error().code) && room_made()) s = write_record(r, size);
  if (!s) {
    std::lock_guard lock(mu);
    stats.append_errors++;
  }
  return s;
}

// Writes the record at the end of its lane's open segment, or of a new one.
// Called with append_mu held.
Status Spool::Impl::write_record(const SpoolRecord& r, uint64_t size) {
  Segment* seg = nullptr;
  {
    std::lock_guard lock(mu);
    if (auto lane = lanes.find(r.priority); lane != lanes.end() && lane->second.back()->fd.valid())
      seg = lane->second.back().get();
    struct stat st {};
    if (seg && ::fstat(seg->fd.get(), &st) == 0 && st.st_nlink == 0) {
      // Removed from outside (an operator cleaning up): what it held is lost
      // (next() reports it); what comes now must go to a file that exists.
      seg->fd.reset();
      if (seg->pending == 0) (void)delete_segment(seg);
      seg = nullptr;
    }
  }
  if (!seg) {
    auto created = create_segment(r.priority, r.sequence);
    if (!created) return created.error();
    seg = *created;
  }

  // Outside `mu`: the upload thread keeps reading and acknowledging while
  // this waits for the disk. Nothing else touches an open segment's file
  // end, and only appends (serialized) delete open segments.
  const auto header = encode_header(r);
  const uint64_t offset = seg->bytes;
  Status s = pwrite_all(seg->fd.get(), std::string_view(header.data(), header.size()), r.payload,
                        offset, seg->path);
  if (s && options.sync && ::fdatasync(seg->fd.get()) != 0)
    s = Error::from_errno("fsync " + seg->path);

  std::lock_guard lock(mu);
  if (!s) {
    // Leave no torn record behind for later appends to follow (recovery would
    // cut them off with it), and write no more to a file the disk refused:
    // should the truncate fail too, the torn tail is cut at the next open.
    [[maybe_unused]] int truncated = ::ftruncate(seg->fd.get(), static_cast<off_t>(offset));
    seg->fd.reset();
    if (seg->pending == 0) (void)delete_segment(seg);
    return s;
  }
  seg->bytes += size;
  seg->sequences.push_back(r.sequence);
  seg->pending++;
  pending.emplace(r.sequence, Entry{seg, offset, static_cast<uint32_t>(r.payload.size()), r.events,
                                    r.alert_events});
  stats.bytes += size;
  stats.pending_records++;
  stats.pending_events += r.events;
  stats.appended_records++;
  max_sequence = r.sequence;
  if (seg->bytes >= options.segment_bytes) seg->fd.reset();
  return ok_status();
}

std::optional<SpoolRecord> Spool::Impl::next() {
  std::lock_guard lock(mu);
  while (!pending.empty()) {
    auto it = pending.begin();
    const Entry& e = it->second;
    // The open segment is read through its own descriptor (which also keeps
    // its records readable should the file be removed from outside).
    UniqueFd opened;
    int fd = e.segment->fd.get();
    if (fd < 0) {
      opened.reset(::open(e.segment->path.c_str(), O_RDONLY | O_CLOEXEC));
      // Out of descriptors or memory is no reason to give the record up: the
      // caller tries again later.
      if (!opened.valid() && errno != ENOENT && errno != EIO) return std::nullopt;
      fd = opened.get();
    }
    char header[kHeaderSize];
    SpoolRecord r;
    r.payload.resize(e.payload_len);
    std::optional<RecordHeader> h;
    if (fd >= 0) {
      auto got = pread_full(fd, header, kHeaderSize, e.offset, e.segment->path);
      if (got && *got == kHeaderSize) h = parse_header(header, kHeaderSize);
      if (h) {
        got = pread_full(fd, r.payload.data(), r.payload.size(), e.offset + kHeaderSize,
                         e.segment->path);
        if (!got || *got != r.payload.size() || h->sequence != it->first ||
            h->payload_len != e.payload_len || record_crc(header, r.payload) != h->crc)
          h.reset();
      }
    }
    if (h) {
      r.sequence = h->sequence;
      r.priority = h->priority;
      r.events = h->events;
      r.alert_events = h->alert_events;
      return r;
    }
    losses.push_back(SpoolLoss{.reason = SpoolLoss::Reason::kCorrupt,
                               .ranges = {{it->first, it->first}},
                               .records = 1,
                               .events = e.events,
                               .alert_events = e.alert_events});
    stats.corrupt_records++;
    Segment* seg = e.segment;
    forget(it);
    if (seg->pending == 0 && !seg->fd.valid()) (void)delete_segment(seg);
  }
  return std::nullopt;
}

Status Spool::Impl::ack(uint64_t sequence) {
  std::lock_guard lock(mu);
  auto it = pending.find(sequence);
  if (it == pending.end()) return ok_status();
  Segment* seg = it->second.segment;
  forget(it);
  stats.acked_records++;
  advance_watermark();
  if (seg->pending == 0 && !seg->fd.valid()) return delete_segment(seg);
  return ok_status();
}

Status Spool::Impl::recover_segment(uint32_t lane, uint64_t first, std::vector<uint64_t>& lost,
                                    SpoolLoss& corrupt, bool& dir_changed) {
  auto seg = std::make_unique<Segment>();
  seg->lane = lane;
  seg->path = options.dir + "/" + segment_name(lane, first);
  max_sequence = std::max(max_sequence, first);

  UniqueFd fd(::open(seg->path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) return Error::from_errno("open " + seg->path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Error::from_errno("stat " + seg->path);
  const uint64_t size = static_cast<uint64_t>(st.st_size);

  std::vector<std::pair<uint64_t, Entry>> records;
  uint64_t last = 0;
  auto scan = scan_records(fd.get(), size, 0, seg->path, [&](const RecordHeader& h, uint64_t off) {
    records.push_back({h.sequence, Entry{seg.get(), off, h.payload_len, h.events, h.alert_events}});
    last = h.sequence;
  });
  if (!scan) return scan.error();

  if (scan->end < size) {
    // The bad record's header (checked by its own CRC when whole) is trusted
    // for the loss report only when its sequence also fits where it lies:
    // above the records before it, or the segment's first when it is first.
    const std::optional<RecordHeader>& bad = scan->bad;
    const bool plausible = bad && (records.empty() ? bad->sequence == first : bad->sequence > last);
    auto count_lost = [&](const RecordHeader& h) {
      max_sequence = std::max(max_sequence, h.sequence);
      if (h.sequence <= acked_through) return;  // the collector has it
      lost.push_back(h.sequence);
      corrupt.records++;
      corrupt.events += h.events;
      corrupt.alert_events += h.alert_events;
    };
    if (plausible) {
      count_lost(*bad);
      // Whole records after a damaged one are cut off with it: report them.
      if (scan->bad_fits) {
        auto tail =
            scan_records(fd.get(), size, scan->end + kHeaderSize + bad->payload_len, seg->path,
                         [&](const RecordHeader& h, uint64_t) { count_lost(h); });
        if (!tail) return tail.error();
      }
    } else {
      corrupt.records++;
    }
    if (::ftruncate(fd.get(), static_cast<off_t>(scan->end)) != 0)
      return Error::from_errno("truncate " + seg->path);
    if (options.sync && ::fsync(fd.get()) != 0) return Error::from_errno("fsync " + seg->path);
  }

  if (records.empty()) {
    if (::unlink(seg->path.c_str()) != 0) return Error::from_errno("unlink " + seg->path);
    dir_changed = true;
    return ok_status();
  }
  for (auto& [seq, entry] : records) {
    max_sequence = std::max(max_sequence, seq);
    seg->sequences.push_back(seq);
    if (seq <= acked_through || !pending.emplace(seq, entry).second) continue;
    seg->pending++;
    stats.pending_records++;
    stats.pending_events += entry.events;
    stats.recovered_records++;
  }
  seg->bytes = scan->end;
  stats.bytes += seg->bytes;
  stats.segments++;
  lanes[lane].push_back(std::move(seg));
  return ok_status();
}

Status Spool::Impl::open_ack_file() {
  const std::string path = options.dir + "/" + kAckFileName;
  ack_fd.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!ack_fd.valid()) return Error::from_errno("open " + path);
  return ok_status();
}

Status Spool::Impl::recover() {
  if (options.dir.empty()) return Error{"spool: no directory configured", EINVAL};
  if (Status s = make_dirs(options.dir); !s) return s;

  if (Status s = open_ack_file(); !s) return s;
  const std::string ack_path = options.dir + "/" + kAckFileName;
  char ack[kAckFileSize];
  auto got = pread_full(ack_fd.get(), ack, sizeof(ack), 0, ack_path);
  if (!got) return got.error();
  // Torn or foreign: start from 0, which only costs duplicates.
  if (*got == sizeof(ack) && crc32c(std::string_view(ack, 8)) == get_le<uint32_t>(ack + 8))
    acked_through = get_le<uint64_t>(ack);
  max_sequence = acked_through;

  auto names = list_dir(options.dir);
  if (!names) return names.error();
  std::vector<std::pair<uint64_t, uint32_t>> found;  // (first sequence, lane): oldest first
  for (const std::string& name : *names)
    if (auto parsed = parse_segment_name(name)) found.emplace_back(parsed->second, parsed->first);
  std::sort(found.begin(), found.end());

  std::vector<uint64_t> lost;
  SpoolLoss corrupt{.reason = SpoolLoss::Reason::kCorrupt};
  bool dir_changed = false;
  for (const auto& [first, lane] : found)
    if (Status s = recover_segment(lane, first, lost, corrupt, dir_changed); !s) return s;
  if (corrupt.records > 0) {
    corrupt.ranges = to_ranges(std::move(lost));
    stats.corrupt_records += corrupt.records;
    losses.push_back(std::move(corrupt));
  }

  // Segments holding only acknowledged records go now.
  std::vector<Segment*> done;
  for (auto& [lane, segments] : lanes)
    for (auto& seg : segments)
      if (seg->pending == 0) done.push_back(seg.get());
  for (Segment* seg : done) {
    if (Status s = delete_segment(seg); !s) return s;
    dir_changed = true;
  }
  if (dir_changed && options.sync) return fsync_dir(options.dir);
  return ok_status();
}

Result<std::unique_ptr<Spool>> Spool::open(const SpoolOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (Status s = impl->recover(); !s) return s.error();
  return std::unique_ptr<Spool>(new Spool(std::move(impl)));
}

Spool::Spool(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Spool::~Spool() = default;

Status Spool::append(const SpoolRecord& record) { return impl_->append(record); }

std::optional<SpoolRecord> Spool::next() { return impl_->next(); }

Status Spool::ack(uint64_t sequence) { return impl_->ack(sequence); }

std::vector<SpoolLoss> Spool::take_losses() {
  std::lock_guard lock(impl_->mu);
  return std::exchange(impl_->losses, {});
}

uint64_t Spool::max_sequence() const {
  std::lock_guard lock(impl_->mu);
  return impl_->max_sequence;
}

SpoolStats Spool::stats() const {
  std::lock_guard lock(impl_->mu);
  return impl_->stats;
}

}  // namespace yagura
