// Remote dumps through CollectorApi, without sockets: the CSIRT requests a
// dump, the sensor finds the request in the Ack of its next batch and
// uploads the dump (or why it could not make one), the collector checks it
// against the key the host registered and keeps it; then the CSIRT lists
// and fetches it. A real SQLite store in a temporary directory; the dump
// verifier is a fake that reads the "signer" from the dump's first line.
// Last, yaguractl's dump commands against the same API behind TLS.
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "collector/api/collector_api.h"
#include "collector/server/https_server.h"
#include "collector/store/sqlite_store.h"
#include "common/host.h"
#include "common/read_file.h"
#include "ctl/collector_commands.h"
#include "ctl/dump_scope_args.h"
#include "ctl/collector_commands.h"
#include "tests/unit/temp_dir.h"
#include "tests/unit/test_pki.h"
#include "wire/zstd_frame.h"
#include "yagura/wire/v1/wire.pb.h"

namespace yagura::collector {
namespace {

namespace wire = yagura::wire::v1;
using nlohmann::json;
using testing::TempDir;

constexpr const char* kAdmin = "csirt-alice";
constexpr uint64_t kT0 = 1795327262000000000;  // 2026-11-22T06:01:02Z
const std::string kKeyA(64, 'a');
const std::string kKeyB(64, 'b');

// A dump file as far as the fake verifier is concerned: the signer's key
// on the first line, then one event per line; "tampered" anywhere fails.
std::string dump_file(const std::string& key, int events, const std::string& extra = "") {
  std::string out = R"({"signed_by":")" + key + "\"}\n";
  for (int i = 0; i < events; ++i) out += R"({"type":"exec","n":)" + std::to_string(i) + "}\n";
  return out + extra;
}

struct VerifierCall {
  std::string dump;
  std::string expected_key;
};

struct Collector {
  explicit Collector(bool with_verifier = true, size_t max_dump_bytes = kDefaultMaxDumpBytes)
      : with_verifier(with_verifier), max_dump_bytes(max_dump_bytes) {
    reopen();
  }

  // As after a restart: the same database file, a new store and API.
  void reopen() {
    api.reset();
    store.reset();
    auto s = SqliteStore::open(dir.path + "/collector.db");
    REQUIRE(s);
    store = std::move(*s);
    CollectorApiConfig config{{kAdmin}, {}, [this] { return now; }};
    config.max_dump_bytes = max_dump_bytes;
    if (with_verifier) {
      config.verify_dump = [this](std::string_view dump, const std::string& expected) {
        calls.push_back({std::string(dump), expected});
        DumpCheck check;
        check.key_fingerprint = json::parse(dump.substr(0, dump.find('\n')))["signed_by"];
        check.events = std::count(dump.begin(), dump.end(), '\n') - 1;
        if (dump.find("tampered") != std::string_view::npos) {
          check.problems.push_back("section events: sha256 mismatch");
        }
        if (!expected.empty() && check.key_fingerprint != expected) {
          check.problems.push_back("key not the expected one");
        }
        check.ok = check.problems.empty();
        return Result<DumpCheck>(check);
      };
    }
    api = std::make_unique<CollectorApi>(*store, std::move(config));
  }

  ApiResponse handle(const std::string& method, const std::string& target, const std::string& peer,
                     const std::string& body = "", const std::string& encoding = "") {
    return api->handle({method, target, peer, "", encoding, body});
  }

  // A batch from `sensor` reporting `dump_key`; the Ack it got.
  wire::Ack batch(const std::string& sensor, const std::string& dump_key = kKeyA) {
    wire::Batch b;
    b.set_protocol_version(1);
    b.set_sensor_id(sensor);
    b.mutable_host()->set_hostname(sensor);
    b.mutable_host()->set_boot_id("d088d297-26b6-4700-a751-6dc4102b7523");
    b.mutable_host()->set_dump_key(dump_key);
    b.set_sequence(++sequences[sensor]);
    b.set_created_ns(kT0);
    ApiResponse r =
        handle("POST", "/v1/batches", sensor, zstd_compress(b.SerializeAsString()), "zstd");
    INFO(r.body);
    REQUIRE(r.status == 200);
    wire::Ack ack;
    REQUIRE(ack.ParseFromString(r.body));
    return ack;
  }

