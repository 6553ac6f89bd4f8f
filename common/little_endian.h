// Little-endian integers in byte buffers: the on-disk formats (the spool's
// records, the flight recorder's journal) are little-endian whatever the
// host, and are read by copy, never by casting a pointer.
//
//   put_le<uint32_t>(header + 8, length);
//   const auto length = get_le<uint32_t>(header + 8);
#pragma once

#include <cstddef>

namespace yagura {

template <typename T>
void put_le(char* p, T v) {
  for (size_t i = 0; i < sizeof(T); ++i) p[i] = static_cast<char>(v >> (8 * i));
}

template <typename T>
T get_le(const char* p) {
  T v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= static_cast<T>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

}  // namespace yagura
