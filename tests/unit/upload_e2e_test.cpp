// The uploader against a real collector on loopback (in-process: TLS server,
// API, SQLite store), with real certificates: delivery in order, outages,
// restarts, refused identities and hostile batches. The root tests do the
// same with the real sensor and collector binaries.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "collector/api/collector_api.h"
#include "collector/server/https_server.h"
#include "collector/store/sqlite_store.h"
#include "temp_dir.h"
#include "test_pki.h"
#include "uploader/uploader.h"
#include "wire/zstd_frame.h"

namespace yagura {
namespace {

using namespace std::chrono_literals;
using collector::CollectorApi;
using collector::HttpsServer;
using collector::SqliteStore;
using testing::foreign_pki;
using testing::our_pki;
using testing::TempDir;
using Json = nlohmann::json;
namespace pb = wire::v1;

constexpr size_t kMaxDecompressed = 1u << 20;

// A collector that can be stopped and started again on the same port and
// database, as an outage would.
class LocalCollector {
 public:
  LocalCollector() { start(); }
  ~LocalCollector() { stop(); }

  void start() {
    auto store = SqliteStore::open(dir_.path + "/collector.db");
    REQUIRE(store);
    store_ = std::move(*store);
    collector::CollectorApiConfig config;
    config.admins = {"csirt"};
    config.limits.max_decompressed_bytes = kMaxDecompressed;
    api_ = std::make_unique<CollectorApi>(*store_, config);
    collector::HttpsServerOptions o;
    o.port = port_;
    o.tls = {our_pki() + "/collector.pem", our_pki() + "/collector.key", our_pki() + "/ca.pem"};
    o.threads = 2;
    auto server = HttpsServer::start(o, *api_);
    REQUIRE(server);
    server_ = std::move(*server);
    port_ = server_->port();
  }

  void stop() {
    if (server_) server_->stop();
    server_.reset();
    api_.reset();
    store_.reset();
  }

  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  HttpsClientOptions client(const std::string& pki, const std::string& name) const {
    return {.base_url = url(),
            .ca_file = our_pki() + "/ca.pem",
            .cert_file = pki + "/" + name + ".pem",
            .key_file = pki + "/" + name + ".key"};
  }

  HttpResponse admin_get(const std::string& path) const {
    auto c = HttpsClient::create(client(our_pki(), "admin-csirt"));
    REQUIRE(c);
    auto r = (*c)->get(path);
    REQUIRE(r);
    return *r;
  }

  // pid -> how many stored events carry it.
  std::map<int, int> stored_pids(const std::string& sensor) const {
    auto r = admin_get("/v1/admin/events?sensor=" + sensor + "&from=0&to=9223372036854775807");
    INFO(r.body);
    REQUIRE(r.status == 200);
    std::map<int, int> pids;
    std::istringstream in(r.body);
    for (std::string line; std::getline(in, line);)
      ++pids[Json::parse(line)["process"]["pid"].get<int>()];
    return pids;
  }

  Json gaps(const std::string& sensor) const {
    auto r = admin_get("/v1/admin/gaps?sensor=" + sensor);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return Json::parse(r.body)["sensors"].at(0);
  }

  Json hosts() const {
    auto r = admin_get("/v1/admin/hosts");
    REQUIRE(r.status == 200);
    return Json::parse(r.body)["hosts"];
  }

