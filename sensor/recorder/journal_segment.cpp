#include "sensor/recorder/journal_segment.h"

#include <algorithm>
#include <utility>

#include "sensor/recorder/journal_io.h"

namespace yagura::journal {

SegmentReader::SegmentReader(int fd, uint64_t size, std::string path)
    : fd_(fd), size_(size), path_(std::move(path)) {}

Result<std::optional<SegmentHeader>> SegmentReader::header() {
  char bytes[kSegmentHeaderSize];
  auto got = pread_full(fd_, bytes, std::min<uint64_t>(sizeof(bytes), size_), 0, path_);
  if (!got) return got.error();
  return decode_segment_header(std::string_view(bytes, *got));
}

Result<std::optional<SegmentItem>> SegmentReader::next(bool with_payload) {
  if (pos_ >= size_) return std::optional<SegmentItem>();
  SegmentItem item;
  item.offset = pos_;
  buf_.resize(kBlockHeaderSize);
  auto got =
      pread_full(fd_, buf_.data(), std::min<uint64_t>(kBlockHeaderSize, size_ - pos_), pos_, path_);
  if (!got) return got.error();
  item.header = decode_block_header(std::string_view(buf_.data(), *got));
  if (!item.header) {
    // Not a block header (damage, or one cut short at the end): skip to
    // where the next one starts.
    auto next_header = find_block_header(pos_ + 1);
    if (!next_header) return next_header.error();
    item.end = pos_ = *next_header;
    return std::optional<SegmentItem>(std::move(item));
  }
  const uint64_t length = kBlockHeaderSize + item.header->fields.compressed_bytes;
  if (length > size_ - pos_) {
    item.end = pos_ = size_;
    item.header_bytes = std::string_view(buf_.data(), kBlockHeaderSize);
    return std::optional<SegmentItem>(std::move(item));
  }
  item.end = pos_ + length;
  if (with_payload) {
    buf_.resize(length);
    got = pread_full(fd_, buf_.data() + kBlockHeaderSize, length - kBlockHeaderSize,
                     pos_ + kBlockHeaderSize, path_);
    if (!got) return got.error();
    if (*got != length - kBlockHeaderSize) {
      // The file shrank under us (a writer cutting a failed block): the rest is gone.
      item.end = size_ = pos_ + kBlockHeaderSize + *got;
      buf_.resize(kBlockHeaderSize);
    } else {
      item.payload = std::string_view(buf_).substr(kBlockHeaderSize);
    }
  }
  item.header_bytes = std::string_view(buf_.data(), kBlockHeaderSize);
  item.intact = !with_payload || (!item.payload.empty() &&
                                  block_crc_ok(item.header_bytes, *item.header, item.payload));
  pos_ = item.end;
  return std::optional<SegmentItem>(std::move(item));
}

Result<uint64_t> SegmentReader::find_block_header(uint64_t from) {
  constexpr size_t kChunk = 64 << 10;
  std::string chunk(kChunk + kBlockHeaderSize, '\0');
  while (from + kBlockHeaderSize <= size_) {
    // Each chunk overlaps the next by a header, so no candidate is split.
    const size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size_ - from));
    auto got = pread_full(fd_, chunk.data(), want, from, path_);
    if (!got) return got.error();
    const std::string_view view(chunk.data(), *got);
    for (size_t at = view.find(kBlockMagic); at != std::string_view::npos;
         at = view.find(kBlockMagic, at + 1)) {
      if (at + kBlockHeaderSize > view.size()) break;
      if (decode_block_header(view.substr(at))) return from + at;
    }
    if (*got < want || *got <= kBlockHeaderSize) break;
    from += *got - kBlockHeaderSize + 1;
  }
  return size_;
}

}  // namespace yagura::journal
