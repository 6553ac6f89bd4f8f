#include "sensor/recorder/journal_head.h"

#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "common/crc32c.h"
#include "common/durable_file.h"
#include "common/read_file.h"

namespace yagura::journal {
namespace {

constexpr std::string_view kFirstLine = "yagura-journal-head 1\n";
constexpr std::string_view kCrcKey = "crc32c ";

std::string hex32(uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof(s), "%08" PRIx32, v);
  return s;
}

bool parse_uint(std::string_view text, int base, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

bool parse_hash(std::string_view text, Hash& out) {
  if (text.size() != 2 * out.size()) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    uint64_t byte = 0;
    if (!parse_uint(text.substr(2 * i, 2), 16, byte)) return false;
    out[i] = static_cast<uint8_t>(byte);
  }
  return true;
}

}  // namespace

std::string encode_head(const JournalHead& h) {
  std::string text(kFirstLine);
  text += "first_segment " + segment_label(h.first_segment) + "\n";
  text += "last_segment " + segment_label(h.last_segment) + "\n";
  text += "last_seq " + std::to_string(h.last_seq) + "\n";
  text += "block_segment " + segment_label(h.block_segment) + "\n";
  text += "block_end " + std::to_string(h.block_end) + "\n";
  text += "chain " + hash_hex(h.chain) + "\n";
  text += "removed_for_age " + std::to_string(h.removed_for_age) + "\n";
  text += "removed_for_size " + std::to_string(h.removed_for_size) + "\n";
  text += "removed_for_space " + std::to_string(h.removed_for_space) + "\n";
  text += std::string(kCrcKey) + hex32(crc32c(text)) + "\n";
  return text;
}

std::optional<JournalHead> decode_head(std::string_view text) {
  // The CRC line is last and covers everything before it.
  if (!text.starts_with(kFirstLine) || !text.ends_with("\n")) return std::nullopt;
  const size_t crc_at = text.rfind(kCrcKey);
  if (crc_at == std::string_view::npos || crc_at < kFirstLine.size() || text[crc_at - 1] != '\n')
    return std::nullopt;
  uint64_t crc = 0;
  if (!parse_uint(text.substr(crc_at + kCrcKey.size(), 8), 16, crc) ||
      text.size() != crc_at + kCrcKey.size() + 9 || crc32c(text.substr(0, crc_at)) != crc)
    return std::nullopt;

  JournalHead h;
  struct Field {
    std::string_view key;
    uint64_t* value;
    int base;
  };
  const Field fields[] = {{"first_segment", &h.first_segment, 16},
                          {"last_segment", &h.last_segment, 16},
                          {"last_seq", &h.last_seq, 10},
                          {"block_segment", &h.block_segment, 16},
                          {"block_end", &h.block_end, 10},
                          {"removed_for_age", &h.removed_for_age, 10},
                          {"removed_for_size", &h.removed_for_size, 10},
                          {"removed_for_space", &h.removed_for_space, 10}};
  uint32_t seen = 0;  // a bit per field, so a repeated line cannot stand in for a missing one
  bool chain_seen = false;
  std::string_view body = text.substr(kFirstLine.size(), crc_at - kFirstLine.size());
  while (!body.empty()) {
    const size_t nl = body.find('\n');
    const std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    const std::string_view key = line.substr(0, sp), value = line.substr(sp + 1);
    if (key == "chain") {
      if (!parse_hash(value, h.chain)) return std::nullopt;
      chain_seen = true;
      continue;
    }
    bool known = false;
    for (size_t i = 0; i < std::size(fields); ++i) {
      if (fields[i].key != key) continue;
      if (!parse_uint(value, fields[i].base, *fields[i].value)) return std::nullopt;
      known = true;
      seen |= 1u << i;
    }
    if (!known) return std::nullopt;
  }
  if (seen != (1u << std::size(fields)) - 1 || !chain_seen) return std::nullopt;
  return h;
}

Status write_head(const std::string& dir, const JournalHead& head) {
  return replace_file_durably(dir + "/" + kHeadFileName, encode_head(head));
}

Result<std::optional<JournalHead>> read_head(const std::string& dir) {
  const std::string path = dir + "/" + kHeadFileName;
  auto text = read_file(path);
  if (!text && text.error().code == ENOENT) return std::optional<JournalHead>();
  if (!text) return text.error();
  auto head = decode_head(*text);
  if (!head) return Error{path + ": not a valid journal head", EBADMSG};
  return std::optional<JournalHead>(*head);
}

}  // namespace yagura::journal
