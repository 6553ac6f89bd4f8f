// CollectorApi end to end without sockets: requests as the TLS server hands
// them over, a real SQLite store in a temporary directory, batches built as
// a sensor builds them (protobuf, zstd) with events shaped as
// docs/events.md describes them.
#include "collector/api/collector_api.h"

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/json_bytes.h"
#include "collector/store/sqlite_store.h"
#include "common/host.h"
#include "tests/unit/temp_dir.h"
#include "wire/zstd_frame.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::collector {
namespace {

namespace wire = yagura::wire::v1;
using nlohmann::json;
using testing::TempDir;

constexpr const char* kBoot = "d088d297-26b6-4700-a751-6dc4102b7523";
constexpr const char* kAdmin = "csirt-alice";
constexpr uint64_t kT0 = 1795327262000000000;  // 2026-11-22T06:01:02Z
constexpr uint64_t kSecond = 1000000000;
const std::string kCurlSha(64, 'c');
const std::string kSshdSha(64, '5');

std::string policy_text(uint64_t version) {
  return "policy: {name: fleet, version: " + std::to_string(version) +
         "}\nrules:\n  - {id: quiet-forks, action: drop, types: [fork]}\n";
}

// Answers carry raw bytes as "\udcXX", which nlohmann alone refuses.
json parse(const std::string& text) { return json::parse(protect_byte_escapes(text)); }

struct Collector {
  explicit Collector(IngestLimits limits = {}, SqliteStoreOptions options = {})
      : store(open(dir.path + "/collector.db", options)),
        api(*store, CollectorApiConfig{{kAdmin}, limits, [this] { return now; }}) {}

  static std::unique_ptr<SqliteStore> open(const std::string& path, SqliteStoreOptions options) {
    auto s = SqliteStore::open(path, options);
    REQUIRE(s);
    return std::move(*s);
  }

  ApiResponse post(const std::string& peer, const std::string& body,
                   const std::string& encoding = "zstd") {
    return api.handle({"POST", "/v1/batches", peer, "application/x-protobuf", encoding, body});
  }
  ApiResponse send(const wire::Batch& batch) {
    return post(batch.sensor_id(), zstd_compress(batch.SerializeAsString()));
  }
  wire::Ack ack(const wire::Batch& batch) {
    ApiResponse r = send(batch);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "application/x-protobuf");
    wire::Ack ack;
    REQUIRE(ack.ParseFromString(r.body));
    return ack;
  }
  ApiResponse get(const std::string& peer, const std::string& target) {
    return api.handle({"GET", target, peer, "", "", ""});
  }
  json get_json(const std::string& target) {
    ApiResponse r = get(kAdmin, target);
    INFO(target << ": " << r.body);
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "application/json");
    return parse(r.body);
  }
  ApiResponse push(uint64_t version, std::vector<std::string> targets,
                   const std::string& peer = kAdmin, std::string text = "") {
    wire::PolicyPush push;
    push.set_policy(text.empty() ? policy_text(version) : text);
    push.set_signature("yagura-policy-signature: 1\nkey: ab\nsignature: cd\n");
    for (const std::string& t : targets) push.add_target_tags(t);
    return api.handle({"POST", "/v1/admin/policies", peer, "application/x-protobuf", "",
                       push.SerializeAsString()});
  }
  bool stored(const std::string& sensor, uint64_t sequence) {
    auto has = store->has_batch(sensor, sequence);
    REQUIRE(has);
    return *has;
  }

  TempDir dir;
  uint64_t now = kT0 + 3600 * kSecond;
  std::unique_ptr<SqliteStore> store;
  CollectorApi api;
};

wire::Batch make_batch(const std::string& sensor, uint64_t sequence,
                       std::map<std::string, std::string> tags = {{"team", "a"}},
                       uint64_t policy_version = 1) {
  wire::Batch b;
  b.set_protocol_version(1);
  b.set_sensor_id(sensor);
  b.mutable_host()->set_hostname(sensor);
  b.mutable_host()->set_boot_id(kBoot);
  b.mutable_host()->set_kernel("6.1.0-13-amd64");
  for (const auto& [k, v] : tags) (*b.mutable_host()->mutable_tags())[k] = v;
  b.set_sequence(sequence);
  b.set_created_ns(kT0 + sequence);
  b.mutable_policy()->set_name("fleet");
  b.mutable_policy()->set_version(policy_version);
  b.mutable_policy()->set_sha256(std::string(64, '1'));
  (*b.mutable_health())["pipeline.event_queue.dropped"] = 0;
  (*b.mutable_health())["uploader.batches_sent"] = static_cast<int64_t>(sequence);
  b.set_event_schema(2);
  return b;
}

