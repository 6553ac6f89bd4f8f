// Splits a dump file (format: dump_writer.h) into its sections, manifest
// and signature, without judging them: that is dump_verifier.h's job, and
// `dump show` can still display a dump that fails verification, with the
// verifier's problems beside it.
//
// Strict about the layout, so that nothing in a file escapes both the
// reader and the hashes: the header and every section line must be byte for
// byte what the writer writes, and every section must have the lines it
// declares. The result points into `bytes`, which must outlive it.
//
//   auto dump = read_dump(bytes);
//   if (!dump) return dump.error();  // "line 3: ..."
//   for (std::string_view line : dump->section("events")->lines) ...
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace yagura::dump {

struct DumpSection {
  std::string name;
  std::string_view text;                // its lines, each with its "\n": what the manifest hashes
  std::vector<std::string_view> lines;  // without their "\n"
};

struct DumpFile {
  std::vector<DumpSection> sections;  // in file order
  std::string_view manifest_line;     // with its "\n": the signed bytes
  std::string_view signature_line;    // without its "\n"
  std::string_view trailing;          // whatever follows the signature line

  // The first section of that name; nullptr when there is none.
  const DumpSection* section(std::string_view name) const;
};

Result<DumpFile> read_dump(std::string_view bytes);

// The events section's bytes: JSON lines for other tools (`dump show
// --json`). Empty when the dump has no events section.
std::string_view events_jsonl(const DumpFile& dump);

}  // namespace yagura::dump
