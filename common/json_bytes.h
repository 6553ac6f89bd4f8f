// Raw bytes through a strict JSON parser and back. The sensor writes a byte
// that is not UTF-8 (a hostile file name, a cut argument) as a lone
// surrogate escape "\udcXX" (docs/events.md, "Strings and bytes"); nlohmann
// refuses lone surrogates, and refusing the event would refuse its batch.
//
// So, only while parsing, each "\udcXX" stands as the escaped pair of
// U+10FFXX, a private-use code point; strings read from the document are
// turned back into the bytes they stand for, and a document built for an
// answer prints them as "\udcXX" again. (A genuine U+10FF80..U+10FFFF in an
// event would read as a byte too: those private-use code points are not
// text anyone writes in a path.) Stored event JSON is never rewritten.
//
//   json j = json::parse(protect_byte_escapes(line));      // parses
//   std::string path = to_bytes(j["file"]["path"].get<std::string>());
//   json out = {{"exe", from_bytes(path)}};
//   std::string body = restore_byte_escapes(out.dump());  // "\udcff" again
#pragma once

#include <string>
#include <string_view>

namespace yagura {

// JSON text with each lone "\udc80".."\udcff" escape rewritten as the
// escaped pair of U+10FF80..U+10FFFF.
std::string protect_byte_escapes(std::string_view json_text);
// A parsed string to its bytes: U+10FF80..U+10FFFF become bytes 0x80..0xff.
std::string to_bytes(std::string_view parsed);
// Bytes to a valid UTF-8 string: each byte outside a well-formed UTF-8
// sequence becomes U+10FF00 + byte.
std::string from_bytes(std::string_view bytes);
// Serialized JSON (non-ASCII written as UTF-8) with U+10FF80..U+10FFFF
// written back as "\udc80".."\udcff".
std::string restore_byte_escapes(std::string_view json_text);

}  // namespace yagura
