#include "dump/dump_verifier.h"

#include <algorithm>

#include "common/ed25519.h"
#include "common/sha256.h"
#include "dump/dump_reader.h"
#include "dump/json_line.h"
#include "dump/rfc3339.h"

namespace yagura::dump {
namespace {

using nlohmann::json;

constexpr std::string_view kSingleLineSections[] = {"host", "request", "policy", "journal"};

void check_layout(const DumpFile& dump, std::vector<std::string>& problems) {
  const size_t before = problems.size();
  std::vector<std::string> names;
  for (const DumpSection& s : dump.sections) names.push_back(s.name);
  if (std::equal(names.begin(), names.end(), kDumpSections.begin(), kDumpSections.end())) return;
  for (std::string_view expected : kDumpSections) {
    auto n = std::count(names.begin(), names.end(), expected);
    if (n == 0) problems.push_back("missing section " + std::string(expected));
    if (n > 1) problems.push_back("section " + std::string(expected) + " appears more than once");
  }
  for (const std::string& name : names) {
    if (std::find(kDumpSections.begin(), kDumpSections.end(), name) == kDumpSections.end()) {
      problems.push_back("unexpected section " + name);
    }
  }
  if (problems.size() == before) problems.push_back("sections out of order");
}

// Each section as the manifest describes it: line count and hash.
void check_hashes(const DumpFile& dump, const json& manifest, std::vector<std::string>& problems) {
  const json* listed = member(manifest, "sections");
  if (!listed || !listed->is_object()) {
    problems.push_back("malformed manifest: no sections");
    return;
  }
  for (const auto& [name, entry] : listed->items()) {
    if (!dump.section(name))
      problems.push_back("manifest lists section " + name + ", not in the file");
  }
  for (const DumpSection& s : dump.sections) {
    const json* entry = member(*listed, s.name);
    if (!entry) {
      problems.push_back("section " + s.name + ": not in the manifest");
      continue;
    }
    if (unsigned_member(*entry, "lines") != s.lines.size()) {
      problems.push_back("section " + s.name + ": line count differs from the manifest");
    }
    if (string_member(*entry, "sha256") != sha256_hex(s.text)) {
      problems.push_back("section " + s.name + ": sha256 mismatch");
    }
  }
}

// Recounts the content and checks what each line must be.
DumpCounts count_content(const DumpFile& dump, std::optional<uint64_t> from,
                         std::optional<uint64_t> to, std::vector<std::string>& problems) {
  DumpCounts counts;
  for (std::string_view name : kSingleLineSections) {
    const DumpSection* s = dump.section(name);
    if (s && s->lines.size() != 1) {
      problems.push_back("section " + s->name + ": has " + std::to_string(s->lines.size()) +
                         " lines, not 1");
    }
  }
  size_t outside = 0;
  for (const DumpSection& s : dump.sections) {
    for (size_t i = 0; i < s.lines.size(); ++i) {
      auto j = parse_json_line(s.lines[i]);
      if (!j) {
        problems.push_back("section " + s.name + ": line " + std::to_string(i + 1) +
                           " is not a JSON object");
        continue;
      }
      if (s.name == "process_table") ++counts.processes;
      if (s.name != "events") continue;
      counts.add_event(*j);
      auto t = parse_rfc3339(string_member(*j, "time"));
      if (!t || (from && *t < *from) || (to && *t > *to)) ++outside;
    }
  }
  if (outside > 0) {
    problems.push_back("section events: " + std::to_string(outside) +
                       " events outside the time range (or without a time)");
  }
  return counts;
}

std::string describe_difference(const DumpCounts& manifest, const DumpCounts& content) {
  auto pair = [](const std::string& what, uint64_t m, uint64_t c) {
    return what + " " + std::to_string(m) + " in the manifest, " + std::to_string(c) +
           " in the file";
  };
  if (manifest.events != content.events) return pair("events", manifest.events, content.events);
  if (manifest.processes != content.processes) {
    return pair("processes", manifest.processes, content.processes);
  }
  if (manifest.policy_dropped != content.policy_dropped) {
    return pair("events dropped by policy", manifest.policy_dropped, content.policy_dropped);
  }
  return "events by type differ";
}

// The signature line: canonical, its key well-formed and the manifest's,
// and the signature good. Returns the signer's fingerprint when the
// embedded key reads.
std::string check_signature(const DumpFile& dump, const std::string& manifest_key,
                            std::vector<std::string>& problems) {
  auto sig = nlohmann::ordered_json::parse(dump.signature_line, nullptr, false);
  auto field = [&](const char* name) -> std::string {
    auto it = sig.is_object() ? sig.find(name) : sig.end();
    return it != sig.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string signature_b64 = field("signature"), key_fp = field("key"),
                    pem = field("public_key");
  if (!sig.is_object() || sig.size() != 3 || signature_b64.empty() || key_fp.empty() ||
      pem.empty() || sig.dump() != dump.signature_line) {
    problems.push_back("malformed signature line");
    return {};
  }
  auto key = PublicKey::from_pem(pem, "the dump's public key");
  auto canonical_pem = key ? key->to_pem() : Result<std::string>(key.error());
  if (!key || !canonical_pem || *canonical_pem != pem) {
    problems.push_back("malformed signature line: the public key does not read");
    return {};
  }
  if (key_fp != key->fingerprint()) {
    problems.push_back("the signature line's key is not its public key's fingerprint");
  }
  if (manifest_key != key->fingerprint()) {
    problems.push_back("the manifest names another key than the one that signed");
  }
  Ed25519Signature signature{};
  if (!decode_signature_base64(signature_b64, signature) ||
      !verify_message(kDumpSignatureDomain, dump.manifest_line, signature, *key)) {
    problems.push_back("signature does not verify");
  }
  return key->fingerprint();
}

}  // namespace

DumpVerification verify_dump(std::string_view bytes, std::span<const std::string> expected_keys) {
  DumpVerification report;
  auto& problems = report.problems;
  auto dump = read_dump(bytes);
  if (!dump) {
    problems.push_back("unreadable dump: " + dump.error().message);
    return report;
  }
  check_layout(*dump, problems);

  std::string_view manifest_text = dump->manifest_line;
  manifest_text.remove_suffix(1);  // its "\n"
  const auto manifest = parse_json_line(manifest_text);
  std::optional<uint64_t> from, to;
  std::string manifest_key;
  if (!manifest) {
    problems.push_back("malformed manifest");
  } else {
    report.sensor_id = string_member(*manifest, "sensor_id");
    report.created = string_member(*manifest, "created");
    manifest_key = string_member(*manifest, "key");
    const json* range = member(*manifest, "time_range");
    report.from = range ? string_member(*range, "from") : "";
    report.to = range ? string_member(*range, "to") : "";
    from = parse_rfc3339(report.from);
    to = parse_rfc3339(report.to);
    if (!from || !to) problems.push_back("malformed manifest: no time range");
    check_hashes(*dump, *manifest, problems);
  }

  report.counts = count_content(*dump, from, to, problems);
  if (manifest) {
    const json* listed = member(*manifest, "counts");
    auto counts = listed ? DumpCounts::from_json(*listed) : std::nullopt;
    if (!counts) {
      problems.push_back("malformed manifest: no counts");
    } else if (!(*counts == report.counts)) {
      problems.push_back("manifest counts disagree with content: " +
                         describe_difference(*counts, report.counts));
    }
    const DumpSection* host = dump->section("host");
    auto host_line =
        host && host->lines.size() == 1 ? parse_json_line(host->lines[0]) : std::nullopt;
    if (host_line && string_member(*host_line, "sensor_id") != report.sensor_id) {
      problems.push_back("the host section names another sensor than the manifest");
    }
  }

  report.key_fingerprint = check_signature(*dump, manifest_key, problems);
  if (report.key_fingerprint.empty()) report.key_fingerprint = manifest_key;
  if (!expected_keys.empty() && std::find(expected_keys.begin(), expected_keys.end(),
                                          report.key_fingerprint) == expected_keys.end()) {
    problems.push_back("key not the expected one: signed by " + report.key_fingerprint);
  }
  if (!dump->trailing.empty()) {
    problems.push_back("trailing data after the signature (" +
                       std::to_string(dump->trailing.size()) + " bytes)");
  }
  return report;
}

nlohmann::ordered_json to_json(const DumpVerification& report) {
  nlohmann::ordered_json j;
  j["ok"] = report.ok();
  j["problems"] = report.problems;
  j["sensor_id"] = report.sensor_id;
  j["key"] = report.key_fingerprint;
  j["time_range"] = {{"from", report.from}, {"to", report.to}};
  j["created"] = report.created;
  j["counts"] = report.counts.to_json();
  return j;
}

}  // namespace yagura::dump
