// Writes arbitrary bytes (paths, argv, comm: whatever the kernel handed us) as
// a JSON string that is always valid UTF-8 and loses nothing.
//
// Valid UTF-8 passes through. '"' and '\' are escaped, control characters
// become \n, \t, ... or \u00XX, and DEL becomes \u007f. Every byte that is not
// part of a well-formed UTF-8 sequence (stray continuation bytes, overlong
// forms, encoded surrogates, code points above U+10FFFF, cut sequences) is
// written as \udcXX, XX being the byte: Python's "surrogateescape". Valid
// UTF-8 never encodes U+DC80..U+DCFF, so such an escape always stands for a
// raw byte, and the bytes come back with
//   json.loads(line)[...].encode("utf-8", "surrogateescape")
//
//   std::string out;
//   append_json_string(out, "a\xff\n");  // out == R"("a\udcff\n")"
#pragma once

#include <string>
#include <string_view>

namespace yagura {

// Appends `bytes` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view bytes);

// Appends the escaped form of `bytes` without quotes, for a string assembled
// from several pieces. Escaping pieces separately gives the same result as
// escaping their concatenation as long as no multi-byte sequence is split
// between pieces, which holds when pieces are cut next to ASCII characters.
void append_json_escaped(std::string& out, std::string_view bytes);

}  // namespace yagura
