// Reads one journal segment file in order: its header, then each block or
// damaged stretch, without judging them. What damage means depends on where
// it lies relative to the head (a crash's torn tail, or loss of data that
// was durably written), which the writer's recovery and the reader decide.
//
// Damage is stepped over, so one damaged block costs only itself: a block
// whose header checks but whose payload does not is skipped by the length
// its header gives; bytes that do not start a valid block header are
// skipped up to the next offset where one does.
//
//   SegmentReader seg(fd, size, path);
//   auto header = seg.header();
//   while (auto item = seg.next()) {
//     if (!*item) break;  // end of the segment
//     if ((*item)->intact) use((*item)->header->fields, (*item)->payload);
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sensor/recorder/journal_format.h"

namespace yagura::journal {

struct SegmentItem {
  uint64_t offset = 0;  // where it starts in the file
  uint64_t end = 0;     // where the next item starts; the file's size for the last
  // When the bytes at `offset` are a block header whose own CRC checks.
  std::optional<BlockHeader> header;
  // Header and payload are whole and match the block CRC (without payloads:
  // the header checks and the block fits in the file).
  bool intact = false;
  // Valid until the next call to next(). header_bytes whenever `header`;
  // payload when read and whole, even if it failed the block CRC.
  std::string_view header_bytes;
  std::string_view payload;
};

class SegmentReader {
 public:
  // Reads the first `size` bytes of the file open on `fd` (not owned): data
  // appended after the caller took the size is not looked at.
  SegmentReader(int fd, uint64_t size, std::string path);

  uint64_t size() const { return size_; }

  // nullopt when the file is too short for a segment header or it does not check.
  Result<std::optional<SegmentHeader>> header();

  // The next item after the segment header; nullopt at the end of the file.
  // Without payloads only block headers are read (a quick walk for sizes
  // and times).
  Result<std::optional<SegmentItem>> next(bool with_payload = true);

 private:
  // The first offset at or after `from` holding a valid block header; size_ if none.
  Result<uint64_t> find_block_header(uint64_t from);

  int fd_;
  uint64_t size_;
  std::string path_;
  uint64_t pos_ = kSegmentHeaderSize;
  std::string buf_;
};

}  // namespace yagura::journal
