#include "common/crc32c.h"

#include <catch2/catch.hpp>
#include <string>

using yagura::crc32c;

TEST_CASE("crc32c matches the published check values", "[crc32c]") {
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c("") == 0u);
  // RFC 3720 (iSCSI), appendix B.4.
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string ascending;
  for (int i = 0; i < 32; ++i) ascending.push_back(static_cast<char>(i));
  CHECK(crc32c(ascending) == 0x46DD794Eu);
}

TEST_CASE("crc32c continued over pieces equals crc32c of the whole", "[crc32c]") {
  std::string data;
  for (int i = 0; i < 100; ++i) data.push_back(static_cast<char>(i * 37 + 11));
  const uint32_t whole = crc32c(data);
  // Every split point, so both the 8-byte and the byte-wise paths meet.
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    std::string_view v(data);
    INFO("cut " << cut);
    CHECK(crc32c(v.substr(cut), crc32c(v.substr(0, cut))) == whole);
  }
}

TEST_CASE("crc32c changes when any single bit flips", "[crc32c]") {
  std::string data = "a spool record payload of a few bytes";
  const uint32_t good = crc32c(data);
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = data;
      bad[i] = static_cast<char>(bad[i] ^ (1 << bit));
      INFO("byte " << i << " bit " << bit);
      CHECK(crc32c(bad) != good);
    }
  }
}
