// The building blocks of JsonWriter's output, shared by its source files:
// ObjectWriter writes the members of one JSON object, and the value writers
// below give one form to values that appear in several places (times,
// process keys, file modes, devices, addresses).
//
//   std::string out;
//   {
//     ObjectWriter obj(out);           // "{"
//     obj.string("path", "/etc/x");    // "path":"/etc/x"
//     ObjectWriter inner(obj.key("inode"));
//     inner.number("ino", 12);
//   }                                  // "}}"
#pragma once

#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/event.h"
#include "common/host.h"
#include "sensor/output/command_line.h"
#include "sensor/output/json_string.h"
#include "sensor/output/json_values.h"

namespace yagura::json {

inline void append_uint(std::string& out, uint64_t v) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

inline void append_int(std::string& out, int64_t v) {
  char buf[20];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}

inline void append_string_array(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
}

// Writes the members of one JSON object: "{" on construction, "}" when it
// goes out of scope, so nesting in the code mirrors nesting in the output.
// Member names are literals of the writer and need no escaping.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;
  ~ObjectWriter() { out_ += '}'; }

  // Writes the member name and returns the buffer to write its value into.
  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
    return out_;
  }

  void string(std::string_view name, std::string_view value) {
    append_json_string(key(name), value);
  }
  void string_unless_empty(std::string_view name, std::string_view value) {
    if (!value.empty()) string(name, value);
  }
  void number(std::string_view name, uint64_t value) { append_uint(key(name), value); }
  void signed_number(std::string_view name, int64_t value) { append_int(key(name), value); }
  void boolean(std::string_view name, bool value) { key(name) += value ? "true" : "false"; }
  // A symbolic name, or the number itself when this build has none for it
  // (a value from a newer kernel side), so the event still says what it was.
  void name_or_number(std::string_view name, const char* symbol, uint64_t value) {
    if (symbol) {
      string(name, symbol);
    } else {
      number(name, value);
    }
  }
  void strings(std::string_view name, const std::vector<std::string>& items) {
    append_string_array(key(name), items);
  }
  void time(std::string_view name, uint64_t epoch_ns) {
    std::string& out = key(name);
    out += '"';
    append_rfc3339(out, epoch_ns);
    out += '"';
  }
  // Ids the kernel leaves at (u32)-1 until set, such as loginuid.
  void id_or_null(std::string_view name, uint32_t id) {
    if (id == kUnsetId) {
      key(name) += "null";
    } else {
      number(name, id);
    }
  }
  void hex64(std::string_view name, uint64_t value) {
    char buf[] = "\"0x0000000000000000\"";
    for (int i = 0; i < 16; ++i) buf[18 - i] = "0123456789abcdef"[(value >> (4 * i)) & 0xf];
    key(name) += buf;
  }
  // argv as the "command_line" text (command_line.h).
  void command_line(std::string_view name, const std::vector<std::string>& argv) {
    std::string& out = key(name);
    out += '"';
    append_json_command_line(out, argv);
    out += '"';
  }
  void process_key(std::string_view name, const ProcessKey& k) {
    std::string& out = key(name);
    out += '"';
    append_process_key(out, k);
    out += '"';
  }
  // Type and permission bits, 7 octal digits: "0104755".
  void mode(std::string_view name, uint32_t mode) {
    std::string& out = key(name);
    out += '"';
    append_mode(out, mode);
    out += '"';
  }
  // A kernel dev_t (major << 20 | minor, not the userspace encoding) as
  // "MAJOR:MINOR".
  void device(std::string_view name, uint32_t dev) {
    std::string& out = key(name);
    out += '"';
    append_uint(out, dev >> 20);
    out += ':';
    append_uint(out, dev & 0xfffff);
    out += '"';
  }

 private:
  std::string& out_;
  bool first_ = true;
};

// Names the captured strings the kernel cut, as "truncated": ["name", ...];
// writes nothing when none was cut. Each pair is the name the string has in
// the output and the string, or nullptr when absent.
inline void write_truncated(
    ObjectWriter& obj,
    std::initializer_list<std::pair<const char*, const CapturedString*>> strings) {
  std::string* out = nullptr;
  for (const auto& [name, s] : strings) {
    if (!s || !s->truncated) continue;
    if (out) {
      *out += ',';
    } else {
      out = &obj.key("truncated");
      *out += '[';
    }
    *out += '"';
    *out += name;
    *out += '"';
  }
  if (out) *out += ']';
}

}  // namespace yagura::json
