#include "policy/json_fields.h"

#include <utility>

namespace yagura::policy {
namespace {

using Json = nlohmann::json;

// Raw bytes cross the JSON parser as two private-use code points: U+E000,
// then U+E080 + (byte - 0x80). A U+E000 the line itself holds crosses as
// two U+E000, so that every U+E000 after parsing starts a pair and nothing
// the line says can be misread as a byte.
constexpr std::string_view kMarkUtf8 = "\xee\x80\x80";  // U+E000
constexpr uint32_t kMark = 0xe000;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape at text[i] (text[i] == '\\'), or -1.
int32_t u_escape(std::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i + 1] != 'u') return -1;
  int32_t v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int d = hex_digit(text[k]);
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

void append_u_escape(std::string& out, uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xf];
}

// Rewrites, inside strings, each \udcXX escape that stands for a raw byte
// (0x80..0xff, not the low half of a surrogate pair) and each U+E000 as the
// pairs above. Returns false, leaving out empty, when there was none.
bool encode_raw_bytes(std::string_view text, std::string& out) {
  bool changed = false;
  bool in_string = false;
  bool after_high = false;  // the previous thing in the string was a \uD800..\uDBFF escape
  size_t copied = 0;        // text[copied, i) is still to be copied
  auto replace = [&](size_t i, size_t len, std::initializer_list<uint32_t> units) {
    if (!changed) out.reserve(text.size() + 32);
    changed = true;
    out.append(text.substr(copied, i - copied));
    for (uint32_t u : units) append_u_escape(out, u);
    copied = i + len;
  };
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (!in_string) {
      in_string = c == '"';
      ++i;
      continue;
    }
    if (c == '"') {
      in_string = false;
      after_high = false;
      ++i;
      continue;
    }
    if (c == '\\') {
      const int32_t unit = u_escape(text, i);
      if (unit < 0) {  // a two-character escape (a bad \u is left to the parser)
        after_high = false;
        i += 2;
        continue;
      }
      if (unit >= 0xdc80 && unit <= 0xdcff && !after_high) {
        replace(i, 6, {kMark, kMark + static_cast<uint32_t>(unit - 0xdc00)});
      } else if (static_cast<uint32_t>(unit) == kMark) {
        replace(i, 6, {kMark, kMark});
      }
      after_high = unit >= 0xd800 && unit <= 0xdbff;
      i += 6;
      continue;
    }
    after_high = false;
    if (text.substr(i).starts_with(kMarkUtf8)) {
      replace(i, kMarkUtf8.size(), {kMark, kMark});
      i += kMarkUtf8.size();
      continue;
    }
    ++i;
  }
  if (changed) out.append(text.substr(copied));
  return changed;
}

// The inverse on one parsed string: U+E000 U+E000 is U+E000, U+E000 U+E0XX
// the byte XX.
void decode_raw_bytes(std::string& s) {
  size_t at = s.find(kMarkUtf8);
  if (at == std::string::npos) return;
  std::string out(s, 0, at);
  while (at < s.size()) {
    if (s.compare(at, kMarkUtf8.size(), kMarkUtf8) != 0) {
      out += s[at++];
      continue;
    }
    const size_t next = at + kMarkUtf8.size();
    // U+E000 is EE 80 80; U+E080..U+E0FF is EE 82 80..EE 83 BF.
    if (s.compare(next, kMarkUtf8.size(), kMarkUtf8) == 0) {
      out += kMarkUtf8;
    } else if (next + 3 <= s.size() && static_cast<uint8_t>(s[next]) == 0xee &&
               (static_cast<uint8_t>(s[next + 1]) & 0xfe) == 0x82) {
      out += static_cast<char>(((static_cast<uint8_t>(s[next + 1]) & 0x03) << 6) |
                               (static_cast<uint8_t>(s[next + 2]) & 0x3f));
    } else {
      out += kMarkUtf8;  // not made by encode_raw_bytes: nothing to undo
      at = next;
      continue;
    }
    at = next + 3;
  }
  s = std::move(out);
}

