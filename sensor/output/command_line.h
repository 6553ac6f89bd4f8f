// The command_line of the JSON output: argv joined with single spaces, an
// argument that is empty or holds whitespace, a quote or a backslash put in
// single quotes (a quote inside written as '\''), so that POSIX shell word
// splitting (Python's shlex.split) gives back the original argv.
//
// One builder, two forms: the raw bytes (what a policy matches on) and the
// JSON-escaped text the writer puts between quotes. Decoding the second
// gives the first.
//
//   std::string raw, json;
//   append_command_line(raw, {"sh", "-c", "echo it's"});       // sh -c 'echo it'\''s'
//   append_json_command_line(json, {"sh", "-c", "echo it's"});  // sh -c 'echo it'\\''s'
#pragma once

#include <string>
#include <vector>

namespace yagura {

// Appends the command line as raw bytes.
void append_command_line(std::string& out, const std::vector<std::string>& argv);

// Appends it JSON-escaped (append_json_escaped), without the enclosing quotes.
void append_json_command_line(std::string& out, const std::vector<std::string>& argv);

}  // namespace yagura
