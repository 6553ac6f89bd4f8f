// One JSON line of a dump or journal into nlohmann::json, its optional
// members read without exceptions, and strings read from it back to
// something printable.
//
// The sensor writes a byte that is not UTF-8 (a hostile file name, a cut
// argument) as the lone surrogate escape "\udcXX" (docs/events.md, "Strings
// and bytes"), which nlohmann refuses. While parsing, each such escape
// stands as the escaped pair of U+10FFXX, a private-use code point (the
// collector's convention, collector/ingest/json_bytes.h); display_text()
// shows it as "\xXX". The line itself is never rewritten: a dump keeps the
// bytes it was given.
//
//   auto event = parse_json_line(line);
//   if (!event) skip();  // not JSON, or not an object
//   std::string exe = display_text((*event)["process"]["exe"].get<std::string>());
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace yagura::dump {

// The object on `line`; nullopt when it is not a JSON object. Never throws.
std::optional<nlohmann::json> parse_json_line(std::string_view line);

// The member `name` of `object`; nullptr when `object` is not an object or
// has no such member. Event fields are optional, so every reader needs this.
const nlohmann::json* member(const nlohmann::json& object, const std::string& name);
// The same as a reference, to a null value when absent: lets a reader walk
// a path, at_or_null(at_or_null(e, "network"), "destination"), unchecked.
const nlohmann::json& at_or_null(const nlohmann::json& object, const std::string& name);
// The string member `name`; "" when absent or not a string.
std::string string_member(const nlohmann::json& object, const std::string& name);
// The unsigned number member `name`; nullopt when absent or not one.
std::optional<uint64_t> unsigned_member(const nlohmann::json& object, const std::string& name);

// A scalar for people: a string through display_text(), a number or bool
// as JSON writes it, anything else "".
std::string scalar_text(const nlohmann::json& value);

// `parsed` with each U+10FF80..U+10FFFF written "\xXX" and control
// characters as "\xXX" too, so that a name cannot forge a line of a report.
std::string display_text(std::string_view parsed);

}  // namespace yagura::dump