void decode_tree(Json& j) {
  if (j.is_string()) {
    decode_raw_bytes(j.get_ref<std::string&>());
  } else if (j.is_array()) {
    for (Json& element : j) decode_tree(element);
  } else if (j.is_object()) {
    bool marked_key = false;
    for (auto& [key, value] : j.items()) {
      decode_tree(value);
      marked_key |= key.find(kMarkUtf8) != std::string::npos;
    }
    if (!marked_key) return;
    Json rebuilt = Json::object();
    for (auto& [key, value] : j.items()) {
      std::string k = key;
      decode_raw_bytes(k);
      rebuilt[k] = std::move(value);
    }
    j = std::move(rebuilt);
  }
}

// A leaf's values: a scalar's text as the sensor printed it, each element of
// an array of scalars; null and objects have none.
void leaf_values(const Json& j, std::vector<std::string>& out) {
  switch (j.type()) {
    case Json::value_t::string:
      out.push_back(j.get_ref<const std::string&>());
      return;
    case Json::value_t::boolean:
      out.emplace_back(j.get<bool>() ? "true" : "false");
      return;
    case Json::value_t::number_unsigned:
    case Json::value_t::number_integer:
    case Json::value_t::number_float:
      out.push_back(j.dump());
      return;
    case Json::value_t::array:
      for (const Json& element : j) {
        if (!element.is_structured()) leaf_values(element, out);
      }
      return;
    default:
      return;
  }
}

// The values at a dotted path; an array on the way gives the values of each
// of its elements ("ancestors.exe").
void path_values(const Json& j, std::string_view path, std::vector<std::string>& out) {
  if (path.empty()) return leaf_values(j, out);
  if (j.is_array()) {
    for (const Json& element : j) path_values(element, path, out);
    return;
  }
  if (!j.is_object()) return;
  const size_t dot = path.find('.');
  const auto it = j.find(std::string(path.substr(0, dot)));
  if (it == j.end()) return;
  path_values(*it, dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1), out);
}

// The object at a dotted path of objects, nullptr when there is none.
const Json* object_at(const Json& j, std::string_view path) {
  const Json* node = &j;
  while (!path.empty()) {
    const size_t dot = path.find('.');
    const auto it = node->find(std::string(path.substr(0, dot)));
    if (it == node->end()) return nullptr;
    node = &*it;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return node->is_object() ? node : nullptr;
}

}  // namespace

Result<JsonFields> JsonFields::parse(std::string_view line) {
  std::string encoded;
  const bool raw_bytes = encode_raw_bytes(line, encoded);
  Json event;
  try {
    event = Json::parse(raw_bytes ? std::string_view(encoded) : line);
  } catch (const Json::exception& e) {
    return Error{std::string("bad JSON event: ") + e.what()};
  }
  if (!event.is_object()) return Error{"bad JSON event: not an object"};
  if (raw_bytes) decode_tree(event);
  const auto type = event.find("type");
  if (type == event.end() || !type->is_string()) return Error{"bad JSON event: no \"type\" string"};
  const uint32_t bit = event_type_bit(type->get_ref<const std::string&>());
  if (bit == 0) return Error{"not an event: type \"" + type->get<std::string>() + "\""};
  return JsonFields(std::move(event), bit);
}

void JsonFields::values(const FieldRef& field, std::vector<std::string>& out) const {
  const auto fields = all_fields();
  if (field.id >= fields.size()) return;
  const std::string_view name = fields[field.id].name;
  if (fields[field.id].keyed) {
    // The key is one member name, dots and all: "host.tags.a.b" is tag "a.b".
    if (const Json* map = object_at(event_, name)) {
      if (const auto it = map->find(field.key); it != map->end()) leaf_values(*it, out);
    }
    return;
  }
  // "Some process above this one": the parent's value, then each ancestor's.
  static constexpr std::string_view kLineage = "lineage.";
  if (name.starts_with(kLineage)) {
    const std::string_view rest = name.substr(kLineage.size());
    for (const char* holder : {"parent", "ancestors"}) {
      if (const auto it = event_.find(holder); it != event_.end()) path_values(*it, rest, out);
    }
    return;
  }
  path_values(event_, name, out);
}

std::optional<uint64_t> JsonFields::ktime_ns() const {
  auto it = event_.find("ktime_ns");
  if (it == event_.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

}  // namespace yagura::policy
