#include "sensor/recorder/journal_format.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sensor/recorder/journal_head.h"

using namespace yagura;
using namespace yagura::journal;

namespace {

Hash hash_of(uint8_t seed) {
  Hash h;
  for (size_t i = 0; i < h.size(); ++i) h[i] = static_cast<uint8_t>(seed + i);
  return h;
}

}  // namespace

TEST_CASE("journal format: a segment header round-trips and refuses damage", "[journal]") {
  const SegmentHeader h{.number = 0x1234, .created_ns = 99, .prev_hash = hash_of(7)};
  const std::string bytes = encode_segment_header(h);
  REQUIRE(bytes.size() == kSegmentHeaderSize);
  auto back = decode_segment_header(bytes);
  REQUIRE(back);
  CHECK(back->number == h.number);
  CHECK(back->created_ns == h.created_ns);
  CHECK(back->prev_hash == h.prev_hash);
  for (size_t i = 0; i < 68; ++i) {  // every byte the CRC covers, and the CRC
    std::string damaged = bytes;
    damaged[i] ^= 0x01;
    INFO("byte " << i);
    CHECK_FALSE(decode_segment_header(damaged));
  }
  CHECK_FALSE(decode_segment_header(bytes.substr(0, kSegmentHeaderSize - 1)));
}

TEST_CASE("journal format: a block carries its records, checksums and chain", "[journal]") {
  std::string raw;
  append_record(raw, "first", 10);
  append_record(raw, "", 11);
  append_record(raw, "third", 9);
  const BlockFields fields{
      .record_count = 3, .lost_before = 2, .first_seq = 41, .min_time_ns = 9, .max_time_ns = 11};
  const EncodedBlock b = encode_block(fields, raw, hash_of(1));
  auto h = decode_block_header(b.bytes);
  REQUIRE(h);
  CHECK(h->fields.raw_bytes == raw.size());
  CHECK(h->fields.compressed_bytes == b.bytes.size() - kBlockHeaderSize);
  CHECK(h->fields.record_count == 3);
  CHECK(h->fields.lost_before == 2);
  CHECK(h->fields.first_seq == 41);
  CHECK(h->fields.last_seq() == 43);
  CHECK(h->fields.min_time_ns == 9);
  CHECK(h->fields.max_time_ns == 11);
  CHECK(h->chain == b.header.chain);

  const std::string_view header = std::string_view(b.bytes).substr(0, kBlockHeaderSize);
  const std::string_view payload = std::string_view(b.bytes).substr(kBlockHeaderSize);
  CHECK(block_crc_ok(header, *h, payload));
  CHECK(chain_hash(hash_of(1), header, payload) == h->chain);
  // The chain depends on what came before.
  CHECK(chain_hash(hash_of(2), header, payload) != h->chain);
  std::string other_payload(payload);
  other_payload[3] ^= 0x01;
  CHECK_FALSE(block_crc_ok(header, *h, other_payload));
  CHECK(chain_hash(hash_of(1), header, other_payload) != h->chain);

  std::vector<std::pair<uint64_t, std::string>> records;
  REQUIRE(for_each_record(raw, [&](const DecodedRecord& r) {
    CHECK(r.crc_ok);
    records.emplace_back(r.time_ns, std::string(r.bytes));
  }));
  CHECK(records ==
        std::vector<std::pair<uint64_t, std::string>>{{10, "first"}, {11, ""}, {9, "third"}});

  // A record's CRC covers its time and bytes; framing past the end is refused.
  std::string damaged = raw;
  damaged[kRecordHeaderSize + 2] ^= 0x01;
  int bad = 0;
  REQUIRE(for_each_record(damaged, [&](const DecodedRecord& r) { bad += r.crc_ok ? 0 : 1; }));
  CHECK(bad == 1);
  CHECK_FALSE(for_each_record(raw.substr(0, raw.size() - 1), [](const DecodedRecord&) {}));
}

TEST_CASE("journal format: block headers a writer could not produce are refused", "[journal]") {
  std::string raw;
  append_record(raw, "x", 1);
  const EncodedBlock good = encode_block(
      {.record_count = 1, .first_seq = 1, .min_time_ns = 1, .max_time_ns = 1}, raw, Hash{});
  REQUIRE(decode_block_header(good.bytes));
  CHECK_FALSE(decode_block_header(good.bytes.substr(0, kBlockHeaderSize - 1)));
  std::string damaged = good.bytes;
  damaged[20] ^= 0x01;  // a field under the header CRC
  CHECK_FALSE(decode_block_header(damaged));
  // A well-formed header over the raw size cap, CRCs and all.
  std::string big(kMaxBlockRawBytes + 1, 'a');
  CHECK_FALSE(
      decode_block_header(encode_block({.record_count = 1, .first_seq = 1}, big, Hash{}).bytes));
  CHECK_FALSE(
      decode_block_header(encode_block({.record_count = 0, .first_seq = 1}, "", Hash{}).bytes));
}

TEST_CASE("journal format: segment file names", "[journal]") {
  CHECK(segment_file_name(5) == "journal-0000000000000005.yj");
  CHECK(parse_segment_file_name("journal-00000000000000ff.yj") == 255u);
  CHECK_FALSE(parse_segment_file_name("journal-00000000000000FF.yj"));
  CHECK_FALSE(parse_segment_file_name("journal-0000000000000005.yj.tmp"));
  CHECK_FALSE(parse_segment_file_name("journal-5.yj"));
  CHECK_FALSE(parse_segment_file_name("head"));
}

TEST_CASE("journal head: round-trips, and damage or a missing line is refused", "[journal]") {
  const JournalHead h{.first_segment = 3,
                      .last_segment = 9,
                      .last_seq = 12345,
                      .block_segment = 9,
                      .block_end = 4096,
                      .chain = hash_of(5),
                      .removed_for_age = 1,
                      .removed_for_size = 2,
                      .removed_for_space = 3};
  const std::string text = encode_head(h);
  auto back = decode_head(text);
  REQUIRE(back);
  CHECK(back->first_segment == 3);
  CHECK(back->last_segment == 9);
  CHECK(back->last_seq == 12345);
  CHECK(back->block_segment == 9);
  CHECK(back->block_end == 4096);
  CHECK(back->chain == h.chain);
  CHECK(back->removed_for_age == 1);
  CHECK(back->removed_for_size == 2);
  CHECK(back->removed_for_space == 3);
  CHECK(text.find("last_seq 12345\n") != std::string::npos);

  std::string edited = text;
  edited[edited.find("12345")] = '9';
  CHECK_FALSE(decode_head(edited));
  CHECK_FALSE(decode_head(text.substr(0, text.size() - 1)));
  CHECK_FALSE(decode_head(""));
}
