// The flight recorder journal's on-disk layout: segment header, block
// header, the records inside a block, and the hash chain that links every
// block to the one before it, across segments. Pure encoding and decoding;
// files are read and written by JournalWriter, JournalReader and
// SegmentReader.
//
// Segment file "journal-<number, 16 hex digits>.yj":
//   segment header (72 bytes), then blocks back to back.
// Block:
//   block header (88 bytes), then the payload: ONE zstd frame of the block's
//   records, each framed {u32 length, u32 CRC-32C of (time_ns, bytes),
//   u64 time_ns, bytes}. Record i of a block has seq first_seq + i.
// All integers little-endian, fields naturally aligned, decoded by copy.
//
// Three layers of checking, each for its own threat:
//   - the record CRC finds a damaged record inside a block that otherwise
//     decodes;
//   - the block header has its own CRC (so a block whose payload is damaged
//     can be skipped exactly and its seq range reported), and a CRC over
//     header and payload finds storage damage;
//   - chain = SHA-256(previous chain || header fields before the chain ||
//     compressed payload) makes an edit, a reordering or a removal detectable
//     by anyone who knows a later chain value (the head file's, or one
//     reported elsewhere), even when the editor recomputed every CRC.
// The first block of a segment chains from the segment header's prev_hash,
// which is the chain of the last block before the segment (zeros for the
// journal's very first).
//
//   std::string raw;
//   append_record(raw, R"({"event":"exec"})", time_ns);
//   BlockFields f{.record_count = 1, .first_seq = 1, .min_time_ns = t, .max_time_ns = t};
//   EncodedBlock b = encode_block(f, raw, prev_chain);  // b.bytes go to disk, b.header.chain is
//   next prev
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura::journal {

using Hash = std::array<uint8_t, 32>;
std::string hash_hex(const Hash& h);

inline constexpr uint32_t kFormatVersion = 1;
inline constexpr std::string_view kSegmentMagic = "YGJOURN1";
// Every block header starts with it: how a reader finds the next block after damage.
inline constexpr std::string_view kBlockMagic = "YGJBLOCK";
inline constexpr size_t kSegmentHeaderSize = 72;
inline constexpr size_t kBlockHeaderSize = 88;
inline constexpr size_t kRecordHeaderSize = 16;
// A block's records, uncompressed, never exceed this: it bounds the memory a
// reader spends on one block, whatever a (damaged) header claims.
inline constexpr uint32_t kMaxBlockRawBytes = 4u << 20;
// zstd's worst case for kMaxBlockRawBytes (ZSTD_compressBound), rounded up.
inline constexpr uint32_t kMaxBlockCompressedBytes = kMaxBlockRawBytes + (64u << 10);
// A record framed alone must fit in a block.
inline constexpr size_t kMaxRecordBytes = kMaxBlockRawBytes - kRecordHeaderSize;

struct SegmentHeader {
  uint64_t number = 0;
  uint64_t created_ns = 0;
  Hash prev_hash{};  // chain of the last block before this segment
};

std::string encode_segment_header(const SegmentHeader& h);
// nullopt unless `bytes` starts with a whole header of this format whose CRC checks.
std::optional<SegmentHeader> decode_segment_header(std::string_view bytes);

// What a block header says about its records.
struct BlockFields {
  uint32_t raw_bytes = 0;         // records as framed, before compression
  uint32_t compressed_bytes = 0;  // the payload on disk
  uint32_t record_count = 0;
  // Records the writer had to drop (the disk refused them) since the block
  // before: their seqs are skipped, so first_seq = previous last + 1 +
  // lost_before. Declared inside the chain, so such a gap is not tampering.
  uint32_t lost_before = 0;
  uint64_t first_seq = 0;
  // Range of the records' times (min and max, not first and last: wall
  // clocks step back), so a time-bounded read can skip the block.
  uint64_t min_time_ns = 0;
  uint64_t max_time_ns = 0;

  uint64_t last_seq() const { return first_seq + record_count - 1; }
};

struct BlockHeader {
  BlockFields fields;
  Hash chain{};
  uint32_t block_crc = 0;  // CRC-32C of the header before it and the payload
};

// nullopt unless `bytes` starts with a whole block header whose own CRC
// checks and whose lengths are within the format's bounds.
std::optional<BlockHeader> decode_block_header(std::string_view bytes);

// Whether `payload` is the one the header (its first kBlockHeaderSize bytes
// in `header_bytes`) was written with.
bool block_crc_ok(std::string_view header_bytes, const BlockHeader& h, std::string_view payload);

// The chain value of a block: over the previous chain, the header bytes
// before the chain field, and the compressed payload.
Hash chain_hash(const Hash& prev, std::string_view header_bytes, std::string_view payload);

struct EncodedBlock {
  BlockHeader header;
  std::string bytes;  // header then payload, as written to disk
};

// Compresses `raw` (records framed by append_record) into a block chained
// to `prev`. fields.raw_bytes and compressed_bytes are filled in here.
EncodedBlock encode_block(BlockFields fields, std::string_view raw, const Hash& prev);

// Frames one record at the end of a block's raw bytes.
void append_record(std::string& raw, std::string_view bytes, uint64_t time_ns);

struct DecodedRecord {
  uint64_t time_ns = 0;
  std::string_view bytes;
  bool crc_ok = false;
};

// Calls `each` for every record framed in `raw`, in order. Stops with an
// error (EBADMSG) at framing that runs past the end: the rest is unreadable.
Status for_each_record(std::string_view raw, const std::function<void(const DecodedRecord&)>& each);

// "journal-0000000000000005.yj"; parse_segment_name accepts only that form.
std::string segment_file_name(uint64_t number);
std::optional<uint64_t> parse_segment_file_name(std::string_view name);
// 16 hex digits, as in file names and reports.
std::string segment_label(uint64_t number);

}  // namespace yagura::journal
