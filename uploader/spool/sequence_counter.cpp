#include "uploader/spool/sequence_counter.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <limits>

#include "common/durable_file.h"
#include "common/read_file.h"

namespace yagura {
namespace {

// The state file is one decimal number and a newline; anything else was not
// written by us and is refused rather than guessed at.
Result<uint64_t> parse_state(const std::string& path, const std::string& text) {
  std::string_view digits(text);
  if (!digits.empty() && digits.back() == '\n') digits.remove_suffix(1);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
    return Error{path + ": not a sequence number", EINVAL};
  return value;
}

}  // namespace

Result<SequenceCounter> SequenceCounter::open(const std::string& path, uint64_t at_least) {
  auto text = read_file(path);
  uint64_t stored = 0;
  if (text) {
    auto value = parse_state(path, *text);
    if (!value) return value.error();
    stored = *value;
  } else if (text.error().code != ENOENT) {
    return text.error();
  }
  return SequenceCounter(path, std::max(stored, at_least));
}

Result<uint64_t> SequenceCounter::next(uint64_t above) {
  const uint64_t last = std::max(last_, above);
  if (last == std::numeric_limits<uint64_t>::max())
    return Error{path_ + ": sequence numbers exhausted", EOVERFLOW};
  const uint64_t n = last + 1;
  if (Status s = replace_file_durably(path_, std::to_string(n) + "\n"); !s) return s.error();
  last_ = n;
  return n;
}

}  // namespace yagura
