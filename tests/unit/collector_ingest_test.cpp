// What ingest reads from events before storing them: the index columns of
// each event type (lines shaped as docs/events.md's examples), raw bytes
// carried as "\udcXX", and which pushed policy a host is offered.
#include <catch2/catch.hpp>
#include <string>

#include "collector/ingest/event_index.h"
#include "common/json_bytes.h"
#include "collector/ingest/policy_targets.h"

namespace yagura::collector {
namespace {

const std::string kHead =
    R"("schema":2,"time":"2026-11-22T06:01:02.123456789Z","ktime_ns":1000123456789,)"
    R"("host":{"hostname":"web-01","boot_id":"d088d297-26b6-4700-a751-6dc4102b7523",)"
    R"("tags":{"env":"prod","role":"web"}},)";
const std::string kLineage =
    R"("parent":{"key":"4100:500000000000","pid":4100,"exe":"/usr/bin/bash",)"
    R"("args":["-bash"],"command_line":"-bash"},)"
    R"("ancestors":[{"key":"812:3000000000","pid":812,"exe":"/usr/sbin/sshd",)"
    R"("command_line":"'sshd: alice [priv]'"}],"lineage_complete":true)";

std::string line(const std::string& type, const std::string& process, const std::string& tail) {
  return "{" + kHead + R"("type":")" + type + R"(","process":)" + process + "," + kLineage +
         (tail.empty() ? "" : "," + tail) + "}";
}

const std::string kCurl =
    R"({"key":"4242:990000000000","pid":4242,"tid":4242,"comm":"curl","owner_only":true,)"
    R"("uid":1000,"exe":"/usr/bin/curl","args":["curl","-s","https://example.com/"],)"
    R"("command_line":"curl -s https://example.com/","cwd":"/home/alice"})";

EventRecord index(const std::string& json, const std::string& type) {
  auto e = index_event(json, type, 42);
  INFO(json);
  REQUIRE(e);
  return std::move(*e);
}

TEST_CASE("event index: an exec gives its key, parent, image and hash", "[collector][ingest]") {
  const std::string process =
      R"({"key":"4242:990000000000","pid":4242,"tid":4242,"comm":"sudo","exe":"/usr/bin/sudo",)"
      R"("exe_file":{"dev":"259:3","ino":1234,"mode":"0104755","setuid":true,)"
      R"("sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},)"
      R"("args":["sudo","-u","bob"],"command_line":"sudo -u bob"})";
  const std::string json = line("exec", process, R"("snapshot":false)");
  EventRecord e = index(json, "exec");
  CHECK(e.time_ns == 42);
  CHECK(e.type == "exec");
  CHECK(e.boot_id == "d088d297-26b6-4700-a751-6dc4102b7523");
  CHECK(e.process_key == "4242:990000000000");
  CHECK(e.parent_key == "4100:500000000000");
  CHECK(e.exe == "/usr/bin/sudo");
  CHECK(e.exe_sha256 == std::string(64, 'a'));
  CHECK(e.remote_ip.empty());
  CHECK(e.domains.empty());
  CHECK(e.json == json);  // kept exactly
}

TEST_CASE("event index: the other end of each kind of connection", "[collector][ingest]") {
  SECTION("a connect: the destination, with the names DNS gave it") {
    EventRecord e = index(
        line("network", kCurl,
             R"("network":{"action":"connect","transport":"tcp","family":"ipv4","initiated":true,)"
             R"("source":{"ip":"10.0.0.5","port":40312},"destination":{"ip":"93.184.215.14",)"
             R"("port":443,"domain":["Example.COM.","edge.cdn.net"]},"loopback":false,)"
             R"("result":"established"})"),
        "network");
    CHECK(e.remote_ip == "93.184.215.14");
    CHECK(e.remote_port == 443);
    CHECK(e.domains == std::vector<std::string>{"edge.cdn.net", "example.com"});
  }
  SECTION("an accept: the client, which is the source") {
    EventRecord e = index(line("network", kCurl,
                               R"("network":{"action":"accept","transport":"tcp","family":"ipv6",)"
                               R"("source":{"ip":"2001:DB8:0:0::7","port":51000},)"
                               R"("destination":{"ip":"2001:db8::1","port":22},"loopback":false})"),
                          "network");
    CHECK(e.remote_ip == "2001:db8::7");  // canonical form
    CHECK(e.remote_port == 51000);
  }
  SECTION("the close of an accepted connection: the client again") {
    EventRecord e = index(
        line("network", kCurl,
             R"("network":{"action":"close","transport":"tcp","family":"ipv4","initiated":false,)"
             R"("source":{"ip":"198.51.100.9","port":51000},)"
             R"("destination":{"ip":"10.0.0.5","port":22},"duration_ns":5})"),
        "network");
    CHECK(e.remote_ip == "198.51.100.9");
  }
  SECTION("a listen: no other end") {
    EventRecord e = index(line("network", kCurl,
                               R"("network":{"action":"listen","transport":"tcp","family":"ipv4",)"
                               R"("destination":{"ip":"0.0.0.0","port":8080},"loopback":false})"),
                          "network");
    CHECK(e.remote_ip.empty());
    CHECK(e.remote_port == 0);
  }
  SECTION("an IPv4-mapped address reads as IPv4") {
    EventRecord e =
        index(line("network", kCurl,
                   R"("network":{"action":"udp_send","transport":"udp","family":"ipv6",)"
                   R"("initiated":true,"destination":{"ip":"::ffff:192.0.2.1","port":53}})"),
              "network");
    CHECK(e.remote_ip == "192.0.2.1");
  }
}