  ApiResponse request(const json& body, const std::string& peer = kAdmin) {
    return handle("POST", "/v1/admin/dumps", peer, body.dump());
  }
  // A request the collector accepted; its id.
  uint64_t requested(const std::string& sensor, const std::string& reason = "INC-42 curl to a C2",
                     const json& scope = {{"process", "4242:990000000000"}, {"mode", "lineage"}}) {
    ApiResponse r = request({{"sensor", sensor}, {"scope", scope}, {"reason", reason}});
    INFO(r.body);
    REQUIRE(r.status == 201);
    json j = json::parse(r.body);
    CHECK(j["state"] == "pending");
    CHECK(j["sensor"] == sensor);
    return j["id"].get<uint64_t>();
  }

  ApiResponse upload(const std::string& peer, uint64_t id, const std::string& dump,
                     const std::string& error = "") {
    wire::DumpUpload u;
    u.set_id(id);
    if (!dump.empty()) u.set_dump_zstd(zstd_compress(dump));
    u.set_error(error);
    return handle("POST", "/v1/dumps", peer, u.SerializeAsString());
  }
  json uploaded(const std::string& peer, uint64_t id, const std::string& dump,
                const std::string& error = "") {
    ApiResponse r = upload(peer, id, dump, error);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return json::parse(r.body);
  }

  json list(const std::string& query = "") {
    ApiResponse r = handle("GET", "/v1/admin/dumps" + query, kAdmin);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.content_type == "application/json");
    return json::parse(r.body)["dumps"];
  }
  json listed(uint64_t id) {
    for (const json& d : list()) {
      if (d["id"] == id) return d;
    }
    FAIL("dump " << id << " is not listed");
    return {};
  }
  ApiResponse fetch(uint64_t id, const std::string& peer = kAdmin) {
    return handle("GET", "/v1/admin/dumps/" + std::to_string(id), peer);
  }

  TempDir dir;
  bool with_verifier;
  size_t max_dump_bytes;
  uint64_t now = kT0 + 3600'000'000'000;
  std::map<std::string, uint64_t> sequences;
  std::vector<VerifierCall> calls;
  std::unique_ptr<SqliteStore> store;
  std::unique_ptr<CollectorApi> api;
};

std::vector<uint64_t> request_ids(const wire::Ack& ack) {
  std::vector<uint64_t> ids;
  for (const wire::DumpRequest& r : ack.dump_requests()) ids.push_back(r.id());
  return ids;
}

TEST_CASE("remote dump: a request reaches its own sensor in its next Ack, no other",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  c.batch("web-02");
  const json scope = {{"from", "2026-11-22T06:00:00.000000000Z"},
                      {"process", "4242:990000000000"},
                      {"mode", "descendants"}};
  const uint64_t first = c.requested("web-01", "INC-42 curl to a C2", scope);

  wire::Ack ack = c.batch("web-01");
  REQUIRE(ack.dump_requests_size() == 1);
  const wire::DumpRequest& r = ack.dump_requests(0);
  CHECK(r.id() == first);
  CHECK(json::parse(r.scope_json()) == scope);
  CHECK(r.reason() == "INC-42 curl to a C2");
  CHECK(r.requested_by() == kAdmin);
  CHECK(c.batch("web-02").dump_requests_size() == 0);

  // Every Ack repeats what is pending, oldest first, until it is answered.
  const uint64_t second = c.requested("web-01");
  CHECK(request_ids(c.batch("web-01")) == std::vector<uint64_t>{first, second});
  c.uploaded("web-01", first, dump_file(kKeyA, 1));
  CHECK(request_ids(c.batch("web-01")) == std::vector<uint64_t>{second});

  // At most kMaxDumpRequestsPerAck in one Ack; the rest in later ones.
  std::vector<uint64_t> pending = {second};
  while (pending.size() < kMaxDumpRequestsPerAck + 2) pending.push_back(c.requested("web-01"));
  CHECK(request_ids(c.batch("web-01")) ==
        std::vector<uint64_t>(pending.begin(), pending.begin() + kMaxDumpRequestsPerAck));
}

