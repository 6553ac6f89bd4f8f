#include "dump/json_line.h"

#include <cstdint>

namespace yagura::dump {
namespace {

constexpr char kHex[] = "0123456789abcdef";

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

// Each lone "\udc80".."\udcff" as "\udbff\udf80".."\udbff\udfff", the
// escaped pair of U+10FF80..U+10FFFF.
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

void append_hex_byte(std::string& out, unsigned char b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 0xf];
}

}  // namespace

std::optional<nlohmann::json> parse_json_line(std::string_view line) {
  auto j = nlohmann::json::parse(protect_byte_escapes(line), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;  // also the parse error, "discarded"
  return j;
}

const nlohmann::json* member(const nlohmann::json& object, const std::string& name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

const nlohmann::json& at_or_null(const nlohmann::json& object, const std::string& name) {
  static const nlohmann::json kNull;
  const nlohmann::json* m = member(object, name);
  return m ? *m : kNull;
}

std::string string_member(const nlohmann::json& object, const std::string& name) {
  const nlohmann::json* m = member(object, name);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

std::optional<uint64_t> unsigned_member(const nlohmann::json& object, const std::string& name) {
  const nlohmann::json* m = member(object, name);
  if (!m || !m->is_number_unsigned()) return std::nullopt;
  return m->get<uint64_t>();
}

std::string display_text(std::string_view parsed) {
  std::string out;
  out.reserve(parsed.size());
  for (size_t i = 0; i < parsed.size();) {
    auto u = [&](size_t k) { return static_cast<unsigned char>(parsed[i + k]); };
    // U+10FF80..U+10FFFF in UTF-8: F4 8F (BE|BF) (80..BF).
    if (i + 4 <= parsed.size() && u(0) == 0xf4 && u(1) == 0x8f && (u(2) == 0xbe || u(2) == 0xbf) &&
        u(3) >= 0x80 && u(3) <= 0xbf) {
      append_hex_byte(out, static_cast<unsigned char>(0x80 | ((u(2) & 1) << 6) | (u(3) & 0x3f)));
      i += 4;
    } else if (u(0) < 0x20 || u(0) == 0x7f) {
      append_hex_byte(out, u(0));
      i += 1;
    } else {
      out += parsed[i++];
    }
  }
  return out;
}

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return display_text(value.get<std::string>());
  if (value.is_number() || value.is_boolean()) return value.dump();
  return "";
}

}  // namespace yagura::dump
