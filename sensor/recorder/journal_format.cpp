#include "sensor/recorder/journal_format.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/crc32c.h"
#include "common/little_endian.h"
#include "wire/zstd_frame.h"

namespace yagura::journal {
namespace {

// Segment header: kSegmentMagic (8 bytes), then
constexpr size_t kSegVersionAt = 8;      // u32 kFormatVersion
constexpr size_t kSegHeaderSizeAt = 12;  // u32 kSegmentHeaderSize
constexpr size_t kSegNumberAt = 16;      // u64
constexpr size_t kSegCreatedAt = 24;     // u64 ns since the epoch
constexpr size_t kSegPrevHashAt = 32;    // 32 bytes
constexpr size_t kSegCrcAt = 64;         // u32 over [0, 64); then 4 zero bytes of padding
static_assert(kSegPrevHashAt + 32 == kSegCrcAt && kSegCrcAt + 8 == kSegmentHeaderSize);

// Block header: kBlockMagic (8 bytes), then
constexpr size_t kRawBytesAt = 8;          // u32
constexpr size_t kCompressedBytesAt = 12;  // u32
constexpr size_t kRecordCountAt = 16;      // u32
constexpr size_t kLostBeforeAt = 20;       // u32
constexpr size_t kFirstSeqAt = 24;         // u64
constexpr size_t kMinTimeAt = 32;          // u64
constexpr size_t kMaxTimeAt = 40;          // u64
constexpr size_t kChainAt = 48;            // 32 bytes; the chain covers [0, 48)
constexpr size_t kHeaderCrcAt = 80;        // u32 over [0, 80)
constexpr size_t kBlockCrcAt = 84;         // u32 over [0, 84) and the payload
static_assert(kChainAt + 32 == kHeaderCrcAt && kBlockCrcAt + 4 == kBlockHeaderSize);

void put_hash(char* p, const Hash& h) { std::memcpy(p, h.data(), h.size()); }

Hash get_hash(const char* p) {
  Hash h;
  std::memcpy(h.data(), p, h.size());
  return h;
}

uint32_t record_crc(uint64_t time_ns, std::string_view bytes) {
  char t[8];
  put_le<uint64_t>(t, time_ns);
  return crc32c(bytes, crc32c(std::string_view(t, sizeof(t))));
}

}  // namespace

std::string hash_hex(const Hash& h) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * h.size());
  for (uint8_t b : h) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

std::string encode_segment_header(const SegmentHeader& h) {
  std::string out(kSegmentHeaderSize, '\0');
  char* p = out.data();
  std::memcpy(p, kSegmentMagic.data(), kSegmentMagic.size());
  put_le<uint32_t>(p + kSegVersionAt, kFormatVersion);
  put_le<uint32_t>(p + kSegHeaderSizeAt, kSegmentHeaderSize);
  put_le<uint64_t>(p + kSegNumberAt, h.number);
  put_le<uint64_t>(p + kSegCreatedAt, h.created_ns);
  put_hash(p + kSegPrevHashAt, h.prev_hash);
  put_le<uint32_t>(p + kSegCrcAt, crc32c(std::string_view(p, kSegCrcAt)));
  return out;
}

std::optional<SegmentHeader> decode_segment_header(std::string_view bytes) {
  if (bytes.size() < kSegmentHeaderSize) return std::nullopt;
  const char* p = bytes.data();
  if (std::memcmp(p, kSegmentMagic.data(), kSegmentMagic.size()) != 0 ||
      get_le<uint32_t>(p + kSegVersionAt) != kFormatVersion ||
      get_le<uint32_t>(p + kSegHeaderSizeAt) != kSegmentHeaderSize ||
      get_le<uint32_t>(p + kSegCrcAt) != crc32c(std::string_view(p, kSegCrcAt)))
    return std::nullopt;
  return SegmentHeader{.number = get_le<uint64_t>(p + kSegNumberAt),
                       .created_ns = get_le<uint64_t>(p + kSegCreatedAt),
                       .prev_hash = get_hash(p + kSegPrevHashAt)};
}

std::optional<BlockHeader> decode_block_header(std::string_view bytes) {
  if (bytes.size() < kBlockHeaderSize) return std::nullopt;
  const char* p = bytes.data();
  if (std::memcmp(p, kBlockMagic.data(), kBlockMagic.size()) != 0 ||
      get_le<uint32_t>(p + kHeaderCrcAt) != crc32c(std::string_view(p, kHeaderCrcAt)))
    return std::nullopt;
  BlockHeader h;
  BlockFields& f = h.fields;
  f.raw_bytes = get_le<uint32_t>(p + kRawBytesAt);
  f.compressed_bytes = get_le<uint32_t>(p + kCompressedBytesAt);
  f.record_count = get_le<uint32_t>(p + kRecordCountAt);
  f.lost_before = get_le<uint32_t>(p + kLostBeforeAt);
  f.first_seq = get_le<uint64_t>(p + kFirstSeqAt);
  f.min_time_ns = get_le<uint64_t>(p + kMinTimeAt);
  f.max_time_ns = get_le<uint64_t>(p + kMaxTimeAt);
  h.chain = get_hash(p + kChainAt);
  h.block_crc = get_le<uint32_t>(p + kBlockCrcAt);
  // A header the writer could not have produced is not trusted to size reads.
  if (f.raw_bytes > kMaxBlockRawBytes || f.compressed_bytes > kMaxBlockCompressedBytes ||
      f.record_count == 0 || f.first_seq == 0 || f.last_seq() < f.first_seq)
    return std::nullopt;
  return h;
}