 private:
  TempDir dir_;
  uint16_t port_ = 0;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<CollectorApi> api_;
  std::unique_ptr<HttpsServer> server_;
};

pb::Event exec_event(int pid) {
  Json j = {{"type", "exec"},
            {"time", "2026-11-22T06:00:00.000000000Z"},
            {"process", {{"key", std::to_string(pid) + ":1000"}, {"pid", pid}, {"exe", "/bin/true"}}}};
  pb::Event e;
  e.set_json(j.dump());
  e.set_type("exec");
  e.set_time_ns(1'795'000'000'000'000'000ull + static_cast<uint64_t>(pid));
  e.set_priority(pb::PRIORITY_PROCESS);
  return e;
}

UploaderOptions uploader_options(const LocalCollector& c, const TempDir& state,
                                 const std::string& sensor = "s1",
                                 const std::string& pki = our_pki()) {
  UploaderOptions o;
  o.sensor_id = sensor;
  o.host = HostIdentity{"host-" + sensor, "boot-1", "6.18", {{"team", "a"}}};
  o.event_schema = 2;
  o.batch = {.max_events = 10, .max_bytes = 1u << 20, .max_age_ns = 1'000'000};
  o.heartbeat_ns = 3600'000'000'000ull;
  o.spool = {.dir = state.path + "/spool", .max_bytes = 64u << 20, .segment_bytes = 64u << 10};
  o.sequence_path = state.path + "/sequence";
  o.http = c.client(pki, "sensor-s1");
  o.retry_initial = 20ms;
  o.retry_max = 200ms;
  o.stop_grace = 500ms;
  return o;
}

// Adds events first..last (as pids) in batches of ten.
void add_events(Uploader& up, int first, int last) {
  for (int pid = first; pid <= last; ++pid) up.add(exec_event(pid), false, 0);
  up.tick(1'000'000'000);
}

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 200; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

bool delivered(const Uploader& up) {
  const UploaderStats s = up.stats();
  return s.spool.pending_records == 0 && s.batches_acked >= s.batches_sealed;
}

// An uploader that ignores policy offers.
std::unique_ptr<Uploader> start_uploader(const LocalCollector& c, const TempDir& state) {
  auto up = Uploader::start(uploader_options(c, state), [](pb::PolicyDocument) {});
  INFO((up ? "" : up.error().message));
  REQUIRE(up);
  return std::move(*up);
}

void check_no_gaps(const LocalCollector& c) {
  const Json gaps = c.gaps("s1");
  CHECK(gaps["missing"].empty());
  CHECK(gaps["reported"].empty());
}

void check_each_once(const LocalCollector& c, int first, int last) {
  const auto pids = c.stored_pids("s1");
  CHECK(pids.size() == static_cast<size_t>(last - first + 1));
  for (int pid = first; pid <= last; ++pid) {
    INFO("pid " << pid);
    CHECK(pids.count(pid) == 1);
    if (pids.count(pid)) CHECK(pids.at(pid) == 1);
  }
}

}  // namespace

TEST_CASE("batches reach the collector over mTLS and leave the spool once stored", "[upload_e2e]") {
  LocalCollector collector;
  TempDir state;
  auto up = start_uploader(collector, state);
  add_events(*up, 1, 95);
  REQUIRE(eventually([&] { return delivered(*up); }));
  const UploaderStats s = up->stats();
  CHECK(s.batches_sealed == 10);
  CHECK(s.events_acked == 95);
  CHECK(s.send_errors == 0);
  check_each_once(collector, 1, 95);
  check_no_gaps(collector);
  const Json hosts = collector.hosts();
  REQUIRE(hosts.size() == 1);
  CHECK(hosts[0]["hostname"] == "host-s1");
  CHECK(hosts[0]["tags"]["team"] == "a");
  CHECK(hosts[0]["last_sequence"] == 10);
}

TEST_CASE("a collector outage and a sensor restart lose nothing and store nothing twice",
          "[upload_e2e]") {
  LocalCollector collector;
  TempDir state;
  {
    auto up = start_uploader(collector, state);
    add_events(*up, 1, 50);
    REQUIRE(eventually([&] { return delivered(*up); }));

    collector.stop();
    add_events(*up, 51, 200);
    REQUIRE(eventually([&] { return up->stats().send_errors > 0; }));
    CHECK(up->stats().spool.pending_records == 15);
    // The sensor stops while the collector is away: its batches stay spooled.
    up->stop();
    CHECK(up->stats().spool.pending_records == 15);
  }
  collector.start();
  auto up = start_uploader(collector, state);
  add_events(*up, 201, 230);  // numbered after the spooled batches, never reusing one
  REQUIRE(eventually([&] { return delivered(*up); }));
  check_each_once(collector, 1, 230);
  check_no_gaps(collector);
  CHECK(collector.hosts()[0]["last_sequence"] == 23);
}

TEST_CASE("a sensor whose state directory was wiped numbers its batches above the collector's, "
          "losing none",
          "[upload_e2e]") {
  LocalCollector collector;
  {
    TempDir state;
    auto up = start_uploader(collector, state);
    add_events(*up, 1, 50);
    REQUIRE(eventually([&] { return delivered(*up); }));
    up->stop();
  }
  TempDir wiped;  // numbers start at 1 again
  auto up = start_uploader(collector, wiped);
  add_events(*up, 51, 80);
  REQUIRE(eventually([&] { return delivered(*up); }));
  const UploaderStats s = up->stats();
  CHECK(s.renumbered == 3);
  CHECK(s.duplicates == 0);
  CHECK(s.seal_errors == 0);
  check_each_once(collector, 1, 80);
  CHECK(collector.hosts()[0]["last_sequence"] == 8);
  check_no_gaps(collector);
}

TEST_CASE("a sensor whose certificate another CA signed is refused, its data stays spooled",
          "[upload_e2e]") {
  LocalCollector collector;
  TempDir state;
  auto up = Uploader::start(uploader_options(collector, state, "s1", foreign_pki()),
                            [](pb::PolicyDocument) {});
  REQUIRE(up);
  add_events(**up, 1, 20);
  REQUIRE(eventually([&] { return (*up)->stats().send_errors >= 2; }));
  CHECK((*up)->stats().batches_acked == 0);
  CHECK((*up)->stats().spool.pending_records == 2);
  CHECK(collector.hosts().empty());
}

TEST_CASE("a batch claiming another sensor's identity is refused, its data stays spooled",
          "[upload_e2e]") {
  LocalCollector collector;
  TempDir state;
  // Certificate s1, batches saying s2.
  auto up = Uploader::start(uploader_options(collector, state, "s2"), [](pb::PolicyDocument) {});
  REQUIRE(up);
  add_events(**up, 1, 10);
  REQUIRE(eventually([&] { return (*up)->stats().refused >= 2; }));
  const UploaderStats s = (*up)->stats();
  CHECK(s.last_status == 403);
  CHECK(s.batches_acked == 0);
  CHECK(s.spool.pending_records == 1);
  CHECK(collector.hosts().empty());
}

TEST_CASE("corrupted, truncated, undecodable and over-expanding batches are refused without harm",
          "[upload_e2e]") {
  LocalCollector collector;
  auto client = HttpsClient::create(collector.client(our_pki(), "sensor-s1"));
  REQUIRE(client);
  auto post = [&](const std::string& body) {
    auto r = (*client)->post("/v1/batches", body, "application/x-protobuf", "zstd");
    REQUIRE(r);
    return *r;
  };
  pb::Batch batch;
  batch.set_protocol_version(1);
  batch.set_sensor_id("s1");
  batch.mutable_host()->set_hostname("host-s1");
  batch.mutable_host()->set_boot_id("boot-1");
  batch.set_sequence(1);
  batch.set_event_schema(2);
  *batch.add_events() = exec_event(7);
  const std::string good = zstd_compress(batch.SerializeAsString());

  std::string corrupted = good;
  corrupted[corrupted.size() / 2] ^= 0x40;
  CHECK(post(corrupted).status == 400);
  CHECK(post(good.substr(0, good.size() - 5)).status == 400);
  CHECK(post(zstd_compress("this is not a protobuf batch")).status == 400);
  // 8 MiB of one event's JSON padding: a few KiB on the wire.
  pb::Batch bomb = batch;
  bomb.mutable_events(0)->set_json(std::string(8u << 20, ' ') + bomb.events(0).json());
  const std::string bomb_frame = zstd_compress(bomb.SerializeAsString());
  REQUIRE(bomb_frame.size() < 64u << 10);
  const HttpResponse too_big = post(bomb_frame);
  CHECK(too_big.status == 413);
  CHECK(collector.hosts().empty());

  // The collector is unharmed and takes the real batch.
  const HttpResponse ok = post(good);
  REQUIRE(ok.status == 200);
  pb::Ack ack;
  REQUIRE(ack.ParseFromString(ok.body));
  CHECK(ack.sequence() == 1);
  CHECK_FALSE(ack.duplicate());
  check_each_once(collector, 7, 7);
}

}  // namespace yagura