// An event line as the sensor writes it; `extra` holds the type's object
// and the lineage.
std::string event_line(const std::string& type, uint64_t time_ns, const json& process,
                       const json& extra) {
  json j = {{"schema", 2},
            {"type", type},
            {"time", format_rfc3339(time_ns)},
            {"ktime_ns", time_ns - kT0 + 1000000000000},
            {"host", {{"hostname", "web-01"}, {"boot_id", kBoot}, {"tags", {{"team", "a"}}}}},
            {"process", process},
            {"lineage_complete", true}};
  if (!extra.is_null()) j.update(extra);
  return j.dump();
}

void add_event(wire::Batch& b, const std::string& type, uint64_t time_ns, const std::string& line) {
  wire::Event* e = b.add_events();
  e->set_json(line);
  e->set_type(type);
  e->set_time_ns(time_ns);
  e->set_priority(type == "network" || type == "dns" || type == "file" ? wire::PRIORITY_ACTIVITY
                                                                       : wire::PRIORITY_PROCESS);
}

json process(const std::string& key, int pid, const std::string& comm, const std::string& exe) {
  return {{"key", key},  {"pid", pid},      {"tid", pid}, {"comm", comm},
          {"uid", 1000}, {"user", "alice"}, {"exe", exe}, {"command_line", comm}};
}

json exec_process(const std::string& key, int pid, const std::string& comm, const std::string& exe,
                  const std::string& sha) {
  json p = process(key, pid, comm, exe);
  p["exe_file"] = {{"dev", "259:3"}, {"ino", 1234}, {"mode", "0100755"}, {"sha256", sha}};
  p["args"] = {comm};
  return p;
}

json parent(const std::string& key, int pid, const std::string& exe) {
  return {{"parent", {{"key", key}, {"pid", pid}, {"exe", exe}, {"command_line", exe}}}};
}

const std::string kSshd = "812:3000000000";
const std::string kBash = "4100:500000000000";
const std::string kCurl = "4242:990000000000";

// A login: sshd (snapshot) -> bash -> curl, which resolves example.com,
// connects to it and writes a file whose name is not UTF-8. Only the exec
// events of sshd and bash carry their own parents: curl's events know its
// parent alone, so the rest of its lineage comes from the store.
wire::Batch login_batch(uint64_t sequence) {
  wire::Batch b = make_batch("web-01", sequence);
  json sshd_exec = parent("1:0", 1, "/sbin/init");
  sshd_exec["snapshot"] = true;
  add_event(b, "exec", kT0,
            event_line("exec", kT0, exec_process(kSshd, 812, "sshd", "/usr/sbin/sshd", kSshdSha),
                       sshd_exec));
  add_event(b, "fork", kT0 + 1 * kSecond,
            event_line("fork", kT0 + 1 * kSecond, process(kBash, 4100, "sshd", "/usr/sbin/sshd"),
                       parent(kSshd, 812, "/usr/sbin/sshd")));
  add_event(b, "exec", kT0 + 2 * kSecond,
            event_line("exec", kT0 + 2 * kSecond,
                       exec_process(kBash, 4100, "bash", "/usr/bin/bash", std::string(64, 'b')),
                       parent(kSshd, 812, "/usr/sbin/sshd")));
  json curl_parent = parent(kBash, 4100, "/usr/bin/bash");
  curl_parent["lineage_complete"] = false;
  add_event(b, "fork", kT0 + 3 * kSecond,
            event_line("fork", kT0 + 3 * kSecond, process(kCurl, 4242, "bash", "/usr/bin/bash"),
                       curl_parent));
  add_event(b, "exec", kT0 + 4 * kSecond,
            event_line("exec", kT0 + 4 * kSecond,
                       exec_process(kCurl, 4242, "curl", "/usr/bin/curl", kCurlSha), curl_parent));
  json dns = curl_parent;
  dns["dns"] = {
      {"direction", "answer"},
      {"id", 4660},
      {"question", {{"name", "example.com"}, {"type", "A"}}},
      {"rcode", "NOERROR"},
      {"answers",
       {{{"name", "example.com"}, {"type", "A"}, {"data", "93.184.215.14"}, {"ttl", 300}}}},
      {"source", {{"ip", "10.0.0.5"}, {"port", 53211}}},
      {"destination", {{"ip", "10.0.0.1"}, {"port", 53}}}};
  add_event(
      b, "dns", kT0 + 5 * kSecond,
      event_line("dns", kT0 + 5 * kSecond, process(kCurl, 4242, "curl", "/usr/bin/curl"), dns));
  json net = curl_parent;
  net["network"] = {
      {"action", "connect"},
      {"transport", "tcp"},
      {"family", "ipv4"},
      {"initiated", true},
      {"source", {{"ip", "10.0.0.5"}, {"port", 40312}}},
      {"destination", {{"ip", "93.184.215.14"}, {"port", 443}, {"domain", {"example.com"}}}},
      {"loopback", false},
      {"result", "established"}};
  add_event(
      b, "network", kT0 + 6 * kSecond,
      event_line("network", kT0 + 6 * kSecond, process(kCurl, 4242, "curl", "/usr/bin/curl"), net));
  // Written by hand: nlohmann would refuse to print the raw byte.
  std::string file = event_line("file", kT0 + 7 * kSecond,
                                process(kCurl, 4242, "curl", "/usr/bin/curl"), curl_parent);
  file.pop_back();
  file += R"(,"file":{"action":"open","path":"/tmp/\udcffpayload","access":["write","create"]}})";
  add_event(b, "file", kT0 + 7 * kSecond, file);
  json exit = curl_parent;
  exit["exit"] = {{"code", 0}, {"signal", 0}, {"core_dumped", false}};
  add_event(
      b, "exit", kT0 + 8 * kSecond,
      event_line("exit", kT0 + 8 * kSecond, process(kCurl, 4242, "curl", "/usr/bin/curl"), exit));
  return b;
}

