#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "dump/dump_reader.h"
#include "dump/dump_verifier.h"
#include "dump/dump_writer.h"
#include "dump/json_line.h"
#include "tests/unit/dump_test_support.h"

using namespace yagura;
using namespace yagura::dump;
using namespace yagura::testing;

namespace {

std::vector<std::string> split_lines(const std::string& bytes) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < bytes.size()) {
    size_t end = bytes.find('\n', pos);
    lines.push_back(bytes.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

bool has_problem(const DumpVerification& r, const std::string& text) {
  for (const auto& p : r.problems) {
    if (p.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string problems(const DumpVerification& r) {
  std::string out;
  for (const auto& p : r.problems) out += p + "; ";
  return out;
}

// Replaces the manifest with `edit` applied, and signs it again with `key`:
// a dump whose signature is good but whose manifest lies.
std::string resign(const std::string& bytes, const PrivateKey& key,
                   void (*edit)(nlohmann::ordered_json&)) {
  auto lines = split_lines(bytes);
  const size_t m = lines.size() - 2;
  auto manifest = nlohmann::ordered_json::parse(lines[m]);
  edit(manifest);
  lines[m] = manifest.dump();
  auto sig = sign_message(kDumpSignatureDomain, lines[m] + "\n", key);
  REQUIRE(sig.ok());
  auto sig_line = nlohmann::ordered_json::parse(lines[m + 1]);
  sig_line["signature"] = base64_encode(*sig);
  lines[m + 1] = sig_line.dump();
  return join_lines(lines);
}

}  // namespace

TEST_CASE("dump: a fresh dump verifies and reports its signer and counts", "[dump]") {
  PrivateKey key = test_key();
  const std::string bytes = sample_dump(key);
  auto lines = split_lines(bytes);
  CHECK(lines.front() == R"({"format":"yagura-dump","version":1})");
  CHECK(lines[1] == R"({"section":"host","lines":1})");

  auto report = verify_dump(bytes, std::vector<std::string>{key.fingerprint()});
  INFO(problems(report));
  CHECK(report.ok());
  CHECK(report.key_fingerprint == key.fingerprint());
  CHECK(report.sensor_id == "sensor-7");
  CHECK(report.from == "2026-11-22T06:01:02.000000000Z");
  CHECK(report.to == "2026-11-22T07:01:02.000000000Z");
  CHECK(report.counts.events == 7);
  CHECK(report.counts.events_by_type.at("file") == 2);
  CHECK(report.counts.events_by_type.at("exec") == 1);
  CHECK(report.counts.processes == 1);
  CHECK(report.counts.policy_dropped == 1);

  // Without expected keys the origin is not judged, but still reported.
  auto unchecked = verify_dump(bytes);
  CHECK(unchecked.ok());
  CHECK(unchecked.key_fingerprint == key.fingerprint());
}

TEST_CASE("dump: the manifest hashes the exact bytes of each section", "[dump]") {
  PrivateKey key = test_key();
  const std::string bytes = sample_dump(key);
  auto dump = read_dump(bytes);
  REQUIRE(dump.ok());
  REQUIRE(dump->sections.size() == kDumpSections.size());
  auto manifest = parse_json_line(dump->manifest_line.substr(0, dump->manifest_line.size() - 1));
  REQUIRE(manifest);
  const DumpSection* events = dump->section("events");
  REQUIRE(events);
  CHECK(events->lines.size() == 7);
  CHECK((*manifest)["sections"]["events"]["sha256"] == sha256_hex(events->text));
  CHECK((*manifest)["sections"]["events"]["lines"] == 7);
  CHECK((*manifest)["key"] == key.fingerprint());
  // The events section is the journal's lines, unchanged: `dump show --json`.
  std::string expected;
  for (const auto& line : sample_event_lines()) expected += line + "\n";
  CHECK(events_jsonl(*dump) == expected);
}

TEST_CASE("dump: any single changed byte fails verification", "[dump]") {
  // Every kind of line once (a small file keeps this test quick).
  PrivateKey key = test_key();
  DumpWriter writer(test_context());
  REQUIRE(writer.add_health(R"({"type":"health","uptime_s":10})"));
  REQUIRE(writer.add_process(R"({"key":"1:1","pid":1})"));
  nlohmann::json event = make_event("dns", 1, SampleTree().curl);
  with_dns_answer(event, "example.com", "93.184.215.14");
  dropped_by_policy(event);
  REQUIRE(writer.add_event(event.dump()));
  auto written = writer.finish(key);
  REQUIRE(written.ok());
  const std::string bytes = *written;
  REQUIRE(verify_dump(bytes).ok());
  size_t failed = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string tampered = bytes;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    auto report = verify_dump(tampered);
    if (report.ok()) FAIL("byte " << i << " ('" << bytes[i] << "') changed and still verifies");
    ++failed;
  }
  CHECK(failed == bytes.size());
}

TEST_CASE("dump: each kind of damage is named", "[dump]") {
  PrivateKey key = test_key();
  const std::string bytes = sample_dump(key);
  auto lines = split_lines(bytes);
  const size_t events_at = [&] {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].rfind(R"({"section":"events")", 0) == 0) return i;
    }
    FAIL("no events section");
    return size_t{0};
  }();

  SECTION("an edited event") {
    auto edited = lines;
    edited[events_at + 2].replace(edited[events_at + 2].find("/usr/bin/curl"), 13, "/usr/bin/wget");
    auto r = verify_dump(join_lines(edited));
    CHECK(has_problem(r, "section events: sha256 mismatch"));
    CHECK(r.key_fingerprint == key.fingerprint());  // still says who signed
  }
  SECTION("a deleted event") {
    auto edited = lines;
    edited.erase(edited.begin() + static_cast<long>(events_at) + 3);
    edited[events_at] = R"({"section":"events","lines":6})";
    auto r = verify_dump(join_lines(edited));
    CHECK(has_problem(r, "section events: line count differs from the manifest"));
    CHECK(has_problem(r, "section events: sha256 mismatch"));
    CHECK(has_problem(r, "manifest counts disagree with content"));
  }
  SECTION("a wrong signature") {
    auto edited = lines;
    auto sig = nlohmann::ordered_json::parse(edited.back());
    auto other = sign_message(kDumpSignatureDomain, "something else\n", key);
    REQUIRE(other.ok());
    sig["signature"] = base64_encode(*other);
    edited.back() = sig.dump();
    CHECK(has_problem(verify_dump(join_lines(edited)), "signature does not verify"));
  }
  SECTION("a signature by a policy key over the same bytes is not a dump signature") {
    auto edited = lines;
    auto sig = nlohmann::ordered_json::parse(edited.back());
    auto policy_sig = sign_message("yagura policy v1\n", edited[edited.size() - 2] + "\n", key);
    REQUIRE(policy_sig.ok());
    sig["signature"] = base64_encode(*policy_sig);
    edited.back() = sig.dump();
    CHECK(has_problem(verify_dump(join_lines(edited)), "signature does not verify"));
  }
  SECTION("a dump signed by another key than the expected one") {
    PrivateKey other = test_key();
    auto r = verify_dump(bytes, std::vector<std::string>{other.fingerprint()});
    CHECK(r.problems.size() == 1);
    CHECK(has_problem(r, "key not the expected one: signed by " + key.fingerprint()));
  }
  SECTION("another key re-signing a changed dump is caught by its fingerprint") {
    PrivateKey forger = test_key();
    auto forged_bytes = [&] {
      auto edited = lines;
      edited[events_at + 1].replace(edited[events_at + 1].find("alice"), 5, "bobby");
      const auto fixed_manifest = [&] {
        auto m = nlohmann::ordered_json::parse(edited[edited.size() - 2]);
        std::string section_text;
        for (size_t i = 1; i <= 7; ++i) section_text += edited[events_at + i] + "\n";
        m["sections"]["events"]["sha256"] = sha256_hex(section_text);
        m["key"] = forger.fingerprint();
        return m.dump();
      }();
      edited[edited.size() - 2] = fixed_manifest;
      auto sig = sign_message(kDumpSignatureDomain, fixed_manifest + "\n", forger);
      REQUIRE(sig.ok());
      auto pem = forger.public_pem();
      REQUIRE(pem.ok());
      nlohmann::ordered_json s;
      s["signature"] = base64_encode(*sig);
      s["key"] = forger.fingerprint();
      s["public_key"] = *pem;
      edited.back() = s.dump();
      return join_lines(edited);
    }();
    CHECK(verify_dump(forged_bytes).ok());  // consistent in itself...
    auto r = verify_dump(forged_bytes, std::vector<std::string>{key.fingerprint()});
    CHECK(has_problem(r, "key not the expected one: signed by " + forger.fingerprint()));
  }
  SECTION("trailing data") {
    CHECK(has_problem(verify_dump(bytes + "{}\n"), "trailing data after the signature"));
    CHECK(has_problem(verify_dump(bytes + "\n"), "trailing data after the signature"));
  }
  SECTION("a truncated file") {
    auto r = verify_dump(bytes.substr(0, bytes.size() / 2));
    CHECK_FALSE(r.ok());
    CHECK(has_problem(r, "unreadable dump"));
    CHECK(has_problem(verify_dump(bytes.substr(0, bytes.size() - 1)), "cut short"));
  }
  SECTION("manifest counts that lie, signed") {
    auto lying =
        resign(bytes, key, [](nlohmann::ordered_json& m) { m["counts"]["policy_dropped"] = 0; });
    auto r = verify_dump(lying);
    CHECK(r.problems.size() == 1);
    CHECK(has_problem(r, "manifest counts disagree with content: events dropped by policy 0"));
  }
  SECTION("an event outside the time range, signed") {
    auto narrow = resign(bytes, key, [](nlohmann::ordered_json& m) {
      m["time_range"]["to"] = "2026-11-22T06:01:04.000000000Z";
    });
    CHECK(has_problem(verify_dump(narrow), "events outside the time range"));
  }
}

