#include "sensor/output/command_line.h"

#include <string_view>

#include "sensor/output/json_string.h"

namespace yagura {
namespace {

// Characters that would make shell word splitting cut or change an argument.
bool needs_quotes(std::string_view arg) {
  return arg.empty() || arg.find_first_of(" \t\n\v\f\r'\"\\") != std::string_view::npos;
}

// Builds the command line piece by piece through append(piece). Pieces are
// cut only next to ASCII characters (' ', '\''), so escaping them one by one
// gives the escaping of the whole (json_string.h).
template <typename Append>
void build_command_line(const std::vector<std::string>& argv, Append append) {
  for (size_t i = 0; i < argv.size(); ++i) {
    if (i != 0) append(" ");
    std::string_view arg = argv[i];
    if (!needs_quotes(arg)) {
      append(arg);
      continue;
    }
    append("'");
    for (size_t quote; (quote = arg.find('\'')) != std::string_view::npos;) {
      append(arg.substr(0, quote));
      append("'\\''");
      arg.remove_prefix(quote + 1);
    }
    append(arg);
    append("'");
  }
}

}  // namespace

void append_command_line(std::string& out, const std::vector<std::string>& argv) {
  build_command_line(argv, [&](std::string_view piece) { out.append(piece); });
}

void append_json_command_line(std::string& out, const std::vector<std::string>& argv) {
  build_command_line(argv, [&](std::string_view piece) { append_json_escaped(out, piece); });
}

}  // namespace yagura
