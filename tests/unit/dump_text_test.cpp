#include "dump/dump_text.h"

#include <catch2/catch.hpp>
#include <string>

#include "dump/activity_text.h"
#include "dump/dump_reader.h"
#include "dump/dump_verifier.h"
#include "tests/unit/dump_test_support.h"

using namespace yagura;
using namespace yagura::dump;
using namespace yagura::testing;

namespace {

// The line of `text` that contains `needle`, "" when none.
std::string line_with(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  if (at == std::string::npos) return "";
  size_t start = text.rfind('\n', at);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, text.find('\n', at) - start);
}

size_t indent_of(const std::string& line) { return line.find_first_not_of(' '); }

}  // namespace

TEST_CASE("dump text: header and process tree with activity", "[dump]") {
  PrivateKey key = test_key();
  const std::string bytes = sample_dump(key);
  auto dump = read_dump(bytes);
  REQUIRE(dump.ok());
  const std::string text = render_dump_text(*dump, verify_dump(bytes));
  INFO(text);

  CHECK_THAT(line_with(text, "Host:"), Catch::Contains("web-01") && Catch::Contains("sensor-7"));
  CHECK(line_with(text, "Tags:") == "Tags:       env=prod, role=web");
  CHECK_THAT(line_with(text, "Policy:"), Catch::Contains("baseline version 3"));
  CHECK(line_with(text, "Period:") ==
        "Period:     2026-11-22T06:01:02.000000000Z to 2026-11-22T07:01:02.000000000Z");
  CHECK_THAT(line_with(text, "Request:"), Catch::Contains("by uid 0, reason \"INC-42\""));
  CHECK_THAT(line_with(text, "Contents:"),
             Catch::Contains("7 events") && Catch::Contains("1 dropped by policy"));
  CHECK_THAT(line_with(text, "Journal:"),
             Catch::Contains("last_seq 99") && Catch::Contains("no problems reported"));
  CHECK(line_with(text, "Losses:") == "Losses:     kernel.drops.exec.ringbuf_full +3");
  CHECK_THAT(line_with(text, "Integrity:"),
             Catch::Contains("verified") && Catch::Contains(key.fingerprint()));

  // bash has events, so it heads the tree; its parent sshd has none here.
  const std::string bash = line_with(text, "pid 4100  -bash");
  const std::string curl = line_with(text, "pid 4242  curl -s https://example.com/");
  const std::string sh = line_with(text, "pid 4300  sh -c id");
  REQUIRE(!bash.empty());
  REQUIRE(!curl.empty());
  REQUIRE(!sh.empty());
  CHECK(indent_of(bash) == 0);
  CHECK(indent_of(curl) == 4);  // children indented under their parent
  CHECK(indent_of(sh) == 4);
  CHECK(text.find(bash) < text.find(curl));
  CHECK_THAT(line_with(text, "parent (no events in this dump)"),
             Catch::Contains("pid 812 sshd: alice"));
  // From the process table: bash started before the period.
  CHECK_THAT(line_with(text, "key 4100:500000000000"),
             Catch::Contains("started 2026-11-22T05:00:00.000000000Z") &&
                 Catch::Contains("user alice (uid 1000)"));

  CHECK(line_with(text, "connect tcp") ==
        "      2026-11-22T06:01:04.000000000Z  connect tcp 10.0.0.5:40312 -> 93.184.215.14:443 "
        "(example.com) established");
  CHECK_THAT(line_with(text, "dns answer"),
             Catch::Contains("example.com A NOERROR -> 93.184.215.14"));
  CHECK(line_with(text, "cron.d") ==
        "      2026-11-22T06:01:06.000000000Z  file open /etc/cron.d/job [write,create]  "
        "(dropped by policy)");
  CHECK_THAT(line_with(text, "exit code"), Catch::Contains("06:01:07"));
  CHECK(indent_of(line_with(text, ".bash_history")) == 2);
}

TEST_CASE("dump text: a dump that fails verification says so", "[dump]") {
  PrivateKey key = test_key();
  std::string bytes = sample_dump(key);
  bytes.replace(bytes.find("/etc/cron.d/job"), 15, "/etc/cron.d/jox");
  auto dump = read_dump(bytes);
  REQUIRE(dump.ok());
  const std::string text = render_dump_text(*dump, verify_dump(bytes));
  CHECK_THAT(line_with(text, "Integrity:"), Catch::Contains("NOT VERIFIED"));
  CHECK_THAT(text, Catch::Contains("PROBLEM: section events: sha256 mismatch"));
}

TEST_CASE("dump text: activity lines", "[dump]") {
  Proc p{"1:1", 1, "/bin/x", "x", "root", 0};
  nlohmann::json killed = make_event("exit", 0, p);
  killed["exit"] = {{"code", 0}, {"signal", 9}, {"signal_name", "SIGKILL"}, {"core_dumped", false}};
  CHECK(describe_activity(killed) == "killed by SIGKILL");

  nlohmann::json accept = make_event("network", 0, p);
  with_accept(accept, "2001:db8::9");
  CHECK(describe_activity(accept) == "accept tcp [2001:db8::9]:51234 -> 10.0.0.5:22");

  nlohmann::json cred = make_event("cred", 0, p);
  cred["cred"] = {{"syscall", "setuid"},
                  {"old", {{"uid", 1000}, {"euid", 1000}}},
                  {"new", {{"uid", 0}, {"euid", 0}}}};
  CHECK(describe_activity(cred) == "cred setuid euid 1000->0, uid 1000->0");

  nlohmann::json ptrace = make_event("tamper", 0, p);
  ptrace["tamper"] = {{"action", "ptrace"},
                      {"request", "PTRACE_ATTACH"},
                      {"success", true},
                      {"target", {{"pid", 812}, {"exe", "/usr/sbin/sshd"}}}};
  ptrace["alerts"] = {{{"id", "ptrace-sshd"}, {"severity", "high"}}};
  CHECK(describe_activity(ptrace) ==
        "tamper ptrace PTRACE_ATTACH -> pid 812 /usr/sbin/sshd  ALERT ptrace-sshd (high)");

  // A control character in a name cannot start a line of its own.
  nlohmann::json sneaky = make_event("file", 0, p);
  with_file(sneaky, "unlink", "/tmp/a\nFAKE LINE");
  CHECK(describe_activity(sneaky) == "file unlink /tmp/a\\x0aFAKE LINE [write,create]");
}