std::vector<json> ndjson(const std::string& body) {
  std::vector<json> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) out.push_back(parse(line));
  return out;
}

TEST_CASE("collector api: a batch is stored, then acked", "[collector][api]") {
  Collector c;
  wire::Batch b = login_batch(1);
  wire::Ack ack = c.ack(b);
  CHECK(ack.sequence() == 1);
  CHECK_FALSE(ack.duplicate());
  CHECK_FALSE(ack.has_policy_offer());
  CHECK(c.stored("web-01", 1));

  json hosts = c.get_json("/v1/admin/hosts");
  REQUIRE(hosts["hosts"].size() == 1);
  const json& h = hosts["hosts"][0];
  CHECK(h["sensor_id"] == "web-01");
  CHECK(h["hostname"] == "web-01");
  CHECK(h["boot_id"] == kBoot);
  CHECK(h["kernel"] == "6.1.0-13-amd64");
  CHECK(h["tags"] == json{{"team", "a"}});
  CHECK(h["last_seen"] == format_rfc3339(c.now));
  CHECK(h["policy"]["version"] == 1);
  CHECK(h["gaps"]["not_received"] == 0);
  CHECK_FALSE(h.contains("health"));

  json one = c.get_json("/v1/admin/hosts?sensor=web-01");
  CHECK(one["hosts"][0]["health"]["uploader.batches_sent"] == 1);
}

TEST_CASE("collector api: a batch sent twice is acked twice and stored once", "[collector][api]") {
  Collector c;
  wire::Batch b = login_batch(7);
  CHECK_FALSE(c.ack(b).duplicate());
  wire::Ack again = c.ack(b);
  CHECK(again.sequence() == 7);
  CHECK(again.duplicate());
  ApiResponse events = c.get(
      kAdmin, "/v1/admin/events?sensor=web-01&from=0&to=" + std::to_string(kT0 + 100 * kSecond));
  REQUIRE(events.status == 200);
  CHECK(ndjson(events.body).size() == static_cast<size_t>(b.events_size()));
}

TEST_CASE("collector api: a sequence reused for another batch is not stored, the sensor is told "
          "to number above the highest",
          "[collector][api]") {
  Collector c;
  CHECK(c.ack(login_batch(1)).renumber_above() == 0);
  CHECK(c.ack(login_batch(9)).renumber_above() == 0);
  // A sensor whose state directory was wiped starts again at 1.
  wire::Batch reused = login_batch(1);
  reused.set_created_ns(kT0 + 50 * kSecond);
  wire::Ack ack = c.ack(reused);
  CHECK(ack.sequence() == 1);
  CHECK_FALSE(ack.duplicate());
  CHECK(ack.renumber_above() == 9);
  ApiResponse events = c.get(
      kAdmin, "/v1/admin/events?sensor=web-01&from=0&to=" + std::to_string(kT0 + 100 * kSecond));
  REQUIRE(events.status == 200);
  CHECK(ndjson(events.body).size() == 2 * static_cast<size_t>(reused.events_size()));
  // Under a new number it is stored.
  reused.set_sequence(10);
  CHECK(c.ack(reused).renumber_above() == 0);
  CHECK(c.stored("web-01", 10));
}

