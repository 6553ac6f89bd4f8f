// upload_throughput: what shipping events to the collector costs, in
// process, on loopback, without root or BPF.
//
// 1. Bytes per event. The realistic mix (event_mix.h) goes through the
//    processing path and the built-in default policy, as on a sensor without
//    a policy file; every kept event is rendered by JsonWriter and wrapped as
//    EventOutput does, grouped by BatchBuilder (one batch per priority lane)
//    into batches of at most 100, 500 and 2000 events, and sealed as
//    Uploader::seal() does: stamps, health counters, protobuf, zstd level 3.
//    Reported per event: JSON, protobuf and compressed bytes, and the
//    sensor's CPU for each step. A relay then counts the TCP payload of real
//    uploads (TLS, HTTP headers, acks) on top of the bodies.
// 2. Collector ingest. Pre-built compressed batches of 500 events go to an
//    in-process collector (SqliteStore, CollectorApi, HttpsServer with a
//    dev PKI) through HttpsClient, from 1 and from 2 sensors at once, each
//    with its own certificate; and straight to CollectorApi::handle, with
//    SQLite and with a store that keeps nothing, which separates transport,
//    decoding and storage. Reported: batches, events and MB per second, CPU
//    per batch (all threads), latency per request, and the decode steps
//    timed apart. SQLite commits with synchronous=FULL: one fsync of the WAL
//    per batch; durable appends on the same disk are timed before and after.
//
//   upload_throughput [--events N] [--batches N] [--reps R] [--pki DIR]
//                     [--work DIR] [--json OUT] [--seed S] [--smoke]
//
// Without --pki, a PKI is made in the work directory by scripts/dev-pki.sh.
// Each ingest run gets a fresh database; configurations rotate within each
// repetition, as in policy_throughput. A benchmark, not a test: nothing about
// time is asserted. It fails when a batch is not acknowledged or not stored.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_report.h"
#include "bench/event_mix.h"
#include "collector/api/collector_api.h"
#include "collector/ingest/event_index.h"
#include "collector/server/https_server.h"
#include "collector/store/sqlite_store.h"
#include "common/sha256.h"
#include "common/unique_fd.h"
#include "policy/default_policy.h"
#include "policy/policy_compiler.h"
#include "sensor/daemon/health.h"
#include "sensor/judge/policy_judge.h"
#include "sensor/output/event_output.h"
#include "sensor/output/json_writer.h"
#include "sensor/pipeline/event_processor.h"
#include "uploader/batch_builder.h"
#include "uploader/health_counters.h"
#include "uploader/transport/https_client.h"
#include "wire/zstd_frame.h"

namespace yagura::bench {
namespace {

namespace pb = wire::v1;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::ordered_json;

constexpr uint32_t kIngestBatchEvents = 500;
constexpr uint32_t kSensors = 2;  // identities bench1, bench2
constexpr int kZstdLevel = 3;     // UploaderOptions::zstd_level

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of every thread of the process: sensor threads and collector
// threads alike, as they share it here.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

[[noreturn]] void fail(const std::string& message) {
  std::cerr << "upload_throughput: " << message << "\n";
  std::exit(1);
}

struct Spread {
  double median = 0, min = 0, max = 0;
};

Spread spread(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v.front(), v.back()};
}

Json to_json(const Spread& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

// ---- Options ----

struct Options {
  size_t events = 100'000;  // kernel records of the mix
  size_t batches = 120;     // ingest batches per run
  size_t reps = 3;
  std::string pki;
  std::string work;
  std::string json_path;
  uint32_t seed = 1;
};

constexpr char kUsage[] =
    "usage: upload_throughput [--events N] [--batches N] [--reps R] [--pki DIR] [--work DIR]\n"
    "                         [--json OUT] [--seed S] [--smoke]\n";

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "upload_throughput: " << error << "\n" << kUsage;
  std::exit(2);
}

size_t positive(const char* text, const std::string& flag) {
  auto v = positive_number(text);
  if (!v) usage(flag + " needs a positive integer, not '" + text + "'");
  return *v;
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (flag == "--smoke") {  // seconds, not minutes: it runs, it stores, it writes
      o.events = 5000;
      o.batches = 4;
      o.reps = 1;
      continue;
    }
    if (i + 1 >= argc) usage(flag + " needs a value");
    const char* value = argv[++i];
    if (flag == "--events")
      o.events = positive(value, flag);
    else if (flag == "--batches")
      o.batches = positive(value, flag);
    else if (flag == "--reps")
      o.reps = positive(value, flag);
    else if (flag == "--pki")
      o.pki = value;
    else if (flag == "--work")
      o.work = value;
    else if (flag == "--json")
      o.json_path = value;
    else if (flag == "--seed")
      o.seed = static_cast<uint32_t>(positive(value, flag));
    else
      usage("unknown option " + flag);
  }
  if (o.batches % kSensors) ++o.batches;  // split evenly between two sensors
  return o;
}

// ---- The sensor's side: events as it uploads them ----

const HostIdentity kHost{"web-07.par1.corp.example",
                         "5f1c3a52-6c1e-4d0e-9d3b-7f2a1b9c0d11",
                         "6.1.0-18-amd64",
                         {{"team", "payments"}, {"env", "prod"}, {"site", "par1"}}};
