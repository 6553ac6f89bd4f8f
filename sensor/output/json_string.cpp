#include "sensor/output/json_string.h"

#include <cstddef>
#include <cstdint>

namespace yagura {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool is_continuation(uint8_t b) { return (b & 0xc0) == 0x80; }

// Length of the well-formed UTF-8 sequence starting at p[0] (Unicode 15,
// table 3-7), or 0 when p[0] does not start one. p[0] is >= 0x80. The ranges
// on the second byte are what exclude overlong forms (E0, F0), surrogates
// (ED) and code points above U+10FFFF (F4).
size_t utf8_sequence_length(const uint8_t* p, size_t n) {
  const uint8_t b0 = p[0];
  uint8_t lo = 0x80, hi = 0xbf;
  size_t len;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    return 0;  // continuation byte, C0/C1 (always overlong), F5..FF
  }
  if (n < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (!is_continuation(p[i])) return 0;
  }
  return len;
}

void append_u_escape(std::string& out, uint8_t hi, uint8_t lo) {
  const char esc[6] = {'\\', 'u', kHex[hi >> 4], kHex[hi & 0xf], kHex[lo >> 4], kHex[lo & 0xf]};
  out.append(esc, sizeof(esc));
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t run = 0;  // start of the pending stretch copied as is
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
      ++i;
      continue;
    }
    size_t len = b >= 0x80 ? utf8_sequence_length(p + i, n - i) : 0;
    if (len != 0) {
      i += len;
      continue;
    }
    out.append(bytes.data() + run, i - run);
    switch (b) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // Controls and DEL as \u00XX; a byte outside any valid sequence as
        // the lone low surrogate U+DCXX.
        append_u_escape(out, b >= 0x80 ? 0xdc : 0x00, b);
    }
    run = ++i;
  }
  out.append(bytes.data() + run, n - run);
}

void append_json_string(std::string& out, std::string_view bytes) {
  out += '"';
  append_json_escaped(out, bytes);
  out += '"';
}

}  // namespace yagura