TEST_CASE("collector api: a sensor cannot send data as another", "[collector][api]") {
  Collector c;
  wire::Batch b = login_batch(1);
  ApiResponse r = c.post("web-02", zstd_compress(b.SerializeAsString()));
  CHECK(r.status == 403);
  CHECK_THAT(r.body, Catch::Contains("cannot send data as another"));
  CHECK_FALSE(c.stored("web-01", 1));
}

TEST_CASE("collector api: bad input is refused with the right status, and not stored",
          "[collector][api]") {
  Collector c(IngestLimits{.max_decompressed_bytes = 1 << 20, .max_events_per_batch = 5});
  wire::Batch good = make_batch("web-01", 1);
  add_event(good, "exec", kT0,
            event_line("exec", kT0, exec_process(kCurl, 1, "c", "/c", kCurlSha), {}));
  const std::string frame = zstd_compress(good.SerializeAsString());
  auto post = [&](const std::string& body, const std::string& encoding = "zstd") {
    return c.post("web-01", body, encoding);
  };
  auto batch_with = [&](auto change) {
    wire::Batch b = good;
    change(b);
    return zstd_compress(b.SerializeAsString());
  };

  CHECK(post(good.SerializeAsString(), "").status == 415);
  CHECK(post(frame, "gzip").status == 415);
  CHECK(post(frame, "zstd, gzip").status == 415);

  std::string corrupt = frame;
  corrupt[corrupt.size() / 2] ^= 0x55;
  CHECK(post(corrupt).status == 400);
  CHECK(post(frame.substr(0, frame.size() - 3)).status == 400);  // truncated frame
  CHECK(post("").status == 400);
  CHECK(post(zstd_compress(std::string("\xff\xff\xff\xff garbage", 12))).status == 400);

  // 16 MiB of zeros compress to a few hundred bytes.
  ApiResponse bomb = post(zstd_compress(std::string(16 << 20, '\0')));
  CHECK(bomb.status == 413);
  CHECK_THAT(bomb.body, Catch::Contains("1048576"));
  CHECK(post(batch_with([](wire::Batch& b) {
          for (int i = 0; i < 5; ++i) *b.add_events() = b.events(0);
        })).status == 413);

  CHECK(post(batch_with([](wire::Batch& b) { b.set_protocol_version(2); })).status == 400);
  CHECK(post(batch_with([](wire::Batch& b) { b.set_sequence(0); })).status == 400);
  CHECK(post(batch_with([](wire::Batch& b) { b.mutable_host()->clear_hostname(); })).status == 400);
  CHECK(post(batch_with([](wire::Batch& b) { b.clear_sensor_id(); })).status == 400);
  ApiResponse bad_json = post(batch_with([](wire::Batch& b) {
    b.mutable_events(0)->set_json(R"({"schema":2,"type":"exec","process":{"key":)");
  }));
  CHECK(bad_json.status == 400);
  CHECK_THAT(bad_json.body, Catch::StartsWith("event 0: not JSON"));
  CHECK(post(batch_with([](wire::Batch& b) { b.mutable_events(0)->set_type("fork"); })).status ==
        400);
  CHECK(post(batch_with([](wire::Batch& b) {
          wire::Gap* g = b.add_gaps();
          g->set_first_sequence(1);
          g->set_last_sequence(1);  // not before the batch's own sequence 1
        })).status == 400);

  CHECK_FALSE(c.stored("web-01", 1));
  json hosts = c.get_json("/v1/admin/hosts");
  CHECK(hosts["hosts"].empty());
  CHECK(post(frame).status == 200);  // the same collector still takes good data
}

TEST_CASE("collector api: a store that cannot write answers 503, and a retry succeeds",
          "[collector][api]") {
  Collector c({}, SqliteStoreOptions{.busy_timeout_ms = 20});
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open((c.dir.path + "/collector.db").c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);

  wire::Batch b = login_batch(1);
  ApiResponse r = c.send(b);
  CHECK(r.status == 503);
  CHECK_THAT(r.body, Catch::Contains("cannot store the batch"));

  REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  CHECK_FALSE(c.ack(b).duplicate());  // nothing of the failed attempt was kept
}

TEST_CASE("collector api: routes, methods and administrators", "[collector][api]") {
  Collector c;
  c.ack(login_batch(1));
  for (const char* target :
       {"/v1/admin/hosts", "/v1/admin/policies", "/v1/admin/gaps",
        "/v1/admin/events?sensor=web-01&from=0&to=1", "/v1/admin/process?sensor=web-01&key=1:1"}) {
    INFO(target);
    ApiResponse r = c.get("web-01", target);  // a sensor, not an administrator
    CHECK(r.status == 403);
  }
  CHECK(c.push(2, {}, "web-01").status == 403);
  CHECK(c.get(kAdmin, "/v1/admin/nothing").status == 404);
  CHECK(c.get(kAdmin, "/").status == 404);
  CHECK(c.get("web-01", "/v1/batches").status == 405);
  CHECK(c.api.handle({"DELETE", "/v1/admin/hosts", kAdmin, "", "", ""}).status == 405);
  CHECK(c.api.handle({"POST", "/v1/policy?version=1", "web-01", "", "", ""}).status == 405);
  CHECK(c.get(kAdmin, "/v1/admin/hosts?colour=red").status == 400);
  CHECK(c.get(kAdmin, "/v1/admin/hosts?sensor=nobody").status == 404);
}