// Boot time 0 is 2026-11-18T...Z: timestamps have today's width.
const WallClock kClock(1'795'000'000'000'000'000);

// What EventGate does with each event (a copy, judged), keeping those the
// policy keeps.
class KeptEvents final : public EventSink {
 public:
  explicit KeptEvents(EventJudge& judge) : judge_(judge) {}
  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }
  void write(const Event& event) override {
    Event e = event;
    // The sensor hashes every executable; the mix's files do not exist, so
    // each path stands for its content: one hash per distinct executable,
    // as on a real host.
    if (auto* exec = std::get_if<ExecEvent>(&e.body))
      e.enrichment.exe_sha256 = sha256_hex(exec->exe_path.value);
    ++judged;
    if (judge_.judge(e, now_ns_)) kept.push_back(std::move(e));
  }
  uint64_t judged = 0;
  std::vector<Event> kept;

 private:
  EventJudge& judge_;
  uint64_t now_ns_ = 0;
};

struct Uploads {
  uint64_t records = 0;
  double span_s = 0;  // of host activity the records stand for
  uint64_t judged = 0;
  std::vector<pb::Event> events;  // as EventOutput hands them to the uploader
  std::map<std::string, uint64_t> by_type;
  uint64_t alerted = 0;
  double render_ns_per_event = 0;  // JsonWriter, median over repetitions
  std::string health_line;         // what set_health() would flatten
  pb::PolicyRef policy;
};

Uploads make_uploads(const Options& o) {
  auto compiled = policy::compile_policy(policy::default_policy_text(),
                                         std::string(policy::kDefaultPolicyOrigin));
  if (!compiled) fail(compiled.error().message);
  PolicyJudge judge(kHost,
                    policy::LoadedPolicy{*compiled, std::string(policy::kDefaultPolicyOrigin), ""});
  const EventMix mix = make_event_mix(o.events, o.seed);
  RecordDecoder decoder;
  ProcessTable table;
  UserNames names;
  KeptEvents sink(judge);
  EventProcessor proc(decoder, table, names, nullptr, sink);
  for (size_t i = 0; i < mix.size(); ++i) {
    sink.set_now(mix.ktime_ns[i]);
    proc.on_record(mix.record(i), mix.ktime_ns[i]);
    if ((i & 1023) == 1023) proc.tick(mix.ktime_ns[i]);
  }
  proc.flush();
  if (proc.stats().decode_errors) fail("the workload does not decode: " + proc.last_decode_error());

  Uploads u;
  u.records = mix.size();
  u.span_s = static_cast<double>(mix.ktime_ns.back() - mix.ktime_ns.front()) * 1e-9;
  u.judged = sink.judged;
  // EventOutput::write up to Uploader::add, in the steady state: one reused
  // line, copied into a new wire event; events are freed a batch at a time,
  // as sealing does, so the allocator recycles their memory.
  const JsonWriter writer(kHost, kClock);
  std::string line;
  const auto wire_event = [&](const Event& e) {
    line.clear();
    writer.append(e, line);
    pb::Event w;
    w.set_json(line);
    w.set_type(event_type_name(e.body));
    w.set_time_ns(kClock.to_wall_ns(e.ktime_ns));
    w.set_priority(upload_priority(e));
    return w;
  };
  std::vector<double> render_ns;
  for (size_t rep = 0; rep < o.reps; ++rep) {
    std::vector<pb::Event> batch;
    const auto start = Clock::now();
    for (const Event& e : sink.kept) {
      batch.push_back(wire_event(e));
      if (batch.size() == kIngestBatchEvents) batch.clear();
    }
    render_ns.push_back(seconds_since(start) * 1e9 / std::max<size_t>(1, sink.kept.size()));
  }
  u.render_ns_per_event = spread(render_ns).median;
  for (const Event& e : sink.kept) {
    u.events.push_back(wire_event(e));
    ++u.by_type[u.events.back().type()];
    u.alerted += e.verdict.alerts.empty() ? 0 : 1;
  }

  HealthSnapshot h;
  h.ktime_ns = mix.ktime_ns.back();
  h.started_ktime_ns = mix.ktime_ns.front();
  h.decoder = decoder.stats();
  h.processor = proc.stats();
  h.table = table.stats();
  h.judge = &judge;
  h.upload = UploaderStats{};
  u.health_line = health_json(kHost, kClock, h);
  const auto& p = judge.active();
  u.policy.set_name(p.name());
  u.policy.set_version(p.version());
  u.policy.set_sha256(p.sha256());
  return u;
}

// What Uploader::seal() stamps on a closed batch, spool aside.
struct Stamp {
  std::string sensor_id;
  pb::Host host;
  pb::PolicyRef policy;
  std::map<std::string, int64_t> health;  // the health line, flattened
};

Stamp make_stamp(const Uploads& u, const std::string& sensor_id) {
  Stamp s{sensor_id, {}, u.policy, flatten_health(u.health_line)};
  s.host.set_hostname(kHost.hostname);
  s.host.set_boot_id(kHost.boot_id);
  s.host.set_kernel(kHost.kernel_release);
  for (const auto& [k, v] : kHost.tags) (*s.host.mutable_tags())[k] = v;
  return s;
}

