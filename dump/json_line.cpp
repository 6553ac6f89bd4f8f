#include "dump/json_line.h"

#include "common/json_bytes.h"

namespace yagura::dump {
namespace {

constexpr char kHex[] = "0123456789abcdef";

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