TEST_CASE("collector api: events of a host in a time range, as JSON lines", "[collector][api]") {
  Collector c;
  c.ack(login_batch(1));
  ApiResponse r = c.get(kAdmin, "/v1/admin/events?sensor=web-01&from=2026-11-22T06:01:06Z&to=" +
                                    std::to_string(kT0 + 7 * kSecond));
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/x-ndjson");
  std::vector<json> lines = ndjson(r.body);
  REQUIRE(lines.size() == 3);  // exec, dns, network; the file at +7 s is past `to`
  CHECK(lines[0]["type"] == "exec");
  CHECK(lines[0]["process"]["key"] == kCurl);
  CHECK(lines[1]["type"] == "dns");
  CHECK(lines[2]["type"] == "network");

  r = c.get(kAdmin,
            "/v1/admin/events?sensor=web-01&from=0&to=9999999999999999999&type=exec&limit=2");
  REQUIRE(r.status == 200);
  lines = ndjson(r.body);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["process"]["key"] == kSshd);
  CHECK(lines[1]["process"]["key"] == kBash);

  // The raw byte comes back exactly as the sensor wrote it.
  r = c.get(kAdmin, "/v1/admin/events?sensor=web-01&from=0&to=9999999999999999999&type=file");
  CHECK_THAT(r.body, Catch::Contains(R"("path":"/tmp/\udcffpayload")"));

  CHECK(c.get(kAdmin, "/v1/admin/events?sensor=web-01&from=0").status == 400);
  CHECK(c.get(kAdmin, "/v1/admin/events?sensor=web-01&from=yesterday&to=1").status == 400);
  CHECK(c.get(kAdmin, "/v1/admin/events?sensor=web-01&from=5&to=5").status == 400);
  CHECK(c.get(kAdmin, "/v1/admin/events?sensor=nobody&from=0&to=5").status == 404);
}

TEST_CASE("collector api: a process with its lineage, children and activity", "[collector][api]") {
  Collector c;
  c.ack(login_batch(1));
  json p = c.get_json("/v1/admin/process?sensor=web-01&key=" + kCurl);
  CHECK(p["sensor_id"] == "web-01");
  CHECK(p["key"] == kCurl);
  CHECK(p["truncated"] == false);
  REQUIRE(p["exec"].size() == 1);
  CHECK(p["exec"][0]["process"]["exe"] == "/usr/bin/curl");

  // bash from curl's own events, sshd and init from the stored execs above.
  REQUIRE(p["lineage"].size() == 3);
  CHECK(p["lineage"][0]["key"] == kBash);
  CHECK(p["lineage"][0]["exe"] == "/usr/bin/bash");
  CHECK(p["lineage"][0]["exe_sha256"] == std::string(64, 'b'));
  CHECK(p["lineage"][1]["key"] == kSshd);
  CHECK(p["lineage"][1]["exe_sha256"] == kSshdSha);
  CHECK(p["lineage"][2]["key"] == "1:0");
  CHECK(p["lineage"][2]["exe"] == "/sbin/init");

  REQUIRE(p["network"].size() == 1);
  CHECK(p["network"][0]["network"]["destination"]["ip"] == "93.184.215.14");
  REQUIRE(p["dns"].size() == 1);
  CHECK(p["dns"][0]["dns"]["question"]["name"] == "example.com");
  REQUIRE(p["file"].size() == 1);
  REQUIRE(p["other"].size() == 2);  // its fork and exit
  CHECK(p["other"][0]["type"] == "fork");
  CHECK(p["other"][1]["type"] == "exit");
  CHECK(p["tamper"].empty());

  json bash = c.get_json("/v1/admin/process?sensor=web-01&key=" + kBash);
  REQUIRE(bash["children"].size() == 1);
  CHECK(bash["children"][0]["key"] == kCurl);
  CHECK(bash["children"][0]["exe"] == "/usr/bin/curl");
  CHECK(bash["children"][0]["first_seen"] == format_rfc3339(kT0 + 3 * kSecond));
  REQUIRE(bash["lineage"].size() == 2);

  json limited = c.get_json("/v1/admin/process?sensor=web-01&key=" + kCurl + "&limit=2");
  CHECK(limited["truncated"] == true);
  CHECK(c.get(kAdmin, "/v1/admin/process?sensor=web-01&key=1:1").status == 404);
  CHECK(c.get(kAdmin, "/v1/admin/process?sensor=web-01").status == 400);
}

