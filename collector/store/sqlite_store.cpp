#include "collector/store/sqlite_store.h"

#include <algorithm>
#include <charconv>
#include <iterator>
#include <nlohmann/json.hpp>

namespace yagura::collector {
namespace {

using nlohmann::json;

// Version 1; kUpgrades brings it to kSchemaVersion. Every column a query
// filters on has an index; partial indexes skip the rows that lack the value
// (most events have no hash or address).
constexpr const char* kSchema = R"sql(
CREATE TABLE batches(
  sensor_id TEXT NOT NULL, sequence INTEGER NOT NULL, received_ns INTEGER NOT NULL,
  created_ns INTEGER NOT NULL, events INTEGER NOT NULL, event_schema INTEGER NOT NULL,
  PRIMARY KEY (sensor_id, sequence)) WITHOUT ROWID;
CREATE TABLE events(
  sensor_id TEXT NOT NULL, sequence INTEGER NOT NULL, idx INTEGER NOT NULL,
  time_ns INTEGER NOT NULL, type TEXT NOT NULL, boot_id TEXT, process_key TEXT,
  parent_key TEXT, exe TEXT, exe_sha256 TEXT, remote_ip TEXT, remote_port INTEGER,
  file_path TEXT, json TEXT NOT NULL);
CREATE INDEX events_by_time ON events(sensor_id, time_ns);
CREATE INDEX events_by_process ON events(sensor_id, process_key, time_ns);
CREATE INDEX events_by_parent ON events(sensor_id, parent_key) WHERE type IN ('fork', 'exec');
CREATE INDEX events_by_exe_sha256 ON events(exe_sha256, sensor_id, time_ns)
  WHERE exe_sha256 IS NOT NULL;
CREATE INDEX events_by_remote_ip ON events(remote_ip, sensor_id, time_ns)
  WHERE remote_ip IS NOT NULL;
CREATE INDEX events_by_file_path ON events(file_path, sensor_id, time_ns)
  WHERE file_path IS NOT NULL;
-- One row per (event, name): DNS questions and answers, names on connections.
CREATE TABLE event_domains(
  domain TEXT NOT NULL, sensor_id TEXT NOT NULL, time_ns INTEGER NOT NULL,
  event_id INTEGER NOT NULL);
CREATE INDEX event_domains_by_domain ON event_domains(domain, sensor_id, time_ns);
CREATE TABLE hosts(
  sensor_id TEXT PRIMARY KEY, hostname TEXT NOT NULL, boot_id TEXT NOT NULL,
  kernel TEXT NOT NULL, tags TEXT NOT NULL, first_seen_ns INTEGER NOT NULL,
  last_seen_ns INTEGER NOT NULL, health TEXT NOT NULL, policy_name TEXT NOT NULL,
  policy_version INTEGER NOT NULL, policy_sha256 TEXT NOT NULL,
  policy_failed_version INTEGER, policy_failed_error TEXT,
  last_sequence INTEGER NOT NULL, batches INTEGER NOT NULL);
CREATE TABLE gaps(
  sensor_id TEXT NOT NULL, first_sequence INTEGER NOT NULL, last_sequence INTEGER NOT NULL,
  events INTEGER NOT NULL, alert_events INTEGER NOT NULL, reason TEXT NOT NULL,
  reported_ns INTEGER NOT NULL, reported_sequence INTEGER NOT NULL);
CREATE INDEX gaps_by_sensor ON gaps(sensor_id, first_sequence);
CREATE TABLE policies(
  version INTEGER PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,
  policy BLOB NOT NULL, signature BLOB NOT NULL, targets TEXT NOT NULL,
  pushed_ns INTEGER NOT NULL, pushed_by TEXT NOT NULL);
)sql";

// kUpgrades[i] takes a database from version i + 1 to i + 2. A new database
// is created at version 1 and upgraded like an old one, so every upgrade
// runs in every test.
//
// Version 2: dump requests, one row each, and the delivered files in their
// own table, so listing requests never reads a file. AUTOINCREMENT: an id
// is never reused (sensors dedup requests by id). A file is kept as the
// sensor's zstd frame; problems are a JSON array of strings.
constexpr const char* kUpgrades[] = {
    R"sql(
ALTER TABLE hosts ADD COLUMN dump_key TEXT NOT NULL DEFAULT '';
CREATE TABLE dumps(
  id INTEGER PRIMARY KEY AUTOINCREMENT, sensor_id TEXT NOT NULL, scope TEXT NOT NULL,
  reason TEXT NOT NULL, requested_by TEXT NOT NULL, requested_ns INTEGER NOT NULL,
  state TEXT NOT NULL, completed_ns INTEGER, error TEXT, bytes INTEGER, expected_key TEXT,
  key_fingerprint TEXT, events INTEGER, verified INTEGER, problems TEXT);
CREATE INDEX dumps_pending ON dumps(sensor_id, id) WHERE state = 'pending';
CREATE TABLE dump_files(id INTEGER PRIMARY KEY, dump_zstd BLOB NOT NULL);
)sql",
};
static_assert(std::size(kUpgrades) + 1 == SqliteStore::kSchemaVersion);

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Result<json> parse_column(const std::string& text, const char* what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error{std::string("corrupt ") + what + " in the database", 0};
  return j;
}

