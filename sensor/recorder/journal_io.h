// File-system steps the journal writer and reader share: positioned reads
// and writes that finish or fail, directory sync, listing segment files.
// Errors name the path; their code is the errno.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yagura::journal {

// Up to `n` bytes at `offset`; fewer only at the end of the file.
Result<size_t> pread_full(int fd, char* buf, size_t n, uint64_t offset, const std::string& path);

// All of `data` at `offset`, retrying short writes and EINTR.
Status pwrite_all(int fd, std::string_view data, uint64_t offset, const std::string& path);

// The numbers of the segment files in `dir`, ascending; other names are ignored.
Result<std::vector<uint64_t>> list_segments(const std::string& dir);

}  // namespace yagura::journal