TEST_CASE("dump: missing, repeated or reordered sections fail", "[dump]") {
  PrivateKey key = test_key();
  const std::string bytes = sample_dump(key);
  auto lines = split_lines(bytes);
  // The policy section: its opener and its one line, at lines 5 and 6.
  REQUIRE(lines[5] == R"({"section":"policy","lines":1})");

  SECTION("missing") {
    auto edited = lines;
    edited.erase(edited.begin() + 5, edited.begin() + 7);
    auto r = verify_dump(join_lines(edited));
    CHECK(has_problem(r, "missing section policy"));
    CHECK(has_problem(r, "manifest lists section policy, not in the file"));
  }
  SECTION("reordered") {
    auto edited = lines;
    std::swap(edited[3], edited[5]);  // request <-> policy, one line each
    std::swap(edited[4], edited[6]);
    auto r = verify_dump(join_lines(edited));
    CHECK(has_problem(r, "sections out of order"));
  }
  SECTION("repeated") {
    auto edited = lines;
    edited.insert(edited.begin() + 7, {lines[5], lines[6]});
    CHECK(has_problem(verify_dump(join_lines(edited)), "section policy appears more than once"));
  }
  SECTION("a section line spelled differently") {
    auto edited = lines;
    edited[5] = R"({"lines":1,"section":"policy"})";
    CHECK(has_problem(verify_dump(join_lines(edited)), "line 6: expected a section line"));
  }
  SECTION("not a dump") {
    CHECK(has_problem(verify_dump("hello\n"), "not a yagura dump"));
    CHECK(has_problem(verify_dump(""), "not a yagura dump"));
  }
}

TEST_CASE("dump: the writer refuses lines that would break the format", "[dump]") {
  DumpWriter writer(test_context());
  CHECK_FALSE(writer.add_event("not json"));
  CHECK_FALSE(writer.add_event(R"({"time":"2026-11-22T06:01:03.000000000Z"})"));  // no type
  CHECK_FALSE(writer.add_event(R"({"type":"exec","time":"2026-11-22T08:00:00.000000000Z"})"));
  CHECK_FALSE(writer.add_event(R"({"type":"exec"})"));
  CHECK_FALSE(writer.add_health("{\"type\":\n\"health\"}"));  // a line feed inside
  CHECK_FALSE(writer.add_process("[1,2]"));
  // Bytes that are not UTF-8 come as \udcXX escapes (docs/events.md): kept.
  const std::string raw =
      R"({"type":"file","time":"2026-11-22T06:01:03.000000000Z","file":{"path":"/tmp/\udcff"}})";
  CHECK(writer.add_event(raw));
  auto bytes = writer.finish(test_key());
  REQUIRE(bytes.ok());
  CHECK(bytes->find(raw + "\n") != std::string::npos);
  CHECK(verify_dump(*bytes).ok());
}
