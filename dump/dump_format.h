// The fixed parts of the dump file format (dump_writer.h describes the
// format), shared by the writer, the reader and the verifier so that they
// cannot drift apart.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace yagura::dump {

// The first line, byte for byte.
inline constexpr std::string_view kDumpHeaderLine = R"({"format":"yagura-dump","version":1})";

// Prepended to the manifest line before signing. Its own prefix, so that a
// key that also signs policies (or anything else) cannot have one taken
// for the other.
inline constexpr std::string_view kDumpSignatureDomain = "yagura dump v1\n";

// Every section, in the order the file has them.
inline constexpr std::array<std::string_view, 7> kDumpSections = {
    "host", "request", "policy", "journal", "health", "process_table", "events"};

inline constexpr std::string_view kManifestSection = "manifest";

// The line that opens a section: {"section":"NAME","lines":N}.
std::string section_line(std::string_view name, uint64_t lines);

// What the manifest counts; the verifier recounts it from the content.
struct DumpCounts {
  uint64_t events = 0;
  std::map<std::string, uint64_t> events_by_type;
  uint64_t processes = 0;       // process_table lines
  uint64_t policy_dropped = 0;  // events with "policy":{"dropped":true}

  void add_event(const nlohmann::json& event);
  nlohmann::ordered_json to_json() const;
  // nullopt when `json` does not have this shape.
  static std::optional<DumpCounts> from_json(const nlohmann::json& json);
  bool operator==(const DumpCounts&) const = default;
};

}  // namespace yagura::dump