TEST_CASE("remote dump: the sensor's dump is checked against its registered key, kept, fetched",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01", kKeyA);
  const uint64_t id = c.requested("web-01");
  c.now += 60'000'000'000;
  const std::string dump = dump_file(kKeyA, 3);

  json answer = c.uploaded("web-01", id, dump);
  CHECK(answer["id"] == id);
  CHECK(answer["state"] == "delivered");
  CHECK(answer["duplicate"] == false);
  CHECK(answer["verification"] == "verified");

  REQUIRE(c.calls.size() == 1);
  CHECK(c.calls[0].dump == dump);  // decompressed, whole
  CHECK(c.calls[0].expected_key == kKeyA);

  json listed = c.listed(id);
  CHECK(listed["sensor"] == "web-01");
  CHECK(listed["reason"] == "INC-42 curl to a C2");
  CHECK(listed["requested_by"] == kAdmin);
  CHECK(listed["requested"] == format_rfc3339(kT0 + 3600'000'000'000));
  CHECK(listed["scope"] == json{{"process", "4242:990000000000"}, {"mode", "lineage"}});
  CHECK(listed["state"] == "delivered");
  CHECK(listed["completed"] == format_rfc3339(c.now));
  CHECK(listed["bytes"] == dump.size());
  CHECK(listed["events"] == 3);
  CHECK(listed["key_fingerprint"] == kKeyA);
  CHECK(listed["expected_key"] == kKeyA);
  CHECK(listed["verification"] == "verified");
  CHECK(listed["error"].is_null());

  ApiResponse file = c.fetch(id);
  CHECK(file.status == 200);
  CHECK(file.content_type == "application/x-ndjson");
  CHECK(file.body == dump);

  // The key the host reports is on its host record too.
  ApiResponse hosts = c.handle("GET", "/v1/admin/hosts", kAdmin);
  REQUIRE(hosts.status == 200);
  CHECK(json::parse(hosts.body)["hosts"][0]["dump_key"] == kKeyA);
}

TEST_CASE("remote dump: another sensor's request and an unknown id are refused alike",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  c.batch("web-02");
  const uint64_t id = c.requested("web-01");

  ApiResponse other = c.upload("web-02", id, dump_file(kKeyA, 1));
  CHECK(other.status == 403);
  CHECK_THAT(other.body,
             Catch::Contains("no dump request " + std::to_string(id) + " for sensor \"web-02\""));
  ApiResponse unknown = c.upload("web-02", id + 100, dump_file(kKeyA, 1));
  CHECK(unknown.status == 403);
  CHECK_THAT(unknown.body, Catch::Contains("no dump request " + std::to_string(id + 100) +
                                           " for sensor \"web-02\""));
  CHECK(c.calls.empty());
  CHECK(c.listed(id)["state"] == "pending");
  CHECK(request_ids(c.batch("web-01")) == std::vector<uint64_t>{id});
}

TEST_CASE("remote dump: a second upload is answered 200 and changes nothing",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  const uint64_t id = c.requested("web-01");
  const std::string dump = dump_file(kKeyA, 2);
  c.uploaded("web-01", id, dump);
  const json before = c.listed(id);

  c.now += 5'000'000'000;
  json again = c.uploaded("web-01", id, dump_file(kKeyA, 7));
  CHECK(again["duplicate"] == true);
  CHECK(again["state"] == "delivered");
  CHECK(again["verification"] == "verified");
  CHECK(c.calls.size() == 1);
  CHECK(c.listed(id) == before);
  CHECK(c.fetch(id).body == dump);
  // Also an error sent late does not undo a delivered dump.
  CHECK(c.uploaded("web-01", id, "", "journal unreadable")["state"] == "delivered");
}

TEST_CASE("remote dump: an upload with an error marks the request failed",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  const uint64_t id = c.requested("web-01");

  json answer = c.uploaded("web-01", id, "", "dump scope: pid must be a process id");
  CHECK(answer["state"] == "failed");
  CHECK(answer["error"] == "dump scope: pid must be a process id");
  json listed = c.listed(id);
  CHECK(listed["state"] == "failed");
  CHECK(listed["error"] == "dump scope: pid must be a process id");
  CHECK(listed["completed"] == format_rfc3339(c.now));
  CHECK(listed["bytes"].is_null());
  CHECK(listed["verification"].is_null());

  CHECK(c.batch("web-01").dump_requests_size() == 0);  // not asked again
  ApiResponse file = c.fetch(id);
  CHECK(file.status == 404);
  CHECK_THAT(file.body, Catch::Contains("pid must be a process id"));
  // A dump sent after the failure is not taken.
  CHECK(c.uploaded("web-01", id, dump_file(kKeyA, 1))["duplicate"] == true);
  CHECK(c.calls.empty());
}

TEST_CASE("remote dump: a dump that fails verification is kept and flagged",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01", kKeyA);

  SECTION("tampered") {
    const uint64_t id = c.requested("web-01");
    const std::string dump = dump_file(kKeyA, 2, "tampered\n");
    json answer = c.uploaded("web-01", id, dump);  // 200: nothing to retry
    CHECK(answer["state"] == "delivered");
    CHECK(answer["verification"] == "failed: section events: sha256 mismatch");
    CHECK(c.listed(id)["verification"] == "failed: section events: sha256 mismatch");
    CHECK(c.fetch(id).body == dump);  // evidence is never discarded
  }
  SECTION("signed by a key the host did not register") {
    const uint64_t id = c.requested("web-01");
    c.uploaded("web-01", id, dump_file(kKeyB, 2));
    json listed = c.listed(id);
    CHECK(listed["key_fingerprint"] == kKeyB);
    CHECK(listed["expected_key"] == kKeyA);
    CHECK(listed["verification"] == "failed: key not the expected one");
  }
  SECTION("a verifier that says ok to the wrong key is overruled") {
    CollectorApiConfig config{{kAdmin}, {}, [] { return kT0; }};
    config.verify_dump = [](std::string_view, const std::string&) {
      return Result<DumpCheck>(DumpCheck{true, kKeyB, 2, {}});
    };
    CollectorApi lenient(*c.store, config);
    const uint64_t id = c.requested("web-01");
    wire::DumpUpload u;
    u.set_id(id);
    u.set_dump_zstd(zstd_compress(dump_file(kKeyB, 2)));
    ApiResponse r = lenient.handle({"POST", "/v1/dumps", "web-01", "", "", u.SerializeAsString()});
    REQUIRE(r.status == 200);
    CHECK(c.listed(id)["verification"] ==
          "failed: signed by key " + kKeyB + ", the host registered " + kKeyA);
  }
  SECTION("the host registered no key: checked for consistency only, and said so") {
    c.batch("web-01", "");
    const uint64_t id = c.requested("web-01");
    c.uploaded("web-01", id, dump_file(kKeyB, 2));
    REQUIRE(c.calls.size() == 1);
    CHECK(c.calls[0].expected_key.empty());
    CHECK(c.listed(id)["verification"] == "verified (key not registered)");
  }
  SECTION("no verifier: kept as unverified") {
    c.with_verifier = false;
    c.reopen();
    const uint64_t id = c.requested("web-01");
    CHECK(c.uploaded("web-01", id, dump_file(kKeyA, 2))["state"] == "delivered");
    CHECK_THAT(c.listed(id)["verification"].get<std::string>(),
               Catch::StartsWith("failed: not verified"));
  }
}

TEST_CASE("remote dump: a compression bomb is refused (413) and the request marked failed",
          "[collector][dump-remote]") {
  Collector c(true, 1 << 20);
  c.batch("web-01");
  const uint64_t id = c.requested("web-01");
  ApiResponse r = c.upload("web-01", id, std::string(4 << 20, '\0'));
  CHECK(r.status == 413);
  CHECK_THAT(r.body, Catch::Contains("expands past 1048576 bytes"));
  CHECK(c.calls.empty());
  json listed = c.listed(id);
  CHECK(listed["state"] == "failed");
  CHECK_THAT(listed["error"].get<std::string>(), Catch::Contains("expands past"));

  // Not a zstd frame: 400, and failed too.
  const uint64_t garbled = c.requested("web-01");
  wire::DumpUpload u;
  u.set_id(garbled);
  u.set_dump_zstd("not zstd at all");
  CHECK(c.handle("POST", "/v1/dumps", "web-01", u.SerializeAsString()).status == 400);
  CHECK(c.listed(garbled)["state"] == "failed");
}

TEST_CASE("remote dump: only administrators request, list and fetch", "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  const uint64_t id = c.requested("web-01");
  c.uploaded("web-01", id, dump_file(kKeyA, 1));

  ApiResponse asked =
      c.request({{"sensor", "web-01"}, {"scope", json::object()}, {"reason", "curious"}}, "web-01");
  CHECK(asked.status == 403);
  CHECK(c.handle("GET", "/v1/admin/dumps", "web-01").status == 403);
  CHECK(c.fetch(id, "web-01").status == 403);
  CHECK(c.list().size() == 1);  // the refused request was not added
}

TEST_CASE("remote dump: malformed requests and uploads are refused", "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  auto status = [&](const std::string& body) {
    return c.handle("POST", "/v1/admin/dumps", kAdmin, body).status;
  };
  const json good = {{"sensor", "web-01"}, {"scope", json::object()}, {"reason", "INC-42"}};
  CHECK(status("not json") == 400);
  CHECK(status("[]") == 400);
  json j = good;
  j["scope"] = "process=4242";
  CHECK(status(j.dump()) == 400);
  j = good;
  j.erase("scope");
  CHECK(status(j.dump()) == 400);
  j = good;
  j["reason"] = "";
  CHECK(status(j.dump()) == 400);
  j = good;
  j["sensor"] = 1;
  CHECK(status(j.dump()) == 400);
  j = good;
  j["scop"] = json::object();
  CHECK(status(j.dump()) == 400);
  j = good;
  j["sensor"] = "web-99";  // never sent a batch
  CHECK(status(j.dump()) == 404);
  j = good;
  j["reason"] = std::string(70000, 'x');
  CHECK(status(j.dump()) == 413);
  CHECK(c.list().empty());
  CHECK(status(good.dump()) == 201);
  CHECK(c.handle("PUT", "/v1/admin/dumps", kAdmin).status == 405);

  const uint64_t id = c.list()[0]["id"];
  CHECK(c.handle("POST", "/v1/dumps", "web-01", "\xff\xff\xff").status == 400);
  CHECK(c.handle("GET", "/v1/dumps", "web-01").status == 405);
  wire::DumpUpload both;
  both.set_id(id);
  both.set_dump_zstd(zstd_compress(dump_file(kKeyA, 1)));
  both.set_error("and an error");
  CHECK(c.handle("POST", "/v1/dumps", "web-01", both.SerializeAsString()).status == 400);
  CHECK(c.handle("POST", "/v1/dumps", "web-01", wire::DumpUpload().SerializeAsString()).status ==
        400);  // id 0
  wire::DumpUpload neither;
  neither.set_id(id);
  CHECK(c.handle("POST", "/v1/dumps", "web-01", neither.SerializeAsString()).status == 400);
  CHECK(c.handle("POST", "/v1/dumps", "web-01", both.SerializeAsString(), "zstd").status == 415);
  CHECK(c.listed(id)["state"] == "pending");

  ApiResponse pending = c.fetch(id);
  CHECK(pending.status == 409);
  CHECK_THAT(pending.body, Catch::Contains("not delivered yet"));
  CHECK(c.fetch(id + 1).status == 404);
  CHECK(c.handle("GET", "/v1/admin/dumps/abc", kAdmin).status == 400);
  CHECK(c.handle("POST", "/v1/admin/dumps/1", kAdmin).status == 405);
  CHECK(c.handle("GET", "/v1/admin/dumps?sensor=web-99", kAdmin).status == 404);
  CHECK(c.handle("GET", "/v1/admin/dumps?host=web-01", kAdmin).status == 400);
}

TEST_CASE("remote dump: listing filters by sensor and by words of the reason",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01");
  c.batch("web-02");
  const uint64_t a = c.requested("web-01", "INC-42 curl to a C2");
  const uint64_t b = c.requested("web-02", "INC-42 lateral movement");
  const uint64_t d = c.requested("web-02", "INC-43 cryptominer");
  auto ids = [&](const std::string& query) {
    std::vector<uint64_t> out;
    for (const json& j : c.list(query)) out.push_back(j["id"]);
    return out;
  };
  CHECK(ids("") == std::vector<uint64_t>{d, b, a});  // newest first
  CHECK(ids("?sensor=web-02") == std::vector<uint64_t>{d, b});
  CHECK(ids("?reason=INC-42") == std::vector<uint64_t>{b, a});
  CHECK(ids("?sensor=web-02&reason=INC-42") == std::vector<uint64_t>{b});
  CHECK(ids("?reason=INC-44").empty());
}

TEST_CASE("remote dump: requests, dumps and host keys survive reopening the store",
          "[collector][dump-remote]") {
  Collector c;
  c.batch("web-01", kKeyA);
  const uint64_t delivered = c.requested("web-01");
  const uint64_t pending = c.requested("web-01");
  const std::string dump = dump_file(kKeyA, 4, "tampered\n");
  c.uploaded("web-01", delivered, dump);
  const json before = c.list();

  c.reopen();
  CHECK(c.list() == before);
  CHECK(c.fetch(delivered).body == dump);
  CHECK(request_ids(c.batch("web-01", kKeyA)) == std::vector<uint64_t>{pending});
  auto host = c.store->host("web-01");
  REQUIRE(host);
  REQUIRE(*host);
  CHECK((*host)->host.dump_key == kKeyA);
  CHECK(c.requested("web-01") > pending);  // ids are never reused
}

TEST_CASE("remote dump: a version 1 database is upgraded in place", "[collector][dump-remote]") {
  TempDir dir;
  const std::string path = dir.path + "/collector.db";
  {
    auto store = SqliteStore::open(path);
    REQUIRE(store);
    IncomingBatch b;
    b.sensor_id = "web-01";
    b.sequence = 1;
    b.host.hostname = "web-01";
    REQUIRE((*store)->store_batch(b));
  }
  {
    // What version 1 had: no dump tables, no host key.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    int rc = sqlite3_exec(db,
                          "DROP TABLE dumps; DROP TABLE dump_files; "
                          "ALTER TABLE hosts DROP COLUMN dump_key; PRAGMA user_version = 1",
                          nullptr, nullptr, nullptr);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
  }
  auto store = SqliteStore::open(path);
  REQUIRE(store);
  auto host = (*store)->host("web-01");
  REQUIRE(host);
  REQUIRE(*host);
  CHECK((*host)->host.dump_key.empty());
  DumpRecord request;
  request.sensor_id = "web-01";
  request.scope_json = "{}";
  request.reason = "INC-42";
  auto id = (*store)->add_dump_request(request);
  REQUIRE(id);
  auto pending = (*store)->pending_dump_requests("web-01", 8);
  REQUIRE(pending);
  REQUIRE(pending->size() == 1);
  CHECK(pending->front().id == *id);
}