bool block_crc_ok(std::string_view header_bytes, const BlockHeader& h, std::string_view payload) {
  if (header_bytes.size() < kBlockHeaderSize) return false;
  return crc32c(payload, crc32c(header_bytes.substr(0, kBlockCrcAt))) == h.block_crc;
}

Hash chain_hash(const Hash& prev, std::string_view header_bytes, std::string_view payload) {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  Hash out{};
  unsigned int size = 0;
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx.get(), prev.data(), prev.size());
  EVP_DigestUpdate(ctx.get(), header_bytes.data(), std::min(header_bytes.size(), kChainAt));
  EVP_DigestUpdate(ctx.get(), payload.data(), payload.size());
  EVP_DigestFinal_ex(ctx.get(), out.data(), &size);
  return out;
}

EncodedBlock encode_block(BlockFields fields, std::string_view raw, const Hash& prev) {
  const std::string payload = zstd_compress(raw);
  fields.raw_bytes = static_cast<uint32_t>(raw.size());
  fields.compressed_bytes = static_cast<uint32_t>(payload.size());
  EncodedBlock b;
  b.header.fields = fields;
  b.bytes.assign(kBlockHeaderSize, '\0');
  char* p = b.bytes.data();
  std::memcpy(p, kBlockMagic.data(), kBlockMagic.size());
  put_le<uint32_t>(p + kRawBytesAt, fields.raw_bytes);
  put_le<uint32_t>(p + kCompressedBytesAt, fields.compressed_bytes);
  put_le<uint32_t>(p + kRecordCountAt, fields.record_count);
  put_le<uint32_t>(p + kLostBeforeAt, fields.lost_before);
  put_le<uint64_t>(p + kFirstSeqAt, fields.first_seq);
  put_le<uint64_t>(p + kMinTimeAt, fields.min_time_ns);
  put_le<uint64_t>(p + kMaxTimeAt, fields.max_time_ns);
  b.header.chain = chain_hash(prev, std::string_view(p, kChainAt), payload);
  put_hash(p + kChainAt, b.header.chain);
  put_le<uint32_t>(p + kHeaderCrcAt, crc32c(std::string_view(p, kHeaderCrcAt)));
  b.header.block_crc = crc32c(payload, crc32c(std::string_view(p, kBlockCrcAt)));
  put_le<uint32_t>(p + kBlockCrcAt, b.header.block_crc);
  b.bytes += payload;
  return b;
}

void append_record(std::string& raw, std::string_view bytes, uint64_t time_ns) {
  char h[kRecordHeaderSize];
  put_le<uint32_t>(h, static_cast<uint32_t>(bytes.size()));
  put_le<uint32_t>(h + 4, record_crc(time_ns, bytes));
  put_le<uint64_t>(h + 8, time_ns);
  raw.append(h, sizeof(h));
  raw.append(bytes);
}

Status for_each_record(std::string_view raw,
                       const std::function<void(const DecodedRecord&)>& each) {
  size_t at = 0;
  while (at < raw.size()) {
    if (raw.size() - at < kRecordHeaderSize)
      return Error{"record header cut short at byte " + std::to_string(at), EBADMSG};
    const char* p = raw.data() + at;
    const uint32_t length = get_le<uint32_t>(p);
    if (length > raw.size() - at - kRecordHeaderSize)
      return Error{"record at byte " + std::to_string(at) + " runs past the block", EBADMSG};
    DecodedRecord r;
    r.time_ns = get_le<uint64_t>(p + 8);
    r.bytes = raw.substr(at + kRecordHeaderSize, length);
    r.crc_ok = get_le<uint32_t>(p + 4) == record_crc(r.time_ns, r.bytes);
    each(r);
    at += kRecordHeaderSize + length;
  }
  return ok_status();
}

std::string segment_label(uint64_t number) {
  char s[24];
  std::snprintf(s, sizeof(s), "%016" PRIx64, number);
  return s;
}

std::string segment_file_name(uint64_t number) {
  return "journal-" + segment_label(number) + ".yj";
}

std::optional<uint64_t> parse_segment_file_name(std::string_view name) {
  constexpr std::string_view kPrefix = "journal-", kSuffix = ".yj";
  if (name.size() != kPrefix.size() + 16 + kSuffix.size() || !name.starts_with(kPrefix) ||
      !name.ends_with(kSuffix))
    return std::nullopt;
  uint64_t n = 0;
  for (char c : name.substr(kPrefix.size(), 16)) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return std::nullopt;
    n = n << 4 | static_cast<uint64_t>(d);
  }
  return n;
}

}  // namespace yagura::journal