void seal(pb::Batch& b, uint64_t sequence, const Stamp& s) {
  b.set_protocol_version(1);
  b.set_sensor_id(s.sensor_id);
  *b.mutable_host() = s.host;
  b.set_created_ns(kClock.to_wall_ns(0) + sequence * 1'000'000'000);
  b.set_event_schema(kJsonSchemaVersion);
  *b.mutable_policy() = s.policy;
  auto& h = *b.mutable_health();
  for (const auto& [k, v] : s.health) h[k] = v;
  for (const char* k : {"spool.bytes", "spool.pending_records", "spool.evicted_records",
                        "spool.evicted_events", "spool.corrupt_records", "uploader.seal_errors",
                        "uploader.rejected_batches", "uploader.send_errors"})
    h[k] = 0;
  h["uploader.batches_sealed"] = static_cast<int64_t>(sequence - 1);
  b.set_sequence(sequence);
}

// Closed batches as the uploader's BatchBuilder makes them from the event
// stream: by count, size (1 MiB of JSON) or age (2 s; alerts 250 ms) in
// the events' own time, the open ones closed at the end.
std::vector<ClosedBatch> build_batches(const std::vector<pb::Event>& events, uint32_t max_events) {
  BatchBuilder builder({.max_events = max_events});
  std::vector<ClosedBatch> out;
  for (const pb::Event& e : events) {
    // Alert counts only matter to a full spool, which there is none of here.
    if (auto closed = builder.add(e, false, e.time_ns())) out.push_back(std::move(*closed));
    for (ClosedBatch& c : builder.close_expired(e.time_ns())) out.push_back(std::move(c));
  }
  for (ClosedBatch& c : builder.close_all()) out.push_back(std::move(c));
  return out;
}

Json wire_sizes(const Uploads& u, const Stamp& stamp, uint32_t max_events, size_t reps) {
  const std::vector<ClosedBatch> closed = build_batches(u.events, max_events);
  uint64_t events = 0, json = 0, proto = 0, zstd = 0, largest = 0;
  uint64_t by_count = 0, by_size = 0;  // how batches closed; the rest by age, or at the end
  std::vector<double> serialize_ns, compress_ns;
  for (size_t rep = 0; rep < reps; ++rep) {
    double serialize_s = 0, compress_s = 0;
    uint64_t sequence = 0;
    for (ClosedBatch c : closed) {
      seal(c.batch, ++sequence, stamp);
      auto start = Clock::now();
      const std::string bytes = c.batch.SerializeAsString();
      serialize_s += seconds_since(start);
      start = Clock::now();
      const std::string frame = zstd_compress(bytes, kZstdLevel);
      compress_s += seconds_since(start);
      if (rep) continue;
      events += c.batch.events_size();
      json += c.bytes;
      proto += bytes.size();
      zstd += frame.size();
      largest = std::max<uint64_t>(largest, c.batch.events_size());
      if (static_cast<uint32_t>(c.batch.events_size()) == max_events)
        ++by_count;
      else if (c.bytes >= BatchLimits{}.max_bytes)
        ++by_size;
    }
    serialize_ns.push_back(serialize_s * 1e9 / events);
    compress_ns.push_back(compress_s * 1e9 / events);
  }
  const double n = static_cast<double>(events);
  return {{"max_events", max_events},
          {"batches", closed.size()},
          {"events", events},
          {"events_per_batch", n / closed.size()},
          {"largest_batch", largest},
          {"closed_by_count", by_count},
          {"closed_by_size", by_size},
          {"closed_by_age_or_end", closed.size() - by_count - by_size},
          {"json_bytes_per_event", json / n},
          {"protobuf_bytes_per_event", proto / n},
          {"compressed_bytes_per_event", zstd / n},
          {"compression_ratio_json", static_cast<double>(json) / zstd},
          {"compression_ratio_protobuf", static_cast<double>(proto) / zstd},
          {"serialize_ns_per_event", to_json(spread(serialize_ns))},
          {"compress_ns_per_event", to_json(spread(compress_ns))}};
}

// ---- The collector's side ----

// Pre-built request bodies: sequences 1, 2, ... of each sensor identity.
struct Payloads {
  std::vector<std::string> sensors;  // bench1, bench2
  std::vector<std::vector<std::string>> bodies;
  uint64_t bytes = 0, json_bytes = 0;  // of bench1's bodies, compressed and of event JSON
};

Payloads make_payloads(const Uploads& u, size_t batches) {
  std::vector<ClosedBatch> full = build_batches(u.events, kIngestBatchEvents);
  std::erase_if(full,
                [](const ClosedBatch& c) { return c.batch.events_size() != kIngestBatchEvents; });
  if (full.empty()) fail("too few events for one batch of " + std::to_string(kIngestBatchEvents));
  Payloads p;
  for (uint32_t s = 1; s <= kSensors; ++s) {
    p.sensors.push_back("bench" + std::to_string(s));
    const Stamp stamp = make_stamp(u, p.sensors.back());
    std::vector<std::string>& bodies = p.bodies.emplace_back();
    const size_t n = s == 1 ? batches : batches / kSensors;  // bench2 only in the 2-sensor runs
    for (size_t i = 0; i < n; ++i) {
      ClosedBatch c = full[i % full.size()];  // a long run cycles through the mix
      seal(c.batch, i + 1, stamp);
      bodies.push_back(zstd_compress(c.batch.SerializeAsString(), kZstdLevel));
      if (s == 1) {
        p.bytes += bodies.back().size();
        p.json_bytes += c.bytes;
      }
    }
  }
  return p;
}

// The collector's CPU for one batch before SQLite, step by step as
// BatchIngest::decode takes them, in ms per batch.
Json decode_steps(const Payloads& p, size_t batches, size_t reps) {
  std::vector<double> decompress, parse, index;
  for (size_t rep = 0; rep < reps; ++rep) {
    double d = 0, q = 0, x = 0;
    for (size_t i = 0; i < batches; ++i) {
      auto start = Clock::now();
      auto bytes = zstd_decompress(p.bodies[0][i], 64u << 20);
      d += seconds_since(start);
      if (!bytes) fail(bytes.error().message);
      start = Clock::now();
      pb::Batch b;
      if (!b.ParseFromString(*bytes)) fail("a pre-built batch does not parse");
      q += seconds_since(start);
      start = Clock::now();
      for (const pb::Event& e : b.events())
        if (!collector::index_event(e.json(), e.type(), e.time_ns()))
          fail("an event does not index");
      x += seconds_since(start);
    }
    decompress.push_back(d * 1e3 / batches);
    parse.push_back(q * 1e3 / batches);
    index.push_back(x * 1e3 / batches);
  }
  return {{"batches", batches},
          {"decompress_ms", to_json(spread(decompress))},
          {"parse_ms", to_json(spread(parse))},
          {"index_events_ms", to_json(spread(index))}};
}

// A store that keeps nothing: the API's cost without SQLite.
class NullStore final : public collector::EventStore {
 public:
  Result<collector::StoreOutcome> store_batch(const collector::IncomingBatch&) override {
    return collector::StoreOutcome::kStored;
  }
  Result<bool> has_batch(const std::string&, uint64_t) override { return false; }
  Result<std::vector<collector::HostRecord>> hosts() override {
    return std::vector<collector::HostRecord>{};
  }
  Result<std::optional<collector::HostRecord>> host(const std::string&) override {
    return std::optional<collector::HostRecord>{};
  }
  Result<std::vector<collector::SensorGaps>> gaps(const std::string&) override {
    return std::vector<collector::SensorGaps>{};
  }
  Result<std::vector<collector::StoredEvent>> host_events(
      const collector::EventRangeQuery&) override {
    return std::vector<collector::StoredEvent>{};
  }
  Result<std::vector<collector::StoredEvent>> process_events(
      const collector::ProcessQuery&) override {
    return std::vector<collector::StoredEvent>{};
  }
  Result<std::vector<collector::ChildProcess>> process_children(
      const collector::ProcessQuery&) override {
    return std::vector<collector::ChildProcess>{};
  }
  Result<std::vector<collector::HostActivity>> hosts_with(collector::ActivityKey,
                                                          const std::string&) override {
    return std::vector<collector::HostActivity>{};
  }
  Result<bool> add_policy(const collector::PolicyRecord&) override { return true; }
  Result<std::vector<collector::PolicyRecord>> policies() override {
    return std::vector<collector::PolicyRecord>{};
  }
  Result<std::optional<collector::PolicyRecord>> policy(uint64_t) override {
    return std::optional<collector::PolicyRecord>{};
  }
  Result<uint64_t> add_dump_request(const collector::DumpRecord&) override { return 1; }
  Result<std::vector<collector::DumpRecord>> pending_dump_requests(const std::string&,
                                                                   size_t) override {
    return std::vector<collector::DumpRecord>{};
  }
  Result<std::vector<collector::DumpRecord>> dump_requests(const collector::DumpFilter&) override {
    return std::vector<collector::DumpRecord>{};
  }
  Result<bool> complete_dump(const collector::DumpCompletion&) override { return false; }
  Result<std::optional<std::string>> dump_file(uint64_t) override {
    return std::optional<std::string>{};
  }
};

// Counts the TCP payload an upload puts on the wire each way (TLS records:
// handshake, HTTP headers, bodies, answers), relaying one loopback port to
// another. TCP/IP headers are not counted: they depend on the link's MTU.
class CountingRelay {
 public:
  explicit CountingRelay(uint16_t target_port) : target_port_(target_port) {
    listen_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof(a);
    if (!listen_.valid() || ::bind(listen_.get(), reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::listen(listen_.get(), 8) != 0 ||
        ::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0)
      fail("relay: cannot listen on loopback");
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~CountingRelay() { stop(); }

  uint16_t port() const { return port_; }
  // Once the client is gone: joins, so the counts are final.
  void stop() {
    if (!acceptor_.joinable()) return;
    ::shutdown(listen_.get(), SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    for (std::thread& t : pumps_) t.join();
  }
  uint64_t to_server() const { return to_server_; }
  uint64_t to_client() const { return to_client_; }

 private:
  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  void accept_loop() {
    for (;;) {
      UniqueFd client(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!client.valid()) return;
      UniqueFd server(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
      const sockaddr_in a = loopback(target_port_);
      if (!server.valid() ||
          ::connect(server.get(), reinterpret_cast<const sockaddr*>(&a), sizeof(a)) != 0)
        fail("relay: cannot reach the collector");
      // Both pumps share both sockets: the last one to finish closes them.
      auto c = std::make_shared<UniqueFd>(std::move(client));
      auto s = std::make_shared<UniqueFd>(std::move(server));
      pumps_.emplace_back([c, s, this] { pump(c->get(), s->get(), to_server_); });
      pumps_.emplace_back([c, s, this] { pump(s->get(), c->get(), to_client_); });
    }
  }

  static void pump(int from, int to, std::atomic<uint64_t>& count) {
    char buf[64 << 10];
    for (;;) {
      const ssize_t n = ::read(from, buf, sizeof(buf));
      if (n <= 0) break;
      count += static_cast<uint64_t>(n);
      for (ssize_t done = 0; done < n;) {
        const ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
        if (w <= 0) return;
        done += w;
      }
    }
    ::shutdown(to, SHUT_WR);
  }

  uint16_t target_port_;
  uint16_t port_ = 0;
  UniqueFd listen_;
  std::atomic<uint64_t> to_server_{0}, to_client_{0};
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
};

struct Env {
  std::string pki;
  std::string work;
};

collector::HttpsServerOptions server_options(const Env& env) {
  return {.port = 0,
          .tls = {env.pki + "/collector.pem", env.pki + "/collector.key", env.pki + "/ca.pem"}};
}

HttpsClientOptions client_options(const Env& env, uint16_t port, const std::string& sensor) {
  return {.base_url = "https://127.0.0.1:" + std::to_string(port),
          .ca_file = env.pki + "/ca.pem",
          .cert_file = env.pki + "/sensor-" + sensor + ".pem",
          .key_file = env.pki + "/sensor-" + sensor + ".key"};
}

// Empty when the answer acknowledges exactly this batch as newly stored.
std::string check_answer(long status, const std::string& body, uint64_t sequence) {
  pb::Ack ack;
  if (status != 200) return "answered " + std::to_string(status) + ": " + body;
  if (!ack.ParseFromString(body) || ack.sequence() != sequence || ack.duplicate())
    return "no ack for batch " + std::to_string(sequence);
  return {};
}

struct IngestConfig {
  std::string name;
  bool https = false;
  bool sqlite = false;
  uint32_t sensors = 1;
};

struct IngestRun {
  double seconds = 0;
  double cpu_seconds = 0;  // of all threads, client and collector
  std::vector<double> latency_ms;
  uint64_t db_bytes = 0;  // the database once closed (WAL checkpointed)
};

IngestRun run_ingest(const IngestConfig& c, const Payloads& p, size_t batches, const Env& env) {
  const std::string db = env.work + "/ingest.db";
  std::unique_ptr<collector::EventStore> store;
  if (c.sqlite) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db + suffix);
    auto s = collector::SqliteStore::open(db);
    if (!s) fail(s.error().message);
    store = std::move(*s);
  } else {
    store = std::make_unique<NullStore>();
  }
  collector::CollectorApi api(*store, {.admins = {"csirt"}});
  std::unique_ptr<collector::HttpsServer> server;
  if (c.https) {
    auto s = collector::HttpsServer::start(server_options(env), api);
    if (!s) fail(s.error().message);
    server = std::move(*s);
  }

  const size_t per_sensor = batches / c.sensors;
  std::latch go(c.sensors + 1);
  std::mutex mu;
  std::string error;
  IngestRun run;
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < c.sensors; ++t) {
    threads.emplace_back([&, t] {
      const std::string& sensor = p.sensors[t];
      std::unique_ptr<HttpsClient> client;
      std::vector<double> latency;
      std::string problem;
      if (c.https) {
        auto made = HttpsClient::create(client_options(env, server->port(), sensor));
        if (made)
          client = std::move(*made);
        else
          problem = made.error().message;
      }
      go.arrive_and_wait();
      for (size_t i = 0; i < per_sensor && problem.empty(); ++i) {
        const std::string& body = p.bodies[t][i];
        const auto start = Clock::now();
        if (client) {
          auto r = client->post("/v1/batches", body, "application/x-protobuf", "zstd");
          problem = r ? check_answer(r->status, r->body, i + 1) : r.error().message;
        } else {
          const auto r =
              api.handle({"POST", "/v1/batches", sensor, "application/x-protobuf", "zstd", body});
          problem = check_answer(r.status, r.body, i + 1);
        }
        latency.push_back(seconds_since(start) * 1e3);
      }
      std::lock_guard lock(mu);
      if (!problem.empty()) error = sensor + ": " + problem;
      run.latency_ms.insert(run.latency_ms.end(), latency.begin(), latency.end());
    });
  }
  go.arrive_and_wait();
  const auto start = Clock::now();
  const double cpu_start = process_cpu_seconds();
  for (std::thread& t : threads) t.join();
  run.seconds = seconds_since(start);
  run.cpu_seconds = process_cpu_seconds() - cpu_start;
  if (!error.empty()) fail(c.name + ": " + error);
  if (server) server->stop();
  if (c.sqlite) {  // every batch stored, none twice
    for (uint32_t t = 0; t < c.sensors; ++t) {
      auto h = store->host(p.sensors[t]);
      if (!h || !*h || (*h)->batches != per_sensor || (*h)->last_sequence != per_sensor)
        fail(c.name + ": the store does not hold the " + std::to_string(per_sensor) +
             " batches of " + p.sensors[t]);
    }
    store.reset();
    run.db_bytes = std::filesystem::file_size(db);
  }
  return run;
}

// The TCP payload of `batches` uploads on one kept-alive connection.
Json wire_overhead(const Payloads& p, size_t batches, const Env& env) {
  NullStore store;
  collector::CollectorApi api(store, {});
  auto server = collector::HttpsServer::start(server_options(env), api);
  if (!server) fail(server.error().message);
  CountingRelay relay((*server)->port());
  uint64_t body = 0, first = 0;  // first: the TCP payload until the first answer
  {
    auto client = HttpsClient::create(client_options(env, relay.port(), p.sensors[0]));
    if (!client) fail(client.error().message);
    for (size_t i = 0; i < batches; ++i) {
      auto r = (*client)->post("/v1/batches", p.bodies[0][i], "application/x-protobuf", "zstd");
      const std::string problem = r ? check_answer(r->status, r->body, i + 1) : r.error().message;
      if (!problem.empty()) fail("through the relay: " + problem);
      body += p.bodies[0][i].size();
      if (i == 0) first = relay.to_server() + relay.to_client();
    }
  }
  // The server closes the connection; the relay sees both ends go.
  (*server)->stop();
  relay.stop();
  const double events = static_cast<double>(batches) * kIngestBatchEvents;
  const uint64_t total = relay.to_server() + relay.to_client();
  // Past the first answer every request costs the same framing; what the
  // first one cost beyond that is the connection (TLS handshake, both
  // certificates).
  const double per_request =
      batches > 1
          ? static_cast<double>(total - first - (body - p.bodies[0][0].size())) / (batches - 1)
          : 0;
  return {{"requests", batches},
          {"body_bytes", body},
          {"tcp_bytes_to_collector", relay.to_server()},
          {"tcp_bytes_to_sensor", relay.to_client()},
          {"tcp_bytes_to_collector_per_event", relay.to_server() / events},
          {"tcp_bytes_to_sensor_per_event", relay.to_client() / events},
          {"overhead_bytes_per_request", per_request},
          {"connection_bytes", static_cast<double>(first - p.bodies[0][0].size()) - per_request}};
}

// The floor synchronous=FULL puts under each commit on this disk: an
// append of `bytes` made durable.
std::vector<double> fdatasync_ms(const std::string& dir, size_t bytes, size_t n) {
  const std::string path = dir + "/fsync-probe";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) fail("cannot create " + path);
  const std::string block(bytes, 'x');
  std::vector<double> ms;
  for (size_t i = 0; i < n; ++i) {
    const auto start = Clock::now();
    if (::write(fd.get(), block.data(), block.size()) != static_cast<ssize_t>(block.size()) ||
        ::fdatasync(fd.get()) != 0)
      fail("cannot write " + path);
    ms.push_back(seconds_since(start) * 1e3);
  }
  std::filesystem::remove(path);
  return ms;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
}

Json percentiles(const std::vector<double>& v) {
  return {{"p50", percentile(v, 0.5)}, {"p99", percentile(v, 0.99)}};
}

// Durable appends of 4 KiB and of 1 MiB (about what one batch adds to the
// database), in ms. Taken before and after the ingest runs: a shared disk
// changes under a benchmark.
Json disk_probe(const std::string& dir, size_t n) {
  return {{"fdatasync_4k_ms", percentiles(fdatasync_ms(dir, 4096, n))},
          {"fdatasync_1m_ms", percentiles(fdatasync_ms(dir, 1u << 20, n))}};
}

std::string filesystem_of(const std::string& dir) {
  struct statfs s {};
  if (::statfs(dir.c_str(), &s) != 0) return "unknown";
  switch (static_cast<unsigned long>(s.f_type)) {
    case 0xEF53:
      return "ext4";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    default:
      return "unknown";
  }
}

// ---- Reports ----

std::string with_range(const Json& s, int decimals) {
  auto f = [&](const Json& v) { return decimals ? fixed(v, decimals) : thousands(v); };
  return f(s["median"]) + " (" + f(s["min"]) + "-" + f(s["max"]) + ")";
}

void print_summary(const Json& r) {
  const auto& m = r["machine"];
  std::cout << "Machine: " << m["cpu"].get<std::string>() << ", " << m["nproc"] << " CPUs, "
            << m["kernel"].get<std::string>() << ", " << m["compiler"].get<std::string>() << " ("
            << m["build_type"].get<std::string>() << ")\n";
  const auto& u = r["uploaded_events"];
  std::cout << "Events: " << thousands(u["events"]) << " uploaded of " << thousands(u["judged"])
            << " (" << thousands(u["records"]) << " kernel records, built-in default policy); JSON "
            << fixed(u["render_ns_per_event"], 0) << " ns/event.\n\n";
  std::cout << "| Batch limit | Batches | Closed by count/size/age | Events/batch | JSON B/event "
               "| Protobuf B/event | zstd B/event | JSON/zstd | Serialize ns/event | Compress "
               "ns/event |\n"
            << "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& w : r["wire"]) {
    std::cout << "| " << w["max_events"] << " | " << w["batches"] << " | " << w["closed_by_count"]
              << "/" << w["closed_by_size"] << "/" << w["closed_by_age_or_end"] << " | "
              << fixed(w["events_per_batch"], 0) << " | " << fixed(w["json_bytes_per_event"], 0)
              << " | " << fixed(w["protobuf_bytes_per_event"], 0) << " | "
              << fixed(w["compressed_bytes_per_event"], 1) << " | "
              << fixed(w["compression_ratio_json"], 1) << " | "
              << fixed(w["serialize_ns_per_event"]["median"], 0) << " | "
              << fixed(w["compress_ns_per_event"]["median"], 0) << " |\n";
  }
  const auto& t = r["tcp"];
  std::cout << "\nOn the wire (" << t["requests"] << " uploads of " << kIngestBatchEvents
            << " events, one connection): " << fixed(t["tcp_bytes_to_collector_per_event"], 1)
            << " B/event to the collector, " << fixed(t["tcp_bytes_to_sensor_per_event"], 2)
            << " B/event back; beyond the bodies, " << fixed(t["overhead_bytes_per_request"], 0)
            << " B per request (HTTP headers, TLS framing, ack) and "
            << fixed(t["connection_bytes"], 0) << " B per connection (mutual TLS handshake).\n\n";
  const auto& in = r["ingest"];
  std::cout << "Ingest: " << in["batches"] << " batches of " << in["batch_events"]
            << " events per run (" << fixed(in["body_bytes_per_batch"].get<double>() / 1e3, 1)
            << " kB compressed each), " << r["repetitions"] << " repetitions; SQLite journal_mode="
            << in["store"]["journal_mode"].get<std::string>()
            << ", synchronous=" << in["store"]["synchronous"].get<std::string>() << " on "
            << in["store"]["filesystem"].get<std::string>() << ", "
            << fixed(in["store"]["db_bytes_per_event"], 0) << " B/event stored.\n";
  for (const char* when : {"before", "after"}) {
    const auto& disk = in["store"][std::string("disk_") + when];
    std::cout << "Durable appends (fdatasync) " << when << " the ingest runs, p50/p99: 4 KiB "
              << fixed(disk["fdatasync_4k_ms"]["p50"], 2) << "/"
              << fixed(disk["fdatasync_4k_ms"]["p99"], 2) << " ms, 1 MiB "
              << fixed(disk["fdatasync_1m_ms"]["p50"], 2) << "/"
              << fixed(disk["fdatasync_1m_ms"]["p99"], 2) << " ms.\n";
  }
  const auto& d = in["decode"];
  std::cout << "Collector CPU per batch before SQLite: decompress "
            << fixed(d["decompress_ms"]["median"], 2) << " ms, protobuf parse "
            << fixed(d["parse_ms"]["median"], 2) << " ms, index_event x" << kIngestBatchEvents
            << " " << fixed(d["index_events_ms"]["median"], 2) << " ms.\n\n";
  std::cout << "| Path | Sensors | Batches/s | Events/s | Compressed MB/s | JSON MB/s "
               "| CPU ms/batch | Latency p50 ms | p99 ms |\n"
            << "|---|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  for (const auto& c : in["configs"]) {
    std::cout << "| " << c["name"].get<std::string>() << " | " << c["sensors"] << " | "
              << with_range(c["batches_per_s"], 0) << " | " << with_range(c["events_per_s"], 0)
              << " | " << fixed(c["compressed_mb_per_s"]["median"], 1) << " | "
              << fixed(c["json_mb_per_s"]["median"], 1) << " | "
              << fixed(c["cpu_ms_per_batch"]["median"], 1) << " | "
              << fixed(c["latency_ms"]["p50"], 2) << " | " << fixed(c["latency_ms"]["p99"], 2)
              << " |\n";
  }
}

