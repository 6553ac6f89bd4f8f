// zstd framing of batches: one frame per batch. Decompression is bounded: a
// frame that would expand past `max_bytes` is refused after producing at
// most max_bytes plus one block, whatever size its header claims, so a
// compression bomb costs the collector nothing.
//
//   std::string frame = zstd_compress(batch_bytes);
//   auto back = zstd_decompress(frame, 64 << 20);
//   if (!back && back.error().code == E2BIG) answer 413;
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace yagura {

inline constexpr int kDefaultZstdLevel = 3;

// With a content checksum, so corruption is caught at decompression.
std::string zstd_compress(std::string_view data, int level = kDefaultZstdLevel);

// Exactly one complete frame. Errors: code E2BIG when the output would pass
// max_bytes; EBADMSG for anything malformed (bad magic, truncated frame,
// checksum mismatch, trailing bytes).
Result<std::string> zstd_decompress(std::string_view frame, size_t max_bytes);

}  // namespace yagura
