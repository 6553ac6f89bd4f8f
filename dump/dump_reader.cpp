#include "dump/dump_reader.h"

#include "dump/dump_format.h"
#include "dump/json_line.h"

namespace yagura::dump {
namespace {

// Hands out the lines of `bytes` one by one.
class LineCursor {
 public:
  explicit LineCursor(std::string_view bytes) : bytes_(bytes) {}

  bool at_end() const { return pos_ >= bytes_.size(); }
  size_t line_no() const { return line_no_; }
  size_t pos() const { return pos_; }
  // The next line without its "\n"; false at the end, or for a last line
  // with no "\n" (which `unterminated` then says).
  bool next(std::string_view& line, bool& unterminated) {
    unterminated = false;
    if (at_end()) return false;
    size_t end = bytes_.find('\n', pos_);
    if (end == std::string_view::npos) {
      unterminated = true;
      return false;
    }
    line = bytes_.substr(pos_, end - pos_);
    pos_ = end + 1;
    ++line_no_;
    return true;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
};

Error at_line(size_t line_no, const std::string& what) {
  return Error{"line " + std::to_string(line_no) + ": " + what};
}

}  // namespace

const DumpSection* DumpFile::section(std::string_view name) const {
  for (const DumpSection& s : sections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<DumpFile> read_dump(std::string_view bytes) {
  LineCursor cursor(bytes);
  std::string_view line;
  bool unterminated = false;
  if (!cursor.next(line, unterminated) || line != kDumpHeaderLine) {
    return Error{"not a yagura dump: the first line is not " + std::string(kDumpHeaderLine)};
  }
  DumpFile dump;
  for (;;) {
    const size_t start = cursor.pos();
    if (!cursor.next(line, unterminated)) {
      return Error{unterminated ? "the file ends inside a line"
                                : "the file ends before the manifest"};
    }
    auto opener = parse_json_line(line);
    const std::string name = opener ? string_member(*opener, "section") : std::string();
    if (name == kManifestSection) {
      dump.manifest_line = bytes.substr(start, cursor.pos() - start);
      break;
    }
    const auto count = opener ? unsigned_member(*opener, "lines") : std::nullopt;
    if (name.empty() || !count || line != section_line(name, *count)) {
      return at_line(cursor.line_no(), "expected a section line {\"section\":NAME,\"lines\":N}");
    }
    DumpSection section{name, {}, {}};
    const uint64_t declared = *count;
    const size_t text_start = cursor.pos();
    for (uint64_t i = 0; i < declared; ++i) {
      std::string_view content;
      if (!cursor.next(content, unterminated)) {
        return Error{"section " + name + ": declares " + std::to_string(declared) +
                     " lines, the file has " + std::to_string(i)};
      }
      section.lines.push_back(content);
    }
    section.text = bytes.substr(text_start, cursor.pos() - text_start);
    dump.sections.push_back(std::move(section));
  }
  if (!cursor.next(dump.signature_line, unterminated)) {
    return Error{unterminated ? "the signature line is cut short (no line end)"
                              : "no signature line after the manifest"};
  }
  dump.trailing = bytes.substr(cursor.pos());
  return dump;
}

std::string_view events_jsonl(const DumpFile& dump) {
  const DumpSection* events = dump.section("events");
  return events ? events->text : std::string_view();
}

}  // namespace yagura::dump
