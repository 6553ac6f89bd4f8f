// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of the
// spool's records and the flight recorder's. Chosen over zlib's CRC-32 for
// its better error detection on storage-sized blocks (the same choice as
// iSCSI, ext4 metadata and LevelDB). Software, slice-by-8.
//
// Incremental: feeding the result back in continues the checksum, so
//   crc32c(b, crc32c(a)) == crc32c(a + b)
//
//   uint32_t c = crc32c(header);
//   c = crc32c(payload, c);
#pragma once

#include <cstdint>
#include <string_view>

namespace yagura {

uint32_t crc32c(std::string_view data, uint32_t crc = 0);

}  // namespace yagura