TEST_CASE("collector api: which hosts ran a hash, contacted an address, resolved a domain",
          "[collector][api]") {
  Collector c;
  c.ack(login_batch(1));
  wire::Batch db = make_batch("db-01", 1, {{"team", "b"}});
  add_event(db, "exec", kT0 + 50 * kSecond,
            event_line("exec", kT0 + 50 * kSecond,
                       exec_process("77:1", 77, "curl", "/usr/bin/curl", kCurlSha), {}));
  c.ack(db);

  json by_hash = c.get_json("/v1/admin/hosts?exe_sha256=" + std::string(64, 'C'));
  REQUIRE(by_hash["hosts"].size() == 2);
  CHECK(by_hash["hosts"][0]["sensor_id"] == "db-01");
  CHECK(by_hash["hosts"][0]["activity"]["first"] == format_rfc3339(kT0 + 50 * kSecond));
  CHECK(by_hash["hosts"][0]["activity"]["events"] == 1);
  CHECK(by_hash["hosts"][1]["sensor_id"] == "web-01");
  CHECK(by_hash["hosts"][1]["activity"]["first"] == format_rfc3339(kT0 + 4 * kSecond));

  json by_tag = c.get_json("/v1/admin/hosts?exe_sha256=" + kCurlSha + "&tag=team%3Db");
  REQUIRE(by_tag["hosts"].size() == 1);
  CHECK(by_tag["hosts"][0]["sensor_id"] == "db-01");

  json by_address = c.get_json("/v1/admin/hosts?address=93.184.215.14");
  REQUIRE(by_address["hosts"].size() == 1);
  CHECK(by_address["hosts"][0]["sensor_id"] == "web-01");
  CHECK(by_address["hosts"][0]["activity"]["first"] == format_rfc3339(kT0 + 6 * kSecond));

  json by_domain = c.get_json("/v1/admin/hosts?domain=EXAMPLE.com.");
  REQUIRE(by_domain["hosts"].size() == 1);
  CHECK(by_domain["hosts"][0]["activity"]["events"] == 2);  // the answer and the connect
  CHECK(by_domain["hosts"][0]["activity"]["first"] == format_rfc3339(kT0 + 5 * kSecond));
  CHECK(by_domain["hosts"][0]["activity"]["last"] == format_rfc3339(kT0 + 6 * kSecond));

  json by_file = c.get_json("/v1/admin/hosts?file=%2Ftmp%2F%FFpayload");
  REQUIRE(by_file["hosts"].size() == 1);
  CHECK(c.get_json("/v1/admin/hosts?address=198.51.100.1")["hosts"].empty());
  CHECK(c.get(kAdmin, "/v1/admin/hosts?address=1.2.3.4&domain=x").status == 400);
  CHECK(c.get(kAdmin, "/v1/admin/hosts?tag=team").status == 400);
}

TEST_CASE("collector api: gaps reported by sensors and derived from sequences",
          "[collector][api]") {
  Collector c;
  c.ack(make_batch("web-01", 2));
  wire::Batch b = make_batch("web-01", 6);
  wire::Gap* g = b.add_gaps();
  g->set_first_sequence(3);
  g->set_last_sequence(4);
  g->set_events(1200);
  g->set_alert_events(3);
  g->set_reason(wire::Gap::REASON_SPOOL_FULL);
  c.ack(b);
  c.ack(make_batch("db-01", 1));

  json gaps = c.get_json("/v1/admin/gaps");
  REQUIRE(gaps["sensors"].size() == 1);
  const json& s = gaps["sensors"][0];
  CHECK(s["sensor_id"] == "web-01");
  REQUIRE(s["reported"].size() == 1);
  CHECK(s["reported"][0] == json{{"first_sequence", 3},
                                 {"last_sequence", 4},
                                 {"events", 1200},
                                 {"alert_events", 3},
                                 {"reason", "spool_full"},
                                 {"reported", format_rfc3339(c.now)},
                                 {"reported_in_sequence", 6}});
  // 1 never arrived, 5 neither and no gap explains them.
  CHECK(s["missing"] == json::parse(R"([{"first_sequence":1,"last_sequence":1},
                                         {"first_sequence":5,"last_sequence":5}])"));

  json hosts = c.get_json("/v1/admin/hosts?sensor=web-01");
  CHECK(hosts["hosts"][0]["gaps"] == json{{"not_received", 4}, {"reported", 1}});
  CHECK(c.get_json("/v1/admin/gaps?sensor=db-01")["sensors"][0]["missing"].empty());
  CHECK(c.get(kAdmin, "/v1/admin/gaps?sensor=nobody").status == 404);
}