json tags_json(const Tags& tags) {
  json j = json::object();
  for (const auto& [key, value] : tags) j[key] = value;
  return j;
}

Result<Tags> parse_tags(const std::string& text) {
  auto j = parse_column(text, "host tags");
  if (!j) return j.error();
  Tags tags;
  if (!j->is_object()) return Error{"corrupt host tags in the database", 0};
  for (const auto& [key, value] : j->items()) {
    if (value.is_string()) tags[key] = value.get<std::string>();
  }
  return tags;
}

Result<std::map<std::string, int64_t>> parse_health(const std::string& text) {
  auto j = parse_column(text, "host health");
  if (!j) return j.error();
  std::map<std::string, int64_t> health;
  if (!j->is_object()) return Error{"corrupt host health in the database", 0};
  for (const auto& [key, value] : j->items()) {
    if (value.is_number_integer()) health[key] = value.get<int64_t>();
  }
  return health;
}

// A JSON array of strings: policy targets, dump problems.
Result<std::vector<std::string>> parse_strings(const std::string& text, const char* what) {
  auto j = parse_column(text, what);
  if (!j) return j.error();
  std::vector<std::string> out;
  if (!j->is_array()) return Error{std::string("corrupt ") + what + " in the database", 0};
  for (const json& t : *j) {
    if (t.is_string()) out.push_back(t.get<std::string>());
  }
  return out;
}