TEST_CASE("event index: DNS question and answer names", "[collector][ingest]") {
  EventRecord e = index(
      line("dns", kCurl,
           R"("dns":{"direction":"answer","id":4660,"question":{"name":"WWW.Example.com",)"
           R"("type":"A"},"rcode":"NOERROR","answers":[{"name":"www.example.com","type":"CNAME",)"
           R"("data":"edge.cdn.net","ttl":300},{"name":"edge.cdn.net","type":"A",)"
           R"("data":"93.184.215.14","ttl":300}],"source":{"ip":"10.0.0.5","port":53211},)"
           R"("destination":{"ip":"10.0.0.1","port":53},"message_bytes":45,)"
           R"("captured_bytes":45,"incomplete":false,"malformed":false})"),
      "dns");
  CHECK(e.domains == std::vector<std::string>{"edge.cdn.net", "www.example.com"});
  CHECK(e.remote_ip.empty());  // the resolver is not what the process contacted by name
}

TEST_CASE("event index: a file path with bytes that are not UTF-8", "[collector][ingest]") {
  // "/tmp/\xff\xfe.so", as the sensor writes it.
  const std::string json =
      line("file", kCurl,
           R"("file":{"action":"open","path":"/tmp/\udcff\udcfe.so","lexical":false,)"
           R"("access":["write","create"]})");
  EventRecord e = index(json, "file");
  CHECK(e.file_path == "/tmp/\xff\xfe.so");
  CHECK(e.json == json);
}

TEST_CASE("event index: refuses what is not the event the batch says", "[collector][ingest]") {
  auto refuse = [](const std::string& json, const std::string& type) {
    auto e = index_event(json, type, 1);
    REQUIRE_FALSE(e);
    return e.error().message;
  };
  CHECK_THAT(refuse("{\"type\":\"exec\"", "exec"), Catch::StartsWith("not JSON"));
  CHECK_THAT(refuse("[1,2]", "exec"), Catch::Contains("not a JSON object"));
  CHECK_THAT(refuse("{\"schema\":2}", "exec"), Catch::Contains("no \"type\""));
  CHECK_THAT(refuse(line("fork", kCurl, ""), "exec"), Catch::Contains("the batch says \"exec\""));
  CHECK_THAT(refuse("{\"type\":\n\"exec\"}", "exec"), Catch::Contains("line break"));
  // A lone high surrogate is not how the sensor writes a byte.
  CHECK_THAT(refuse(R"({"type":"exec","x":"\ud800"})", "exec"), Catch::StartsWith("not JSON"));
}

TEST_CASE("json bytes: raw bytes round-trip through a strict parser", "[collector][ingest]") {
  // Escapes that are not lone low surrogates stay as they are.
  CHECK(protect_byte_escapes(R"("a\\udcff\n\u00e9")") == R"("a\\udcff\n\u00e9")");
  // A surrogate pair whose low half is in the byte range is a character.
  CHECK(protect_byte_escapes(R"("\ud83d\udc80")") == R"("\ud83d\udc80")");
  std::string parsed_form = protect_byte_escapes(R"("\udc80\udcFF")");
  CHECK(parsed_form == R"("\udbff\udf80\udbff\udfff")");

  const std::string raw = std::string("ok/\xff\x80/\xc3\xa9/\xed\xa0\x80/\xf4\x90\x80\x80");
  std::string internal = from_bytes(raw);
  CHECK(internal.find("\xc3\xa9") != std::string::npos);  // valid UTF-8 kept
  CHECK(to_bytes(internal) == raw);
  CHECK(restore_byte_escapes("\"" + from_bytes("a\xff") + "\"") == "\"a\\udcff\"");
}

TEST_CASE("policy targets: tags select hosts, the newest version wins", "[collector][ingest]") {
  auto kv = parse_target("team=a=b");
  REQUIRE(kv);
  CHECK(kv->first == "team");
  CHECK(kv->second == "a=b");
  CHECK_FALSE(parse_target("team"));
  CHECK_FALSE(parse_target("=a"));

  const Tags web_a{{"team", "a"}, {"role", "web"}};
  CHECK(targets_match({}, web_a));
  CHECK(targets_match({"team=a"}, web_a));
  CHECK(targets_match({"team=a", "role=web"}, web_a));
  CHECK_FALSE(targets_match({"team=a", "role=db"}, web_a));
  CHECK_FALSE(targets_match({"team=b"}, web_a));

  std::vector<PolicyRecord> policies(3);
  policies[0].version = 5;
  policies[0].targets = {"team=b"};
  policies[1].version = 4;
  policies[1].targets = {"team=a"};
  policies[2].version = 1;
  const PolicyRecord* latest = latest_targeted(policies, web_a);
  REQUIRE(latest != nullptr);
  CHECK(latest->version == 4);
  CHECK(latest_targeted(policies, {{"team", "c"}})->version == 1);

  CHECK(policy_offer(latest, 3, 0));
  CHECK_FALSE(policy_offer(latest, 4, 0));  // runs it
  CHECK_FALSE(policy_offer(latest, 6, 0));  // runs newer
  CHECK_FALSE(policy_offer(latest, 3, 4));  // refused exactly this one
  CHECK(policy_offer(latest, 3, 2));
  CHECK_FALSE(policy_offer(nullptr, 0, 0));
}

}  // namespace
}  // namespace yagura::collector
