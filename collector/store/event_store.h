// Where the collector keeps what sensors send: the only thing ingest,
// queries and the API know about storage. One implementation today
// (sqlite_store.h, the embedded default); the interface takes and returns
// plain values, no SQL and no protobuf, so a distributed engine can replace
// it without touching its users.
//
// Contract for every implementation:
// - store_batch() is atomic and durable: when it returns kStored, the batch,
//   its events, its gaps and the host's new state survive a crash or a power
//   loss; on an Error nothing of it was kept. A (sensor_id, sequence) seen
//   before is kDuplicate and changes nothing.
// - Host state (names, tags, dump key, health, running policy) follows the
//   batch with the highest sequence, so a late old batch never rolls it back.
// - Every method is safe to call from several threads at once. Errors mean
//   "cannot store or read now" (the API answers 503).
// - complete_dump() is atomic and durable like store_batch(): when it
//   answers true, the dump and its verification survive a crash.
//
//   SqliteStore::open(path) -> std::unique_ptr<EventStore>
//   auto outcome = store.store_batch(batch);
//   if (!outcome) answer 503;
//   else if (*outcome == StoreOutcome::kDuplicate) ack as duplicate;
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace yagura::collector {

using Tags = std::map<std::string, std::string>;

struct HostInfo {
  std::string hostname;
  std::string boot_id;
  std::string kernel;
  Tags tags;
  // Fingerprint of the key the sensor signs its forensic dumps with, as it
  // last reported it; empty: none reported.
  std::string dump_key;
};

struct PolicyRef {
  std::string name;
  uint64_t version = 0;  // 0: none reported
  std::string sha256;
};

// One event: its JSON exactly as the sensor sent it, and the values queries
// look it up by (event_index.h extracts them). String columns hold the
// bytes the JSON escapes stand for; an empty string means absent.
struct EventRecord {
  uint64_t time_ns = 0;
  std::string type;
  std::string boot_id;
  std::string process_key;
  std::string parent_key;
  std::string exe;
  std::string exe_sha256;  // lower-case hex
  // The other end of a network event: who this host contacted, or who
  // contacted it (see event_index.h); the address in canonical text form.
  std::string remote_ip;
  uint32_t remote_port = 0;
  std::vector<std::string> domains;  // lower-case, no trailing dot, distinct
  std::string file_path;
  std::string json;
};

// A range of sequences a sensor gave up on and said so.
struct ReportedGap {
  uint64_t first_sequence = 0;  // inclusive
  uint64_t last_sequence = 0;   // inclusive
  uint64_t events = 0;
  uint64_t alert_events = 0;
  std::string reason;              // "spool_full", "spool_corrupt", "rejected", "unspecified"
  uint64_t reported_ns = 0;        // when the batch that reported it arrived
  uint64_t reported_sequence = 0;  // the batch that reported it
};

struct SequenceRange {
  uint64_t first = 0;  // inclusive
  uint64_t last = 0;   // inclusive
};

// The outcome of a policy the collector offered, as the sensor reported it.
struct PolicyApplyStatus {
  uint64_t version = 0;
  std::string sha256;
  bool applied = false;
  std::string error;
};

struct IncomingBatch {
  std::string sensor_id;
  uint64_t sequence = 0;
  uint64_t created_ns = 0;
  uint64_t received_ns = 0;
  HostInfo host;
  PolicyRef policy;  // the policy that judged these events
  std::map<std::string, int64_t> health;
  uint32_t event_schema = 0;
  std::vector<EventRecord> events;
  std::vector<ReportedGap> gaps;  // reported_ns and reported_sequence are set by the store
  std::optional<PolicyApplyStatus> policy_status;
};

enum class StoreOutcome {
  kStored,
  kDuplicate,  // this batch was stored before (same creation time and size)
  // The sensor's sequence number is stored for another batch: its numbering
  // went back (a wiped state directory). Nothing was stored.
  kSequenceReused,
};

struct HostRecord {
  std::string sensor_id;
  HostInfo host;
  uint64_t first_seen_ns = 0;
  uint64_t last_seen_ns = 0;
  PolicyRef policy;  // running, as of the newest batch
  // The last policy version this host refused, and why; 0 when none since
  // it last applied one at least as new.
  uint64_t failed_policy_version = 0;
  std::string failed_policy_error;
  uint64_t last_sequence = 0;  // the highest stored
  uint64_t batches = 0;        // stored: last_sequence - batches were never received
  uint64_t reported_gaps = 0;  // ranges the sensor reported lost
  std::map<std::string, int64_t> health;
};

struct SensorGaps {
  std::string sensor_id;
  std::vector<ReportedGap> reported;
  // Sequences below the highest stored that never arrived and no reported
  // gap explains.
  std::vector<SequenceRange> missing;
};

struct EventRangeQuery {
  std::string sensor_id;
  uint64_t from_ns = 0;  // inclusive
  uint64_t to_ns = 0;    // exclusive
  std::string type;      // empty: all types
  size_t limit = 0;
};

struct ProcessQuery {
  std::string sensor_id;
  std::string boot_id;  // empty: any boot
  std::string process_key;
  std::vector<std::string> types;  // empty: all types
  size_t limit = 0;
  bool newest_first = false;  // else oldest first
};

struct StoredEvent {
  uint64_t time_ns = 0;
  std::string type;
  std::string json;
};

struct ChildProcess {
  std::string process_key;
  std::string exe;  // of its latest exec; empty when none stored
  uint64_t first_ns = 0;
};

// Which indexed value a "which hosts" question is about.
enum class ActivityKey { kExeSha256, kRemoteIp, kDomain, kFilePath };

struct HostActivity {
  std::string sensor_id;
  uint64_t first_ns = 0;
  uint64_t last_ns = 0;
  uint64_t events = 0;
};

// A policy the CSIRT pushed. `policy` and `signature` are filled only by
// EventStore::policy(version).
struct PolicyRecord {
  uint64_t version = 0;
  std::string name;
  std::string sha256;
  std::vector<std::string> targets;  // "key=value"; empty: every host
  uint64_t pushed_ns = 0;
  std::string pushed_by;  // the admin's certificate name
  std::string policy;
  std::string signature;
};

// What checking a dump file found: who signed it, how many events it holds,
// and everything wrong with it (empty when ok).
struct DumpCheck {
  bool ok = false;
  std::string key_fingerprint;
  uint64_t events = 0;
  std::vector<std::string> problems;
};

enum class DumpState { kPending, kDelivered, kFailed };

// "pending", "delivered", "failed": in the API's answers and in the store.
inline const char* dump_state_name(DumpState state) {
  switch (state) {
    case DumpState::kPending:
      return "pending";
    case DumpState::kDelivered:
      return "delivered";
    case DumpState::kFailed:
      return "failed";
  }
  return "pending";
}

// A dump the CSIRT requested for one sensor and, once it came, what came.
struct DumpRecord {
  uint64_t id = 0;  // the store's, from 1, never reused
  std::string sensor_id;
  std::string scope_json;  // a JSON object, passed to the sensor as it is
  std::string reason;
  std::string requested_by;  // the admin's certificate name
  uint64_t requested_ns = 0;
  DumpState state = DumpState::kPending;
  // Set once the sensor answered (kDelivered or kFailed).
  uint64_t completed_ns = 0;
  std::string error;  // kFailed: why there is no dump
  // kDelivered: the file's size once decompressed, the key the host had
  // registered when it arrived (empty: none) and what checking it found.
  uint64_t bytes = 0;
  std::string expected_key;
  DumpCheck check;
};

// Which dump requests to list; empty fields match everything.
struct DumpFilter {
  uint64_t id = 0;
  std::string sensor_id;
  std::string reason_contains;
};

// The sensor's answer to a request: a dump (`dump_zstd` set) or the error
// that kept it from making one.
struct DumpCompletion {
  uint64_t id = 0;
  std::string sensor_id;
  uint64_t completed_ns = 0;
  std::string error;      // set: the request failed
  std::string dump_zstd;  // the file as one zstd frame, kept as received
  uint64_t bytes = 0;     // its decompressed size
  std::string expected_key;
  DumpCheck check;
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Ingest.
  virtual Result<StoreOutcome> store_batch(const IncomingBatch& batch) = 0;
  virtual Result<bool> has_batch(const std::string& sensor_id, uint64_t sequence) = 0;

  // Hosts.
  virtual Result<std::vector<HostRecord>> hosts() = 0;  // by sensor_id, without health
  virtual Result<std::optional<HostRecord>> host(const std::string& sensor_id) = 0;
  // Gaps of one sensor, or (empty sensor_id) of every sensor that has any.
  virtual Result<std::vector<SensorGaps>> gaps(const std::string& sensor_id) = 0;

  // Queries.
  // Ordered by time, then by arrival.
  virtual Result<std::vector<StoredEvent>> host_events(const EventRangeQuery& query) = 0;
  // The events of one process, by time as query.newest_first says.
  virtual Result<std::vector<StoredEvent>> process_events(const ProcessQuery& query) = 0;
  // Processes whose fork or exec names `query.process_key` as parent, by
  // first appearance (query.types is ignored).
  virtual Result<std::vector<ChildProcess>> process_children(const ProcessQuery& query) = 0;
  // Hosts with events carrying `value`, by sensor_id.
  virtual Result<std::vector<HostActivity>> hosts_with(ActivityKey key,
                                                       const std::string& value) = 0;

  // Policy registry. add_policy() answers false when the version exists.
  virtual Result<bool> add_policy(const PolicyRecord& policy) = 0;
  virtual Result<std::vector<PolicyRecord>> policies() = 0;  // newest version first
  virtual Result<std::optional<PolicyRecord>> policy(uint64_t version) = 0;

  // Dump requests. add_dump_request() ignores the record's id, state and
  // completion and answers the new id. complete_dump() answers false, and
  // changes nothing, unless the request exists, is for
  // `completion.sensor_id` and is still pending.
  virtual Result<uint64_t> add_dump_request(const DumpRecord& request) = 0;
  // Oldest first, at most `limit`.
  virtual Result<std::vector<DumpRecord>> pending_dump_requests(const std::string& sensor_id,
                                                                size_t limit) = 0;
  // Newest first.
  virtual Result<std::vector<DumpRecord>> dump_requests(const DumpFilter& filter) = 0;
  virtual Result<bool> complete_dump(const DumpCompletion& completion) = 0;
  // The delivered dump as one zstd frame; nullopt when it has none.
  virtual Result<std::optional<std::string>> dump_file(uint64_t id) = 0;
};

}  // namespace yagura::collector
