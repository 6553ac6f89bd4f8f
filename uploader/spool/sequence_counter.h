// Batch sequence numbers that never repeat, across restarts and crashes:
// each number is persisted (written to a temporary file, fsync'ed, renamed
// over the state file, directory fsync'ed) before it is handed out.
//
//   auto seq = SequenceCounter::open(state_dir + "/upload-sequence", spool.max_sequence());
//   uint64_t n = *seq->next();   // 1 on a fresh host
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace yagura {

class SequenceCounter {
 public:
  // Continues above both the state file and `at_least` (the spool's highest
  // sequence: covers a state file lost or older than the spool). A state
  // file that exists but is unreadable is an error, not a restart from 1.
  static Result<SequenceCounter> open(const std::string& path, uint64_t at_least = 0);

  // The next number, persisted before it is returned; above `above` too
  // (the collector's highest, when this sensor's numbering went back).
  Result<uint64_t> next(uint64_t above = 0);

  uint64_t last() const { return last_; }  // the last handed out, 0 for none

 private:
  SequenceCounter(std::string path, uint64_t last) : path_(std::move(path)), last_(last) {}

  std::string path_;
  uint64_t last_;
};

}  // namespace yagura