// The rows of a "SELECT time_ns, type, json" over events.
Result<std::vector<StoredEvent>> stored_events(SqliteStatement& st) {
  std::vector<StoredEvent> out;
  Status s = each_row(st, [&]() -> Status {
    out.push_back({static_cast<uint64_t>(st.int64(0)), st.text(1), st.text(2)});
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

constexpr const char* kHostColumns =
    "sensor_id, hostname, boot_id, kernel, tags, first_seen_ns, last_seen_ns, policy_name, "
    "policy_version, policy_sha256, policy_failed_version, policy_failed_error, last_sequence, "
    "batches, health, (SELECT COUNT(*) FROM gaps g WHERE g.sensor_id = hosts.sensor_id), "
    "dump_key";

Result<HostRecord> read_host(const SqliteStatement& st, bool with_health) {
  HostRecord h;
  h.sensor_id = st.text(0);
  h.host.hostname = st.text(1);
  h.host.boot_id = st.text(2);
  h.host.kernel = st.text(3);
  auto tags = parse_tags(st.text(4));
  if (!tags) return tags.error();
  h.host.tags = std::move(*tags);
  h.first_seen_ns = st.int64(5);
  h.last_seen_ns = st.int64(6);
  h.policy.name = st.text(7);
  h.policy.version = st.int64(8);
  h.policy.sha256 = st.text(9);
  h.failed_policy_version = st.int64(10);
  h.failed_policy_error = st.text(11);
  h.last_sequence = st.int64(12);
  h.batches = st.int64(13);
  h.reported_gaps = st.int64(15);
  h.host.dump_key = st.text(16);
  if (with_health) {
    auto health = parse_health(st.text(14));
    if (!health) return health.error();
    h.health = std::move(*health);
  }
  return h;
}

constexpr const char* kDumpColumns =
    "id, sensor_id, scope, reason, requested_by, requested_ns, state, completed_ns, error, bytes, "
    "expected_key, key_fingerprint, events, verified, problems";

Result<DumpRecord> read_dump(const SqliteStatement& st) {
  DumpRecord d;
  d.id = st.int64(0);
  d.sensor_id = st.text(1);
  d.scope_json = st.text(2);
  d.reason = st.text(3);
  d.requested_by = st.text(4);
  d.requested_ns = st.int64(5);
  const std::string state = st.text(6);
  if (state == dump_state_name(DumpState::kPending)) return d;
  if (state == dump_state_name(DumpState::kDelivered)) {
    d.state = DumpState::kDelivered;
  } else if (state == dump_state_name(DumpState::kFailed)) {
    d.state = DumpState::kFailed;
  } else {
    return Error{"corrupt dump state in the database", 0};
  }
  d.completed_ns = st.int64(7);
  d.error = st.text(8);
  d.bytes = st.int64(9);
  d.expected_key = st.text(10);
  d.check.key_fingerprint = st.text(11);
  d.check.events = st.int64(12);
  d.check.ok = st.int64(13) != 0;
  if (d.state == DumpState::kDelivered) {
    auto problems = parse_strings(st.text(14), "dump problems");
    if (!problems) return problems.error();
    d.check.problems = std::move(*problems);
  }
  return d;
}

Result<std::vector<DumpRecord>> dump_records(SqliteStatement& st) {
  std::vector<DumpRecord> out;
  Status s = each_row(st, [&]() -> Status {
    auto d = read_dump(st);
    if (!d) return d.error();
    out.push_back(std::move(*d));
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

// `missing` minus every reported range; both sorted by first sequence.
std::vector<SequenceRange> unexplained(const std::vector<SequenceRange>& missing,
                                       const std::vector<ReportedGap>& reported) {
  std::vector<SequenceRange> out;
  for (SequenceRange range : missing) {
    for (const ReportedGap& gap : reported) {
      if (range.first > range.last) break;
      if (gap.last_sequence < range.first || gap.first_sequence > range.last) continue;
      if (gap.first_sequence > range.first) {
        out.push_back({range.first, gap.first_sequence - 1});
      }
      range.first = gap.last_sequence + 1;  // sequences stay below 2^63: no overflow
    }
    if (range.first <= range.last) out.push_back(range);
  }
  return out;
}

Status insert_events(SqliteDb& db, const IncomingBatch& batch) {
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const EventRecord& e = batch.events[i];
    auto st = db.prepare(
        "INSERT INTO events(sensor_id, sequence, idx, time_ns, type, boot_id, process_key, "
        "parent_key, exe, exe_sha256, remote_ip, remote_port, file_path, json) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, batch.sensor_id);
    st->bind(2, static_cast<int64_t>(batch.sequence));
    st->bind(3, static_cast<int64_t>(i));
    st->bind(4, static_cast<int64_t>(e.time_ns));
    st->bind(5, e.type);
    // Absent values are NULL, so the partial indexes leave them out.
    auto bind_optional = [&](int index, const std::string& value) {
      if (value.empty()) {
        st->bind_null(index);
      } else {
        st->bind(index, value);
      }
    };
    bind_optional(6, e.boot_id);
    bind_optional(7, e.process_key);
    bind_optional(8, e.parent_key);
    bind_optional(9, e.exe);
    bind_optional(10, e.exe_sha256);
    bind_optional(11, e.remote_ip);
    if (e.remote_ip.empty()) {
      st->bind_null(12);
    } else {
      st->bind(12, static_cast<int64_t>(e.remote_port));
    }
    bind_optional(13, e.file_path);
    st->bind(14, e.json);
    if (Status s = st->run(); !s) return s;
    if (e.domains.empty()) continue;
    int64_t event_id = db.last_insert_rowid();
    for (const std::string& domain : e.domains) {
      auto dst = db.prepare(
          "INSERT INTO event_domains(domain, sensor_id, time_ns, event_id) VALUES (?, ?, ?, ?)");
      if (!dst) return dst.error();
      dst->bind(1, domain);
      dst->bind(2, batch.sensor_id);
      dst->bind(3, static_cast<int64_t>(e.time_ns));
      dst->bind(4, event_id);
      if (Status s = dst->run(); !s) return s;
    }
  }
  return ok_status();
}

Status insert_gaps(SqliteDb& db, const IncomingBatch& batch) {
  for (const ReportedGap& gap : batch.gaps) {
    auto st = db.prepare(
        "INSERT INTO gaps(sensor_id, first_sequence, last_sequence, events, alert_events, reason, "
        "reported_ns, reported_sequence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st) return st.error();
    st->bind(1, batch.sensor_id);
    st->bind(2, static_cast<int64_t>(gap.first_sequence));
    st->bind(3, static_cast<int64_t>(gap.last_sequence));
    st->bind(4, static_cast<int64_t>(gap.events));
    st->bind(5, static_cast<int64_t>(gap.alert_events));
    st->bind(6, gap.reason);
    st->bind(7, static_cast<int64_t>(batch.received_ns));
    st->bind(8, static_cast<int64_t>(batch.sequence));
    if (Status s = st->run(); !s) return s;
  }
  return ok_status();
}

// Creates the host on its first batch; afterwards counts the batch and,
// when it is the newest, takes its names, tags, health and policy. One
// statement: an UPDATE's expressions all read the row as it was, so each
// CASE compares with the old last_sequence.
Status upsert_host(SqliteDb& db, const IncomingBatch& batch) {
  json health = json::object();
  for (const auto& [key, value] : batch.health) health[key] = value;
  auto st = db.prepare(
      "INSERT INTO hosts(sensor_id, hostname, boot_id, kernel, tags, first_seen_ns, "
      "last_seen_ns, health, policy_name, policy_version, policy_sha256, last_sequence, batches, "
      "dump_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10, ?11, 1, ?12) "
      "ON CONFLICT(sensor_id) DO UPDATE SET "
      "last_seen_ns = MAX(last_seen_ns, excluded.last_seen_ns), batches = batches + 1, "
      "last_sequence = MAX(last_sequence, excluded.last_sequence), "
      "hostname = CASE WHEN excluded.last_sequence > last_sequence THEN excluded.hostname ELSE hostname END, "
      "boot_id = CASE WHEN excluded.last_sequence > last_sequence THEN excluded.boot_id ELSE boot_id END, "
      "kernel = CASE WHEN excluded.last_sequence > last_sequence THEN excluded.kernel ELSE kernel END, "
      "tags = CASE WHEN excluded.last_sequence > last_sequence THEN excluded.tags ELSE tags END, "
      "health = CASE WHEN excluded.last_sequence > last_sequence THEN excluded.health ELSE health END, "
      "policy_name = CASE WHEN excluded.last_sequence > last_sequence "
      "THEN excluded.policy_name ELSE policy_name END, "
      "policy_version = CASE WHEN excluded.last_sequence > last_sequence "
      "THEN excluded.policy_version ELSE policy_version END, "
      "policy_sha256 = CASE WHEN excluded.last_sequence > last_sequence "
      "THEN excluded.policy_sha256 ELSE policy_sha256 END, "
      "dump_key = CASE WHEN excluded.last_sequence > last_sequence "
      "THEN excluded.dump_key ELSE dump_key END");
  if (!st) return st.error();
  st->bind(1, batch.sensor_id);
  st->bind(2, batch.host.hostname);
  st->bind(3, batch.host.boot_id);
  st->bind(4, batch.host.kernel);
  st->bind(5, dump(tags_json(batch.host.tags)));
  st->bind(6, static_cast<int64_t>(batch.received_ns));
  st->bind(7, dump(health));
  st->bind(8, batch.policy.name);
  st->bind(9, static_cast<int64_t>(batch.policy.version));
  st->bind(10, batch.policy.sha256);
  st->bind(11, static_cast<int64_t>(batch.sequence));
  st->bind(12, batch.host.dump_key);
  return st->run();
}

// A failure is kept until the host applies a version at least as new.
Status record_policy_status(SqliteDb& db, const IncomingBatch& batch) {
  const PolicyApplyStatus& status = *batch.policy_status;
  auto st = status.applied
                ? db.prepare(
                      "UPDATE hosts SET policy_failed_version = NULL, policy_failed_error = NULL "
                      "WHERE sensor_id = ?1 AND COALESCE(policy_failed_version, 0) <= ?2")
                : db.prepare(
                      "UPDATE hosts SET policy_failed_version = ?2, policy_failed_error = ?3 "
                      "WHERE sensor_id = ?1");
  if (!st) return st.error();
  st->bind(1, batch.sensor_id);
  st->bind(2, static_cast<int64_t>(status.version));
  if (!status.applied) st->bind(3, status.error);
  return st->run();
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       SqliteStoreOptions options) {
  auto writer = SqliteDb::open(path);
  if (!writer) return writer.error();
  SqliteDb& db = **writer;
  const std::string timeout = std::to_string(options.busy_timeout_ms);
  if (Status s = db.exec("PRAGMA busy_timeout = " + timeout); !s) return s.error();
  auto mode = db.query_text("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") return Error{path + ": cannot switch to WAL mode (got " + *mode + ")", 0};
  // FULL: the WAL is fsynced at every commit, not only at checkpoints.
  if (Status s = db.exec("PRAGMA synchronous = FULL"); !s) return s.error();

  auto version_text = db.query_text("PRAGMA user_version");
  if (!version_text) return version_text.error();
  int version = -1;
  std::from_chars(version_text->data(), version_text->data() + version_text->size(), version);
  if (version < 0 || version > kSchemaVersion) {
    return Error{path + ": database schema version " + *version_text +
                     ", this collector reads up to " + std::to_string(kSchemaVersion),
                 0};
  }
  if (version < kSchemaVersion) {
    // One transaction: an interrupted upgrade leaves the old version intact.
    auto tx = SqliteTransaction::begin(db);
    if (!tx) return tx.error();
    if (version == 0) {
      if (Status s = db.exec(kSchema); !s) return Error{path + ": schema: " + s.error().message, 0};
      version = 1;
    }
    for (; version < kSchemaVersion; ++version) {
      if (Status s = db.exec(kUpgrades[version - 1]); !s) {
        return Error{path + ": upgrading the schema to version " + std::to_string(version + 1) +
                         ": " + s.error().message,
                     0};
      }
    }
    if (Status s = db.exec("PRAGMA user_version = " + std::to_string(kSchemaVersion)); !s) {
      return s.error();
    }
    if (Status s = (*tx)->commit(); !s) return s.error();
  }

  auto reader = SqliteDb::open_reader(path, options.busy_timeout_ms);
  if (!reader) return reader.error();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(*writer), std::move(*reader)));
}

namespace {

// A sequence already stored: a retransmission carries the very batch
// sealed before (the spool keeps its bytes), anything else reuses the number.
Result<StoreOutcome> stored_before(SqliteDb& db, const IncomingBatch& batch) {
  auto st = db.prepare("SELECT created_ns, events FROM batches WHERE sensor_id = ? AND sequence = ?");
  if (!st) return st.error();
  st->bind(1, batch.sensor_id);
  st->bind(2, static_cast<int64_t>(batch.sequence));
  auto row = st->step();
  if (!row) return row.error();
  if (*row && st->int64(0) == static_cast<int64_t>(batch.created_ns) &&
      st->int64(1) == static_cast<int64_t>(batch.events.size()))
    return StoreOutcome::kDuplicate;
  return StoreOutcome::kSequenceReused;
}

}  // namespace

Result<StoreOutcome> SqliteStore::store_batch(const IncomingBatch& batch) {
  std::lock_guard lock(writer_mutex_);
  return store_batch_locked(batch);
}

Result<StoreOutcome> SqliteStore::store_batch_locked(const IncomingBatch& batch) {
  SqliteDb& db = *writer_;
  auto tx = SqliteTransaction::begin(db);
  if (!tx) return tx.error();

  auto st = db.prepare(
      "INSERT OR IGNORE INTO batches(sensor_id, sequence, received_ns, created_ns, events, "
      "event_schema) VALUES (?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, batch.sensor_id);
  st->bind(2, static_cast<int64_t>(batch.sequence));
  st->bind(3, static_cast<int64_t>(batch.received_ns));
  st->bind(4, static_cast<int64_t>(batch.created_ns));
  st->bind(5, static_cast<int64_t>(batch.events.size()));
  st->bind(6, static_cast<int64_t>(batch.event_schema));
  if (Status s = st->run(); !s) return s.error();
  if (db.changes() == 0) return stored_before(db, batch);  // the guard rolls back

  if (Status s = insert_events(db, batch); !s) return s.error();
  if (Status s = upsert_host(db, batch); !s) return s.error();
  if (Status s = insert_gaps(db, batch); !s) return s.error();
  if (batch.policy_status) {
    if (Status s = record_policy_status(db, batch); !s) return s.error();
  }
  if (Status s = (*tx)->commit(); !s) return s.error();
  return StoreOutcome::kStored;
}

Result<bool> SqliteStore::has_batch(const std::string& sensor_id, uint64_t sequence) {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare("SELECT 1 FROM batches WHERE sensor_id = ? AND sequence = ?");
  if (!st) return st.error();
  st->bind(1, sensor_id);
  st->bind(2, static_cast<int64_t>(sequence));
  return st->step();
}

Result<std::vector<HostRecord>> SqliteStore::hosts() {
  std::lock_guard lock(reader_mutex_);
  auto st =
      reader_->prepare(std::string("SELECT ") + kHostColumns + " FROM hosts ORDER BY sensor_id");
  if (!st) return st.error();
  std::vector<HostRecord> out;
  Status s = each_row(*st, [&]() -> Status {
    auto host = read_host(*st, /*with_health=*/false);
    if (!host) return host.error();
    out.push_back(std::move(*host));
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Result<std::optional<HostRecord>> SqliteStore::host(const std::string& sensor_id) {
  std::lock_guard lock(reader_mutex_);
  auto st =
      reader_->prepare(std::string("SELECT ") + kHostColumns + " FROM hosts WHERE sensor_id = ?");
  if (!st) return st.error();
  st->bind(1, sensor_id);
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<HostRecord>();
  auto host = read_host(*st, /*with_health=*/true);
  if (!host) return host.error();
  return std::optional<HostRecord>(std::move(*host));
}

Result<SensorGaps> SqliteStore::sensor_gaps_locked(const std::string& sensor_id) {
  SensorGaps out;
  out.sensor_id = sensor_id;
  auto reported = reader_->prepare(
      "SELECT first_sequence, last_sequence, events, alert_events, reason, reported_ns, "
      "reported_sequence FROM gaps WHERE sensor_id = ? ORDER BY first_sequence, last_sequence");
  if (!reported) return reported.error();
  reported->bind(1, sensor_id);
  Status s = each_row(*reported, [&]() -> Status {
    out.reported.push_back(ReportedGap{
        static_cast<uint64_t>(reported->int64(0)), static_cast<uint64_t>(reported->int64(1)),
        static_cast<uint64_t>(reported->int64(2)), static_cast<uint64_t>(reported->int64(3)),
        reported->text(4), static_cast<uint64_t>(reported->int64(5)),
        static_cast<uint64_t>(reported->int64(6))});
    return ok_status();
  });
  if (!s) return s.error();

  // Holes between consecutive stored sequences, the first one against 0.
  auto holes = reader_->prepare(
      "SELECT prev + 1, sequence - 1 FROM (SELECT sequence, LAG(sequence, 1, 0) OVER "
      "(ORDER BY sequence) AS prev FROM batches WHERE sensor_id = ?) WHERE sequence > prev + 1 "
      "ORDER BY sequence");
  if (!holes) return holes.error();
  holes->bind(1, sensor_id);
  std::vector<SequenceRange> missing;
  s = each_row(*holes, [&]() -> Status {
    missing.push_back(
        {static_cast<uint64_t>(holes->int64(0)), static_cast<uint64_t>(holes->int64(1))});
    return ok_status();
  });
  if (!s) return s.error();
  out.missing = unexplained(missing, out.reported);
  return out;
}

Result<std::vector<SensorGaps>> SqliteStore::gaps(const std::string& sensor_id) {
  std::lock_guard lock(reader_mutex_);
  std::vector<std::string> sensors;
  if (!sensor_id.empty()) {
    sensors.push_back(sensor_id);
  } else {
    auto st = reader_->prepare(
        "SELECT sensor_id FROM hosts WHERE last_sequence > batches "
        "UNION SELECT sensor_id FROM gaps ORDER BY 1");
    if (!st) return st.error();
    Status s = each_row(*st, [&]() -> Status {
      sensors.push_back(st->text(0));
      return ok_status();
    });
    if (!s) return s.error();
  }
  std::vector<SensorGaps> out;
  for (const std::string& sensor : sensors) {
    auto g = sensor_gaps_locked(sensor);
    if (!g) return g.error();
    out.push_back(std::move(*g));
  }
  return out;
}

Result<std::vector<StoredEvent>> SqliteStore::host_events(const EventRangeQuery& query) {
  std::lock_guard lock(reader_mutex_);
  // rowid follows arrival; the index (sensor_id, time_ns) carries it, so
  // the order costs no sort.
  auto st = reader_->prepare(
      "SELECT time_ns, type, json FROM events WHERE sensor_id = ?1 AND time_ns >= ?2 "
      "AND time_ns < ?3 AND (?4 = '' OR type = ?4) ORDER BY time_ns, rowid LIMIT ?5");
  if (!st) return st.error();
  st->bind(1, query.sensor_id);
  st->bind(2, static_cast<int64_t>(query.from_ns));
  st->bind(3, static_cast<int64_t>(query.to_ns));
  st->bind(4, query.type);
  st->bind(5, static_cast<int64_t>(query.limit));
  return stored_events(*st);
}

Result<std::vector<StoredEvent>> SqliteStore::process_events(const ProcessQuery& query) {
  std::lock_guard lock(reader_mutex_);
  // The type filter is a JSON array so that one prepared statement serves
  // every list of types.
  const std::string sql =
      "SELECT time_ns, type, json FROM events WHERE sensor_id = ?1 AND process_key = ?2 "
      "AND (?3 = '' OR boot_id = ?3) "
      "AND (?4 = '[]' OR type IN (SELECT value FROM json_each(?4))) " +
      std::string(query.newest_first ? "ORDER BY time_ns DESC, rowid DESC LIMIT ?5"
                                     : "ORDER BY time_ns, rowid LIMIT ?5");
  auto st = reader_->prepare(sql);
  if (!st) return st.error();
  st->bind(1, query.sensor_id);
  st->bind(2, query.process_key);
  st->bind(3, query.boot_id);
  st->bind(4, dump(json(query.types)));
  st->bind(5, static_cast<int64_t>(query.limit));
  return stored_events(*st);
}

Result<std::vector<ChildProcess>> SqliteStore::process_children(const ProcessQuery& query) {
  std::lock_guard lock(reader_mutex_);
  // MATERIALIZED: the child rows come from events_by_parent first; left to
  // itself the planner walks every event of the host in process_key order
  // to save the GROUP BY a sort.
  auto st = reader_->prepare(
      "WITH c AS MATERIALIZED (SELECT process_key, time_ns FROM events WHERE sensor_id = ?1 "
      "AND parent_key = ?2 AND type IN ('fork', 'exec') AND (?3 = '' OR boot_id = ?3)) "
      "SELECT c.process_key, MIN(c.time_ns), "
      "(SELECT e.exe FROM events e WHERE e.sensor_id = ?1 AND e.process_key = c.process_key "
      "AND (?3 = '' OR e.boot_id = ?3) AND e.type = 'exec' ORDER BY e.time_ns DESC LIMIT 1) "
      "FROM c GROUP BY c.process_key ORDER BY 2 LIMIT ?4");
  if (!st) return st.error();
  st->bind(1, query.sensor_id);
  st->bind(2, query.process_key);
  st->bind(3, query.boot_id);
  st->bind(4, static_cast<int64_t>(query.limit));
  std::vector<ChildProcess> out;
  Status s = each_row(*st, [&]() -> Status {
    out.push_back({st->text(0), st->text(2), static_cast<uint64_t>(st->int64(1))});
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Result<std::vector<HostActivity>> SqliteStore::hosts_with(ActivityKey key,
                                                          const std::string& value) {
  std::lock_guard lock(reader_mutex_);
  const char* sql = nullptr;
  switch (key) {
    case ActivityKey::kExeSha256:
      sql =
          "SELECT sensor_id, MIN(time_ns), MAX(time_ns), COUNT(*) FROM events "
          "WHERE exe_sha256 = ? GROUP BY sensor_id ORDER BY sensor_id";
      break;
    case ActivityKey::kRemoteIp:
      sql =
          "SELECT sensor_id, MIN(time_ns), MAX(time_ns), COUNT(*) FROM events "
          "WHERE remote_ip = ? GROUP BY sensor_id ORDER BY sensor_id";
      break;
    case ActivityKey::kDomain:
      sql =
          "SELECT sensor_id, MIN(time_ns), MAX(time_ns), COUNT(*) FROM event_domains "
          "WHERE domain = ? GROUP BY sensor_id ORDER BY sensor_id";
      break;
    case ActivityKey::kFilePath:
      sql =
          "SELECT sensor_id, MIN(time_ns), MAX(time_ns), COUNT(*) FROM events "
          "WHERE file_path = ? GROUP BY sensor_id ORDER BY sensor_id";
      break;
  }
  auto st = reader_->prepare(sql);
  if (!st) return st.error();
  st->bind(1, value);
  std::vector<HostActivity> out;
  Status s = each_row(*st, [&]() -> Status {
    out.push_back({st->text(0), static_cast<uint64_t>(st->int64(1)),
                   static_cast<uint64_t>(st->int64(2)), static_cast<uint64_t>(st->int64(3))});
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Result<bool> SqliteStore::add_policy(const PolicyRecord& policy) {
  std::lock_guard lock(writer_mutex_);
  auto st = writer_->prepare(
      "INSERT OR IGNORE INTO policies(version, name, sha256, policy, signature, targets, "
      "pushed_ns, pushed_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  if (!st) return st.error();
  st->bind(1, static_cast<int64_t>(policy.version));
  st->bind(2, policy.name);
  st->bind(3, policy.sha256);
  st->bind_blob(4, policy.policy);
  st->bind_blob(5, policy.signature);
  st->bind(6, dump(json(policy.targets)));
  st->bind(7, static_cast<int64_t>(policy.pushed_ns));
  st->bind(8, policy.pushed_by);
  if (Status s = st->run(); !s) return s.error();
  return writer_->changes() == 1;
}

Result<std::vector<PolicyRecord>> SqliteStore::policies() {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare(
      "SELECT version, name, sha256, targets, pushed_ns, pushed_by FROM policies "
      "ORDER BY version DESC");
  if (!st) return st.error();
  std::vector<PolicyRecord> out;
  Status s = each_row(*st, [&]() -> Status {
    auto targets = parse_strings(st->text(3), "policy targets");
    if (!targets) return targets.error();
    PolicyRecord p;
    p.version = st->int64(0);
    p.name = st->text(1);
    p.sha256 = st->text(2);
    p.targets = std::move(*targets);
    p.pushed_ns = st->int64(4);
    p.pushed_by = st->text(5);
    out.push_back(std::move(p));
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Result<std::optional<PolicyRecord>> SqliteStore::policy(uint64_t version) {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare(
      "SELECT version, name, sha256, targets, pushed_ns, pushed_by, policy, signature "
      "FROM policies WHERE version = ?");
  if (!st) return st.error();
  st->bind(1, static_cast<int64_t>(version));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<PolicyRecord>();
  auto targets = parse_strings(st->text(3), "policy targets");
  if (!targets) return targets.error();
  PolicyRecord p;
  p.version = st->int64(0);
  p.name = st->text(1);
  p.sha256 = st->text(2);
  p.targets = std::move(*targets);
  p.pushed_ns = st->int64(4);
  p.pushed_by = st->text(5);
  p.policy = st->text(6);
  p.signature = st->text(7);
  return std::optional<PolicyRecord>(std::move(p));
}

Result<uint64_t> SqliteStore::add_dump_request(const DumpRecord& request) {
  std::lock_guard lock(writer_mutex_);
  auto st = writer_->prepare(
      "INSERT INTO dumps(sensor_id, scope, reason, requested_by, requested_ns, state) "
      "VALUES (?, ?, ?, ?, ?, 'pending')");
  if (!st) return st.error();
  st->bind(1, request.sensor_id);
  st->bind(2, request.scope_json);
  st->bind(3, request.reason);
  st->bind(4, request.requested_by);
  st->bind(5, static_cast<int64_t>(request.requested_ns));
  if (Status s = st->run(); !s) return s.error();
  return static_cast<uint64_t>(writer_->last_insert_rowid());
}

Result<std::vector<DumpRecord>> SqliteStore::pending_dump_requests(const std::string& sensor_id,
                                                                   size_t limit) {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare(std::string("SELECT ") + kDumpColumns +
                             " FROM dumps WHERE sensor_id = ? AND state = 'pending' "
                             "ORDER BY id LIMIT ?");
  if (!st) return st.error();
  st->bind(1, sensor_id);
  st->bind(2, static_cast<int64_t>(limit));
  return dump_records(*st);
}

Result<std::vector<DumpRecord>> SqliteStore::dump_requests(const DumpFilter& filter) {
  std::lock_guard lock(reader_mutex_);
  auto st =
      reader_->prepare(std::string("SELECT ") + kDumpColumns +
                       " FROM dumps WHERE (?1 = 0 OR id = ?1) AND (?2 = '' OR sensor_id = ?2) "
                       "AND (?3 = '' OR instr(reason, ?3) > 0) ORDER BY id DESC");
  if (!st) return st.error();
  st->bind(1, static_cast<int64_t>(filter.id));
  st->bind(2, filter.sensor_id);
  st->bind(3, filter.reason_contains);
  return dump_records(*st);
}

Result<bool> SqliteStore::complete_dump(const DumpCompletion& c) {
  std::lock_guard lock(writer_mutex_);
  SqliteDb& db = *writer_;
  auto tx = SqliteTransaction::begin(db);
  if (!tx) return tx.error();
  const bool failed = !c.error.empty();
  auto st = db.prepare(
      "UPDATE dumps SET state = ?3, completed_ns = ?4, error = ?5, bytes = ?6, expected_key = ?7, "
      "key_fingerprint = ?8, events = ?9, verified = ?10, problems = ?11 "
      "WHERE id = ?1 AND sensor_id = ?2 AND state = 'pending'");
  if (!st) return st.error();
  st->bind(1, static_cast<int64_t>(c.id));
  st->bind(2, c.sensor_id);
  st->bind(3, dump_state_name(failed ? DumpState::kFailed : DumpState::kDelivered));
  st->bind(4, static_cast<int64_t>(c.completed_ns));
  if (failed) {
    st->bind(5, c.error);
    for (int i = 6; i <= 11; ++i) st->bind_null(i);
  } else {
    st->bind_null(5);
    st->bind(6, static_cast<int64_t>(c.bytes));
    st->bind(7, c.expected_key);
    st->bind(8, c.check.key_fingerprint);
    st->bind(9, static_cast<int64_t>(c.check.events));
    st->bind(10, int64_t{c.check.ok});
    st->bind(11, dump(json(c.check.problems)));
  }
  if (Status s = st->run(); !s) return s.error();
  if (db.changes() == 0) return false;  // the guard rolls back

  if (!failed) {
    auto file = db.prepare("INSERT INTO dump_files(id, dump_zstd) VALUES (?, ?)");
    if (!file) return file.error();
    file->bind(1, static_cast<int64_t>(c.id));
    file->bind_blob(2, c.dump_zstd);
    if (Status s = file->run(); !s) return s.error();
  }
  if (Status s = (*tx)->commit(); !s) return s.error();
  return true;
}

Result<std::optional<std::string>> SqliteStore::dump_file(uint64_t id) {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare("SELECT dump_zstd FROM dump_files WHERE id = ?");
  if (!st) return st.error();
  st->bind(1, static_cast<int64_t>(id));
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::optional<std::string>();
  return std::optional<std::string>(st->text(0));
}

}  // namespace yagura::collector