Env prepare(const Options& o) {
  Env env;
  if (o.work.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "upload-bench-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) fail("cannot create a work directory");
    env.work = tmpl;
  } else {
    env.work = o.work;
    std::filesystem::create_directories(env.work);
  }
  env.pki = o.pki;
  if (env.pki.empty()) {
    env.pki = env.work + "/pki";
    const std::string command = "bash " YAGURA_SOURCE_DIR "/scripts/dev-pki.sh " + env.pki +
                                " --sensor bench1 --sensor bench2 --admin csirt >/dev/null";
    if (std::system(command.c_str()) != 0) fail("scripts/dev-pki.sh failed");
  }
  return env;
}

int run(const Options& o, int argc, char** argv) {
  Json result;
  result["machine"] = machine();  // the load average before anything runs
  const Env env = prepare(o);
  const Uploads uploads = make_uploads(o);

  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  result["command"] = command;
  result["repetitions"] = o.reps;
  const Stamp stamp = make_stamp(uploads, "bench1");
  result["uploaded_events"] = {{"records", uploads.records},
                               {"span_s", uploads.span_s},
                               {"judged", uploads.judged},
                               {"events", uploads.events.size()},
                               {"alerted", uploads.alerted},
                               {"by_type", uploads.by_type},
                               {"render_ns_per_event", uploads.render_ns_per_event},
                               {"health_counters", stamp.health.size()}};
  for (uint32_t max_events : {100u, 500u, 2000u})
    result["wire"].push_back(wire_sizes(uploads, stamp, max_events, o.reps));

  const Payloads payloads = make_payloads(uploads, o.batches);
  result["tcp"] = wire_overhead(payloads, std::min<size_t>(o.batches, 20), env);

  const std::vector<IngestConfig> configs{
      {"API, no store", false, false, 1}, {"API + SQLite", false, true, 1},
      {"API + SQLite", false, true, 2},   {"HTTPS, no store", true, false, 1},
      {"HTTPS + SQLite", true, true, 1},  {"HTTPS + SQLite", true, true, 2}};
  const Json disk_before = disk_probe(env.work, 20 * o.reps);
  std::vector<std::vector<IngestRun>> runs(configs.size());
  for (size_t rep = 0; rep < o.reps; ++rep)
    for (size_t k = 0; k < configs.size(); ++k) {
      const size_t i = (rep + k) % configs.size();
      runs[i].push_back(run_ingest(configs[i], payloads, o.batches, env));
    }

  Json& in = result["ingest"];
  in["batch_events"] = kIngestBatchEvents;
  in["batches"] = o.batches;
  in["body_bytes_per_batch"] = static_cast<double>(payloads.bytes) / o.batches;
  in["json_bytes_per_batch"] = static_cast<double>(payloads.json_bytes) / o.batches;
  in["decode"] = decode_steps(payloads, std::min<size_t>(o.batches, 20), o.reps);
  double db_bytes = 0;  // per batch, of the SQLite runs
  for (size_t i = 0; i < configs.size(); ++i)
    if (configs[i].sqlite) db_bytes = static_cast<double>(runs[i].back().db_bytes) / o.batches;
  in["store"] = {{"engine", "SqliteStore, as collector/store/sqlite_store.h opens it"},
                 {"journal_mode", "WAL"},
                 {"synchronous", "FULL"},
                 {"filesystem", filesystem_of(env.work)},
                 {"db_bytes_per_batch", db_bytes},
                 {"db_bytes_per_event", db_bytes / kIngestBatchEvents},
                 {"disk_before", disk_before},
                 {"disk_after", disk_probe(env.work, 20 * o.reps)}};
  for (size_t i = 0; i < configs.size(); ++i) {
    std::vector<double> bps, eps, mbps, json_mbps, latency, cpu_ms;
    for (const IngestRun& r : runs[i]) {
      const double batches =
          static_cast<double>(o.batches / configs[i].sensors * configs[i].sensors);
      bps.push_back(batches / r.seconds);
      eps.push_back(batches * kIngestBatchEvents / r.seconds);
      mbps.push_back(batches * in["body_bytes_per_batch"].get<double>() / r.seconds / 1e6);
      json_mbps.push_back(batches * in["json_bytes_per_batch"].get<double>() / r.seconds / 1e6);
      latency.insert(latency.end(), r.latency_ms.begin(), r.latency_ms.end());
      cpu_ms.push_back(r.cpu_seconds * 1e3 / batches);
    }
    Json c = {{"name", configs[i].name},
              {"transport", configs[i].https ? "HTTPS (mTLS, HttpsClient -> HttpsServer)"
                                             : "CollectorApi::handle"},
              {"store", configs[i].sqlite ? "SqliteStore" : "none"},
              {"sensors", configs[i].sensors},
              {"batches_per_s", to_json(spread(bps))},
              {"events_per_s", to_json(spread(eps))},
              {"compressed_mb_per_s", to_json(spread(mbps))},
              {"json_mb_per_s", to_json(spread(json_mbps))},
              {"latency_ms", percentiles(latency)},
              {"cpu_ms_per_batch", to_json(spread(cpu_ms))}};
    std::vector<double> secs;
    for (const IngestRun& r : runs[i]) secs.push_back(r.seconds);
    c["seconds"] = secs;
    in["configs"].push_back(std::move(c));
  }
  if (o.work.empty()) std::filesystem::remove_all(env.work);
  result["machine"]["loadavg_at_end"] = first_line_of("/proc/loadavg", "");

  print_summary(result);
  if (!o.json_path.empty()) {
    std::ofstream out(o.json_path);
    out << result.dump(2) << "\n";
    if (!out) fail("cannot write " + o.json_path);
  }
  return 0;
}

}  // namespace
}  // namespace yagura::bench

int main(int argc, char** argv) {
  return yagura::bench::run(yagura::bench::parse_args(argc, argv), argc, argv);
}