TEST_CASE("collector api: pushing policies", "[collector][api]") {
  Collector c;
  c.ack(make_batch("web-01", 1, {{"team", "a"}}));
  c.ack(make_batch("db-01", 1, {{"team", "b"}}));

  ApiResponse bad =
      c.push(2, {}, kAdmin, "policy: {name: fleet, version: 2}\nrules:\n  - {id: r}\n");
  CHECK(bad.status == 400);
  CHECK_THAT(bad.body, Catch::StartsWith("policy:"));  // the compiler's file:line:col
  CHECK(c.push(2, {"team"}).status == 400);
  CHECK(c.api.handle({"POST", "/v1/admin/policies", kAdmin, "", "", "\xff\xff"}).status == 400);

  ApiResponse ok = c.push(2, {"team=a"});
  INFO(ok.body);
  REQUIRE(ok.status == 201);
  json pushed = json::parse(ok.body);
  CHECK(pushed["version"] == 2);
  CHECK(pushed["name"] == "fleet");
  CHECK(pushed["sha256"].get<std::string>().size() == 64);
  CHECK(pushed["targets"] == json{"team=a"});
  CHECK(pushed["hosts_targeted"] == 1);

  ApiResponse again = c.push(2, {});
  CHECK(again.status == 409);
  CHECK(c.push(3, {}).status == 201);
  json list = c.get_json("/v1/admin/policies");
  REQUIRE(list["policies"].size() == 2);
  CHECK(list["policies"][0]["version"] == 3);
  CHECK(list["policies"][0]["hosts_targeted"] == 2);
  CHECK(list["policies"][0]["pushed_by"] == kAdmin);
  CHECK(list["policies"][1]["targets"] == json{"team=a"});
}

TEST_CASE("collector api: a policy reaches the hosts it targets, not the others",
          "[collector][api]") {
  Collector c;
  REQUIRE(c.push(2, {"team=a"}).status == 201);

  wire::Ack a = c.ack(make_batch("web-01", 1, {{"team", "a"}}));
  REQUIRE(a.has_policy_offer());
  CHECK(a.policy_offer().version() == 2);
  CHECK(a.policy_offer().sha256().size() == 64);
  wire::Ack b = c.ack(make_batch("db-01", 1, {{"team", "b"}}));
  CHECK_FALSE(b.has_policy_offer());

  ApiResponse doc = c.get("web-01", "/v1/policy?version=2");
  REQUIRE(doc.status == 200);
  CHECK(doc.content_type == "application/x-protobuf");
  wire::PolicyDocument d;
  REQUIRE(d.ParseFromString(doc.body));
  CHECK(d.version() == 2);
  CHECK(d.sha256() == a.policy_offer().sha256());
  CHECK(d.policy() == policy_text(2));
  CHECK(d.signature() == "yagura-policy-signature: 1\nkey: ab\nsignature: cd\n");

  CHECK(c.get("db-01", "/v1/policy?version=2").status == 404);   // not targeted
  CHECK(c.get("web-01", "/v1/policy?version=9").status == 404);  // no such version
  CHECK(c.get("new-01", "/v1/policy?version=2").status == 404);  // never sent a batch
  CHECK(c.get("web-01", "/v1/policy?version=two").status == 400);
  CHECK(c.get("web-01", "/v1/policy").status == 400);

  // Already running it: nothing to offer.
  CHECK_FALSE(c.ack(make_batch("web-01", 2, {{"team", "a"}}, 2)).has_policy_offer());
}

TEST_CASE("collector api: a version a host failed to apply is not offered again",
          "[collector][api]") {
  Collector c;
  REQUIRE(c.push(2, {"team=a"}).status == 201);
  REQUIRE(c.ack(make_batch("web-01", 1)).has_policy_offer());

  wire::Batch refused = make_batch("web-01", 2);
  refused.mutable_policy_status()->set_version(2);
  refused.mutable_policy_status()->set_applied(false);
  refused.mutable_policy_status()->set_error("signature: key ab... is not trusted");
  CHECK_FALSE(c.ack(refused).has_policy_offer());
  CHECK_FALSE(c.ack(make_batch("web-01", 3)).has_policy_offer());

  json list = c.get_json("/v1/admin/policies");
  REQUIRE(list["hosts"].size() == 1);
  const json& h = list["hosts"][0];
  CHECK(h["sensor_id"] == "web-01");
  CHECK(h["running"]["version"] == 1);
  CHECK(h["targeted"]["version"] == 2);
  CHECK(h["state"] == "failed");
  CHECK(h["failure"] == json{{"version", 2}, {"error", "signature: key ab... is not trusted"}});

  // A fixed policy, pushed as a new version, is offered.
  REQUIRE(c.push(3, {"team=a"}).status == 201);
  wire::Ack offered = c.ack(make_batch("web-01", 4));
  REQUIRE(offered.has_policy_offer());
  CHECK(offered.policy_offer().version() == 3);
  list = c.get_json("/v1/admin/policies");
  CHECK(list["hosts"][0]["state"] == "pending");
}

