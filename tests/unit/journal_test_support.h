// Helpers for the flight recorder journal's tests: records whose bytes
// follow from their seq (so anything read back can be checked), a writer
// opened or failed loudly, a full scan collected, and access to a segment
// file's blocks for damaging and forging them.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/crc32c.h"
#include "common/unique_fd.h"
#include "sensor/recorder/journal_format.h"
#include "sensor/recorder/journal_reader.h"
#include "sensor/recorder/journal_segment.h"
#include "sensor/recorder/journal_writer.h"

namespace yagura::testing {

namespace journal_test {

// A fresh directory for one test, on tmpfs when there is one: every block
// written costs several fsyncs, free there, and what these tests check is
// the format and its logic, not the disk.
struct JournalDir {
  JournalDir() {
    std::string tmpl = std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") +
                       "/yagura-journal-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~JournalDir() { std::filesystem::remove_all(path); }
  JournalDir(const JournalDir&) = delete;
  JournalDir& operator=(const JournalDir&) = delete;

  std::string path;
};

constexpr uint64_t kBaseNs = 1'700'000'000'000'000'000;  // Nov 2023
constexpr uint64_t kStepNs = 1'000'000;                  // 1 ms between records

inline uint64_t time_of(uint64_t seq) { return kBaseNs + seq * kStepNs; }

// A JSON-like line of 60 to 180 bytes whose content (partly pseudo-random,
// so blocks do not compress to nothing) follows from seq.
inline std::string record_for(uint64_t seq) {
  uint64_t x = seq * 0x9E3779B97F4A7C15ull + 1;
  std::string r = "{\"seq\":" + std::to_string(seq) + ",\"noise\":\"";
  const size_t n = 40 + seq % 120;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r += "0123456789abcdef"[x & 15];
  }
  return r + "\"}";
}

inline JournalWriter open_writer(const std::string& dir, const JournalLimits& limits,
                                 JournalWriteFault fault = {}) {
  auto w = JournalWriter::open(dir, limits, std::move(fault));
  INFO((w ? "" : w.error().message));
  REQUIRE(w);
  return std::move(*w);
}

// Appends records first..last (inclusive) with time_of(seq), checking none is refused.
inline void append_range(JournalWriter& w, uint64_t first, uint64_t last) {
  for (uint64_t seq = first; seq <= last; ++seq) {
    Status s = w.append(record_for(seq), time_of(seq));
    INFO("append " << seq << ": " << s.error().message);
    REQUIRE(s);
  }
}

struct Read {
  JournalRecord record;
  std::string bytes;  // the record's bytes, kept past the callback
};

struct Scanned {
  JournalScan scan;
  std::vector<Read> records;
};

inline Scanned scan_all(const std::string& dir, const ScanOptions& options = {}) {
  auto reader = JournalReader::open(dir);
  REQUIRE(reader);
  Scanned out;
  auto scan = reader->scan(options, [&](const JournalRecord& r) {
    out.records.push_back({r, std::string(r.bytes)});
  });
  INFO((scan ? "" : scan.error().message));
  REQUIRE(scan);
  out.scan = std::move(*scan);
  return out;
}

// Every record read matches what was appended under its seq.
inline void check_contents(const Scanned& s) {
  for (const Read& r : s.records) {
    INFO("seq " << r.record.seq);
    REQUIRE(r.bytes == record_for(r.record.seq));
    REQUIRE(r.record.time_ns == time_of(r.record.seq));
  }
}

inline std::vector<uint64_t> seqs(const Scanned& s) {
  std::vector<uint64_t> out;
  for (const Read& r : s.records) out.push_back(r.record.seq);
  return out;
}

inline std::vector<uint64_t> range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

inline std::string problems_text(const JournalScan& scan) {
  std::string text;
  for (const JournalProblem& p : scan.problems)
    text +=
        journal::segment_label(p.segment) + "@" + std::to_string(p.offset) + ": " + p.what + "\n";
  return text;
}

inline std::string segment_path(const std::string& dir, uint64_t number) {
  return dir + "/" + journal::segment_file_name(number);
}

inline std::vector<uint64_t> segment_numbers(const std::string& dir) {
  std::vector<uint64_t> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (auto n = journal::parse_segment_file_name(e.path().filename().string())) out.push_back(*n);
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  REQUIRE(out);
}

// A block as found in a segment file.
struct BlockAt {
  uint64_t offset = 0;
  uint64_t end = 0;
  journal::BlockHeader header;
};

inline std::vector<BlockAt> blocks_of(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  struct stat st {};
  REQUIRE(::fstat(fd.get(), &st) == 0);
  journal::SegmentReader reader(fd.get(), static_cast<uint64_t>(st.st_size), path);
  std::vector<BlockAt> out;
  for (;;) {
    auto item = reader.next();
    REQUIRE(item);
    if (!*item) break;
    REQUIRE((*item)->intact);
    out.push_back({(*item)->offset, (*item)->end, *(*item)->header});
  }
  return out;
}

// Block header layout (journal_format.cpp), for forging blocks.
constexpr size_t kChainAt = 48;
constexpr size_t kHeaderCrcAt = 80;
constexpr size_t kBlockCrcAt = 84;

inline void put_u32(std::string& s, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) s[at + i] = static_cast<char>(v >> (8 * i));
}

// A block of `raw` records that claims `chain` as its chain hash, with every
// CRC right: what someone who edits a block and fixes its checksums writes.
inline std::string forge_block(const journal::BlockFields& fields, const std::string& raw,
                               const journal::Hash& chain) {
  std::string b = journal::encode_block(fields, raw, journal::Hash{}).bytes;
  std::copy(chain.begin(), chain.end(), b.begin() + kChainAt);
  put_u32(b, kHeaderCrcAt, crc32c(std::string_view(b).substr(0, kHeaderCrcAt)));
  const std::string_view payload = std::string_view(b).substr(journal::kBlockHeaderSize);
  put_u32(b, kBlockCrcAt, crc32c(payload, crc32c(std::string_view(b).substr(0, kBlockCrcAt))));
  return b;
}

}  // namespace journal_test
}  // namespace yagura::testing
