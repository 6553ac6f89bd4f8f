#include "common/json_bytes.h"

#include <cstdint>

namespace yagura {
namespace {

// U+10FF00 + b, b in 0x80..0xff, in UTF-8: F4 8F (BE|BF) (80..BF).
constexpr unsigned char kLead0 = 0xf4;
constexpr unsigned char kLead1 = 0x8f;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 16-bit value of the 4 hex digits at `s`, or -1.
int32_t hex4(std::string_view s) {
  if (s.size() < 4) return -1;
  int32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    int d = hex_value(s[i]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

// The byte a 4-byte sequence at `s` stands for, or -1.
int escaped_byte(std::string_view s) {
  if (s.size() < 4) return -1;
  auto u = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (u(0) != kLead0 || u(1) != kLead1 || (u(2) != 0xbe && u(2) != 0xbf)) return -1;
  if (u(3) < 0x80 || u(3) > 0xbf) return -1;
  return ((u(2) & 0x01) << 6 | (u(3) & 0x3f)) | 0x80;
}

void append_escaped_byte(std::string& out, unsigned char b) {
  out += static_cast<char>(kLead0);
  out += static_cast<char>(kLead1);
  out += static_cast<char>(0xbc | (b >> 6));  // 0xbe or 0xbf
  out += static_cast<char>(0x80 | (b & 0x3f));
}

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0.
size_t utf8_length(std::string_view s) {
  auto u = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = u(0);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;  // bounds of the second byte
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong
    if (c == 0xf4) hi = 0x8f;  // past U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < n || u(1) < lo || u(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (u(i) < 0x80 || u(i) > 0xbf) return 0;
  }
  return n;
}

}  // namespace

std::string protect_byte_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool after_high_surrogate = false;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '\\' || i + 1 >= text.size()) {
      out += text[i++];
      after_high_surrogate = false;
      continue;
    }
    if (text[i + 1] != 'u') {  // \" \\ \n ...: copied whole, so "\\u" is not misread
      out.append(text.substr(i, 2));
      i += 2;
      after_high_surrogate = false;
      continue;
    }
    int32_t v = hex4(text.substr(i + 2));
    if (v >= 0xdc80 && v <= 0xdcff && !after_high_surrogate) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\udbff\\udf";
      out += kHex[(v >> 4) & 0xf];
      out += kHex[v & 0xf];
    } else {
      out.append(text.substr(i, v >= 0 ? 6 : 2));
    }
    after_high_surrogate = v >= 0xd800 && v <= 0xdbff;
    i += v >= 0 ? 6 : 2;
  }
  return out;
}

std::string to_bytes(std::string_view parsed) {
  std::string out;
  out.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size();) {
    int b = escaped_byte(parsed.substr(i));
    if (b >= 0) {
      out += static_cast<char>(b);
      i += 4;
    } else {
      out += parsed[i++];
    }
  }
  return out;
}

std::string from_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (size_t i = 0; i < bytes.size();) {
    size_t n = utf8_length(bytes.substr(i));
    if (n == 0) {
      append_escaped_byte(out, static_cast<unsigned char>(bytes[i]));
      i += 1;
    } else {
      out.append(bytes.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string restore_byte_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    int b = escaped_byte(text.substr(i));
    if (b >= 0) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\udc";
      out += kHex[b >> 4];
      out += kHex[b & 0xf];
      i += 4;
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace yagura