TEST_CASE("collector api: handle() from several threads at once", "[collector][api]") {
  Collector c;
  REQUIRE(c.push(2, {"team=a"}).status == 201);
  constexpr int kSensors = 4, kBatches = 8;
  std::atomic<int> acked{0}, offered{0}, answered{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSensors; ++s) {
    threads.emplace_back([&, s] {
      for (int seq = 1; seq <= kBatches; ++seq) {
        wire::Batch b = login_batch(seq);
        b.set_sensor_id("web-" + std::to_string(s));
        ApiResponse r = c.send(b);
        wire::Ack ack;
        if (r.status == 200 && ack.ParseFromString(r.body) && !ack.duplicate()) ++acked;
        if (ack.policy_offer().version() == 2) ++offered;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 10; ++i) {
      if (c.get(kAdmin, "/v1/admin/hosts").status == 200) ++answered;
      int status = c.get(kAdmin, "/v1/admin/process?sensor=web-0&key=" + kCurl).status;
      if (status == 200 || status == 404) ++answered;  // 404 until web-0's first batch
    }
  });
  for (std::thread& t : threads) t.join();
  CHECK(acked == kSensors * kBatches);
  CHECK(offered == kSensors * kBatches);
  CHECK(answered == 20);
  json hosts = c.get_json("/v1/admin/hosts");
  REQUIRE(hosts["hosts"].size() == kSensors);
  for (const json& h : hosts["hosts"]) {
    CHECK(h["batches"] == kBatches);
    CHECK(h["gaps"]["not_received"] == 0);
  }
}

// Every method throws: handle() must still answer.
struct ThrowingStore : EventStore {
  [[noreturn]] static void fail() { throw std::runtime_error("boom"); }
  Result<StoreOutcome> store_batch(const IncomingBatch&) override { fail(); }
  Result<bool> has_batch(const std::string&, uint64_t) override { fail(); }
  Result<std::vector<HostRecord>> hosts() override { fail(); }
  Result<std::optional<HostRecord>> host(const std::string&) override { fail(); }
  Result<std::vector<SensorGaps>> gaps(const std::string&) override { fail(); }
  Result<std::vector<StoredEvent>> host_events(const EventRangeQuery&) override { fail(); }
  Result<std::vector<StoredEvent>> process_events(const ProcessQuery&) override { fail(); }
  Result<std::vector<ChildProcess>> process_children(const ProcessQuery&) override { fail(); }
  Result<std::vector<HostActivity>> hosts_with(ActivityKey, const std::string&) override { fail(); }
  Result<bool> add_policy(const PolicyRecord&) override { fail(); }
  Result<std::vector<PolicyRecord>> policies() override { fail(); }
  Result<std::optional<PolicyRecord>> policy(uint64_t) override { fail(); }
  Result<uint64_t> add_dump_request(const DumpRecord&) override { fail(); }
  Result<std::vector<DumpRecord>> pending_dump_requests(const std::string&, size_t) override {
    fail();
  }
  Result<std::vector<DumpRecord>> dump_requests(const DumpFilter&) override { fail(); }
  Result<bool> complete_dump(const DumpCompletion&) override { fail(); }
  Result<std::optional<std::string>> dump_file(uint64_t) override { fail(); }
};

TEST_CASE("collector api: an exception behind the API is a 500, not a crash", "[collector][api]") {
  ThrowingStore store;
  CollectorApi api(store, CollectorApiConfig{{kAdmin}, {}, [] { return kT0; }});
  wire::Batch b = login_batch(1);
  ApiResponse r = api.handle(
      {"POST", "/v1/batches", "web-01", "", "zstd", zstd_compress(b.SerializeAsString())});
  CHECK(r.status == 500);
  CHECK_THAT(r.body, Catch::Contains("boom"));
  CHECK(api.handle({"GET", "/v1/admin/hosts", kAdmin, "", "", ""}).status == 500);
}

}  // namespace
}  // namespace yagura::collector
