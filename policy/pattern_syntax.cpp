#include "policy/pattern_syntax.h"

namespace yagura::policy {
namespace {

bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

void append_hex(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 15];
}

// As RE2::QuoteMeta: bytes >= 0x80 stay as they are (Latin-1 characters).
void append_literal(std::string& out, unsigned char c, bool nocase) {
  if (nocase && (is_lower(c) || is_upper(c))) {
    out += '[';
    out += static_cast<char>(c | 0x20);
    out += static_cast<char>(c & ~0x20);
    out += ']';
  } else if (c == 0) {
    out += "\\x00";
  } else if ((c >= '0' && c <= '9') || is_lower(c) || is_upper(c) || c == '_' || c >= 0x80) {
    out += static_cast<char>(c);
  } else {
    out += '\\';
    out += static_cast<char>(c);
  }
}

void append_class_range(std::string& out, unsigned char lo, unsigned char hi) {
  append_hex(out, lo);
  if (hi != lo) {
    out += '-';
    append_hex(out, hi);
  }
}

// The range and, with nocase, its ASCII letters in the other case.
void append_class_item(std::string& out, unsigned char lo, unsigned char hi, bool nocase) {
  append_class_range(out, lo, hi);
  if (!nocase) return;
  unsigned char a = std::max<unsigned char>(lo, 'a'), z = std::min<unsigned char>(hi, 'z');
  if (a <= z) append_class_range(out, a - 32, z - 32);
  unsigned char A = std::max<unsigned char>(lo, 'A'), Z = std::min<unsigned char>(hi, 'Z');
  if (A <= Z) append_class_range(out, A + 32, Z + 32);
}

}  // namespace

RE2::Options pattern_options() {
  RE2::Options o;
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_log_errors(false);
  return o;
}

std::string literal_pattern(std::string_view text, bool nocase) {
  std::string out;
  for (unsigned char c : text) append_literal(out, c, nocase);
  return out;
}

Result<std::string> glob_pattern(std::string_view glob, bool nocase) {
  std::string out = "^";
  for (size_t i = 0; i < glob.size(); ++i) {
    unsigned char c = glob[i];
    if (c == '*') {
      out += "(?s:.*)";
    } else if (c == '?') {
      out += "(?s:.)";
    } else if (c == '[') {
      size_t j = i + 1;
      bool negated = j < glob.size() && (glob[j] == '!' || glob[j] == '^');
      if (negated) ++j;
      size_t first = j;
      // A ']' right after the opening (or the negation) is a member.
      if (j < glob.size() && glob[j] == ']') ++j;
      while (j < glob.size() && glob[j] != ']') ++j;
      if (j >= glob.size())
        return Error{"bad glob '" + std::string(glob) + "': '[' at offset " + std::to_string(i) +
                     " has no closing ']'"};
      out += negated ? "[^" : "[";
      for (size_t k = first; k < j; ++k) {
        unsigned char lo = glob[k], hi = lo;
        if (k + 2 < j && glob[k + 1] == '-') {
          hi = glob[k + 2];
          k += 2;
        }
        if (lo > hi)
          return Error{"bad glob '" + std::string(glob) + "': range " +
                       std::string(1, static_cast<char>(lo)) + "-" +
                       std::string(1, static_cast<char>(hi)) + " is reversed"};
        append_class_item(out, lo, hi, nocase);
      }
      out += ']';
      i = j;
    } else {
      append_literal(out, c, nocase);
    }
  }
  out += '$';
  return out;
}

std::string regex_pattern(std::string_view regex, bool nocase) {
  return nocase ? "(?i)" + std::string(regex) : std::string(regex);
}

}  // namespace yagura::policy