// yaguractl's side: the commands as main() would run them, against the
// collector's API behind its TLS server, as the admin certificate "csirt".
TEST_CASE("remote dump: yaguractl requests, lists and fetches over TLS",
          "[collector][dump-remote]") {
  Collector c;
  CollectorApi admin_api(*c.store, CollectorApiConfig{{"csirt"}, {}, [] { return kT0; }});
  const std::string& pki = testing::our_pki();
  HttpsServerOptions o{.port = 0,
                       .tls = {pki + "/collector.pem", pki + "/collector.key", pki + "/ca.pem"},
                       .threads = 1};
  auto server = HttpsServer::start(o, admin_api);
  REQUIRE(server);
  const std::vector<std::string> connection = {
      "--collector", "https://127.0.0.1:" + std::to_string((*server)->port()),
      "--ca",        pki + "/ca.pem",
      "--cert",      pki + "/admin-csirt.pem",
      "--key",       pki + "/admin-csirt.key"};
  auto run = [&](const ctl::CommandSpec& spec, std::vector<std::string> args) {
    args.insert(args.end(), connection.begin(), connection.end());
    auto parsed = spec.parse(args);
    INFO(spec.words);
    REQUIRE(parsed);
    return spec.run(*parsed);
  };
  const ctl::CommandSpec request{
      "dump request",
      "",
      "",
      ctl::with_connection_options(
          ctl::with_scope_options({ctl::required_value("sensor"), ctl::required_value("reason")})),
      0,
      0,
      ctl::dump_request};
  const ctl::CommandSpec list{
      "dump list",
      "",
      "",
      ctl::with_connection_options({ctl::optional_value("sensor"), ctl::optional_value("reason")}),
      0,
      0,
      ctl::dump_list};
  const ctl::CommandSpec fetch{
      "dump fetch",
      "",
      "",
      ctl::with_connection_options({ctl::required_value("out"), ctl::flag("force")}),
      1,
      1,
      ctl::dump_fetch};

  c.batch("web-01");
  REQUIRE(run(request, {"--sensor", "web-01", "--process", "4242:990000000000", "--descendants",
                        "--from", "2026-11-22T06:00:00Z", "--reason", "INC-42 curl"}) ==
          ctl::kExitOk);
  // A scope the sensor would refuse is refused before it is sent.
  CHECK(run(request, {"--sensor", "web-01", "--process", "4242:990000000000", "--descendants",
                      "--lineage", "--reason", "INC-42"}) == ctl::kExitRefused);
  CHECK(run(request, {"--sensor", "web-01", "--pid", "x", "--reason", "INC-42"}) ==
        ctl::kExitRefused);
  CHECK(run(request, {"--sensor", "web-99", "--reason", "INC-42"}) == ctl::kExitRefused);  // 404

  wire::Ack ack = c.batch("web-01");
  REQUIRE(ack.dump_requests_size() == 1);
  const uint64_t id = ack.dump_requests(0).id();
  CHECK(json::parse(ack.dump_requests(0).scope_json()) ==
        json{{"from", "2026-11-22T06:00:00.000000000Z"},
             {"process", "4242:990000000000"},
             {"mode", "descendants"}});
  CHECK(ack.dump_requests(0).requested_by() == "csirt");
  CHECK(run(list, {"--sensor", "web-01"}) == ctl::kExitOk);

  const std::string out = c.dir.path + "/inc-42.dump";
  CHECK(run(fetch, {std::to_string(id), "--out", out}) == ctl::kExitRefused);  // pending: 409
  CHECK_FALSE(read_file(out));

  const std::string dump = dump_file(kKeyA, 2);
  c.uploaded("web-01", id, dump);
  REQUIRE(run(fetch, {std::to_string(id), "--out", out}) == ctl::kExitOk);
  CHECK(*read_file(out) == dump);
  struct stat st {};
  REQUIRE(::stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  // An existing file is kept unless --force.
  c.dir.write("inc-42.dump", "earlier evidence");
  CHECK(run(fetch, {std::to_string(id), "--out", out}) == ctl::kExitRefused);
  CHECK(*read_file(out) == "earlier evidence");
  CHECK(run(fetch, {std::to_string(id), "--out", out, "--force"}) == ctl::kExitOk);
  CHECK(*read_file(out) == dump);
  (*server)->stop();
}

}  // namespace
}  // namespace yagura::collector
