// The journal's "head" file: what the writer has durably written, and what
// retention removed on purpose. It is what lets a reader tell
//   - retention (the head says the retained range starts at segment N) from
//     someone deleting the oldest remaining segment, and
//   - a crash's torn tail (data past the head: fine) from truncation of data
//     that was durably written (the journal ends before the head).
// Rewritten whole with replace_file_durably (old or new, never a mix) after
// each durably written block, at rotation and at retention. Text, so an
// investigator can read it; the last line is a CRC-32C of the lines before
// it, which catches damage (not an editor: compare chain with a copy kept
// elsewhere for that).
//
//   yagura-journal-head 1
//   first_segment 0000000000000003
//   last_segment 0000000000000007
//   last_seq 120345
//   block_segment 0000000000000007
//   block_end 1048656
//   chain 3f0c...e1
//   removed_for_age 0
//   removed_for_size 2
//   removed_for_space 0
//   crc32c 9a0b1c2d
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sensor/recorder/journal_format.h"

namespace yagura::journal {

inline constexpr const char* kHeadFileName = "head";

struct JournalHead {
  uint64_t first_segment = 1;  // the oldest segment retention has kept
  uint64_t last_segment = 0;   // the newest segment created; 0 before the first
  uint64_t last_seq = 0;       // of the last durably written record; 0 before the first
  // Where the last durably written block ends (0 0: none yet); data before
  // this point in the journal was fsync'ed, so its loss is not a crash's.
  uint64_t block_segment = 0;
  uint64_t block_end = 0;
  Hash chain{};  // that block's chain hash
  // Segments removed since the journal was created, by reason.
  uint64_t removed_for_age = 0;
  uint64_t removed_for_size = 0;
  uint64_t removed_for_space = 0;
};

std::string encode_head(const JournalHead& head);
std::optional<JournalHead> decode_head(std::string_view text);

Status write_head(const std::string& dir, const JournalHead& head);
// nullopt when there is no head file; an error when it cannot be read or
// does not decode.
Result<std::optional<JournalHead>> read_head(const std::string& dir);

}  // namespace yagura::journal
