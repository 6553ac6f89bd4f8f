#include "collector/alerts/sqlite_alert_store.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "collector/alerts/alert_json.h"
#include "common/json_bytes.h"

namespace yagura::collector {
namespace {

using nlohmann::json;

// The severity column holds the enum's value, so "at least high" is a
// comparison. The partial index finds the open alert a repeat joins.
constexpr const char* kSchema = R"sql(
CREATE TABLE alerts(
  id INTEGER PRIMARY KEY AUTOINCREMENT, dedup_key TEXT NOT NULL, rule_id TEXT NOT NULL,
  severity INTEGER NOT NULL, sensor_id TEXT NOT NULL, status TEXT NOT NULL,
  first_ns INTEGER NOT NULL, last_ns INTEGER NOT NULL, count INTEGER NOT NULL,
  tags TEXT NOT NULL, json TEXT NOT NULL);
CREATE INDEX alerts_open_by_dedup ON alerts(dedup_key, last_ns) WHERE status = 'open';
CREATE INDEX alerts_by_last ON alerts(last_ns);
CREATE INDEX alerts_by_status ON alerts(status, last_ns);
CREATE INDEX alerts_by_sensor ON alerts(sensor_id, last_ns);
CREATE INDEX alerts_by_rule ON alerts(rule_id, last_ns);
CREATE TABLE alert_rule_controls(
  rule_id TEXT PRIMARY KEY, enabled INTEGER NOT NULL, changed_by TEXT NOT NULL,
  reason TEXT NOT NULL, changed_ns INTEGER NOT NULL);
CREATE TABLE alert_suppressions(
  id INTEGER PRIMARY KEY AUTOINCREMENT, rule_id TEXT NOT NULL, sensor_id TEXT NOT NULL,
  tags TEXT NOT NULL, condition TEXT NOT NULL, reason TEXT NOT NULL, created_by TEXT NOT NULL,
  created_ns INTEGER NOT NULL, expires_ns INTEGER NOT NULL, hits INTEGER NOT NULL);
)sql";

int64_t i64(uint64_t v) {
  return static_cast<int64_t>(std::min<uint64_t>(v, std::numeric_limits<int64_t>::max()));
}

// Tags as a JSON object of strings. A byte that is not UTF-8 is kept as
// its private-use code point (json_bytes.h), not as "\udcXX", so that
// json_each() in a filter reads the same text the filter binds.
std::string tags_json(const Tags& tags) {
  json j = json::object();
  for (const auto& [key, value] : tags) j[from_bytes(key)] = from_bytes(value);
  return j.dump();
}

Result<Tags> parse_tags(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Error{"corrupt tags in the alert database", 0};
  Tags tags;
  for (const auto& [key, value] : j.items()) {
    if (value.is_string()) tags[to_bytes(key)] = to_bytes(value.get<std::string>());
  }
  return tags;
}

// The alert of a row whose first columns are "id, json".
Result<Alert> read_alert(const SqliteStatement& st) {
  auto alert = alert_from_json(st.text(1));
  if (!alert) return Error{"corrupt alert in the database: " + alert.error().message, 0};
  alert->id = st.int64(0);
  return alert;
}

// "tags matches every one of `want`", as SQL over a tags column, binding
// two parameters per tag from `index`.
std::string tags_condition(const char* column, size_t count, int index) {
  std::string sql;
  for (size_t i = 0; i < count; ++i, index += 2) {
    sql += " AND EXISTS (SELECT 1 FROM json_each(" + std::string(column) + ") WHERE key = ?" +
           std::to_string(index) + " AND value = ?" + std::to_string(index + 1) + ")";
  }
  return sql;
}

void bind_tags(SqliteStatement& st, const Tags& tags, int index) {
  for (const auto& [key, value] : tags) {
    st.bind(index++, from_bytes(key));
    st.bind(index++, from_bytes(value));
  }
}

}  // namespace

Result<std::unique_ptr<SqliteAlertStore>> SqliteAlertStore::open(const std::string& path,
                                                                 int busy_timeout_ms) {
  auto writer = SqliteDb::open(path);
  if (!writer) return writer.error();
  SqliteDb& db = **writer;
  const std::string timeout = std::to_string(busy_timeout_ms);
  if (Status s = db.exec("PRAGMA busy_timeout = " + timeout); !s) return s.error();
  auto mode = db.query_text("PRAGMA journal_mode = WAL");
  if (!mode) return mode.error();
  if (*mode != "wal") return Error{path + ": cannot switch to WAL mode (got " + *mode + ")", 0};
  // FULL: the WAL is fsynced at every commit, not only at checkpoints.
  if (Status s = db.exec("PRAGMA synchronous = FULL"); !s) return s.error();

  {
    // One transaction: two openers (or SqliteStore's) do not race, and an
    // interrupted creation leaves nothing behind.
    auto tx = SqliteTransaction::begin(db);
    if (!tx) return tx.error();
    if (Status s = db.exec("CREATE TABLE IF NOT EXISTS alert_schema(version INTEGER NOT NULL)");
        !s) {
      return s.error();
    }
    auto version_text = db.query_text("SELECT version FROM alert_schema");
    if (!version_text) return version_text.error();
    if (version_text->empty()) {
      if (Status s = db.exec(kSchema); !s) {
        return Error{path + ": alert schema: " + s.error().message, 0};
      }
      if (Status s = db.exec("INSERT INTO alert_schema(version) VALUES (" +
                             std::to_string(kSchemaVersion) + ")");
          !s) {
        return s.error();
      }
    } else if (*version_text != std::to_string(kSchemaVersion)) {
      // Upgrades go here when there is a version 2.
      return Error{path + ": alert schema version " + *version_text + ", this collector reads " +
                       std::to_string(kSchemaVersion),
                   0};
    }
    if (Status s = (*tx)->commit(); !s) return s.error();
  }

  auto reader = SqliteDb::open_reader(path, busy_timeout_ms);
  if (!reader) return reader.error();
  return std::unique_ptr<SqliteAlertStore>(
      new SqliteAlertStore(std::move(*writer), std::move(*reader)));
}

Result<RecordOutcome> SqliteAlertStore::record(const Alert& alert, uint64_t dedup_window_ns) {
  std::lock_guard lock(writer_mutex_);
  return record_locked(alert, dedup_window_ns);
}

Result<RecordOutcome> SqliteAlertStore::record_locked(const Alert& alert,
                                                      uint64_t dedup_window_ns) {
  SqliteDb& db = *writer_;
  auto tx = SqliteTransaction::begin(db);
  if (!tx) return tx.error();

  // Within the window on either side: a late batch may carry an older
  // occurrence.
  const uint64_t lo = alert.last_ns > dedup_window_ns ? alert.last_ns - dedup_window_ns : 0;
  const uint64_t hi = alert.last_ns + std::min(dedup_window_ns, UINT64_MAX - alert.last_ns);
  std::optional<Alert> open;
  {
    auto st = db.prepare(
        "SELECT id, json FROM alerts WHERE dedup_key = ?1 AND status = 'open' "
        "AND last_ns BETWEEN ?2 AND ?3 ORDER BY last_ns DESC LIMIT 1");
    if (!st) return st.error();
    st->bind(1, alert.dedup_key);
    st->bind(2, i64(lo));
    st->bind(3, i64(hi));
    auto row = st->step();
    if (!row) return row.error();
    if (*row) {
      auto stored = read_alert(*st);
      if (!stored) return stored.error();
      open = std::move(*stored);
    }
  }

  RecordOutcome outcome;
  if (open) {
    Alert& a = *open;
    a.count += alert.count;
    a.first_ns = std::min(a.first_ns, alert.first_ns);
    a.last_ns = std::max(a.last_ns, alert.last_ns);
    for (const std::string& e : alert.events) {
      if (a.events.size() >= kMaxAlertEvents) break;
      a.events.push_back(e);
    }
    auto st = db.prepare(
        "UPDATE alerts SET first_ns = ?2, last_ns = ?3, count = ?4, json = ?5 WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, i64(a.id));
    st->bind(2, i64(a.first_ns));
    st->bind(3, i64(a.last_ns));
    st->bind(4, i64(a.count));
    st->bind(5, alert_to_json(a));
    if (Status s = st->run(); !s) return s.error();
    outcome = {a.id, a.count, false};
  } else {
    Alert a = alert;
    a.status = AlertStatus::kOpen;
    a.closed_by.clear();
    a.close_note.clear();
    a.closed_ns = 0;
    if (a.events.size() > kMaxAlertEvents) a.events.resize(kMaxAlertEvents);
    {
      // The JSON is written once the id is known.
      auto st = db.prepare(
          "INSERT INTO alerts(dedup_key, rule_id, severity, sensor_id, status, first_ns, last_ns, "
          "count, tags, json) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8, '')");
      if (!st) return st.error();
      st->bind(1, a.dedup_key);
      st->bind(2, a.rule_id);
      st->bind(3, static_cast<int64_t>(a.severity));
      st->bind(4, a.sensor_id);
      st->bind(5, i64(a.first_ns));
      st->bind(6, i64(a.last_ns));
      st->bind(7, i64(a.count));
      st->bind(8, tags_json(a.tags));
      if (Status s = st->run(); !s) return s.error();
    }
    a.id = db.last_insert_rowid();
    auto st = db.prepare("UPDATE alerts SET json = ?2 WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, i64(a.id));
    st->bind(2, alert_to_json(a));
    if (Status s = st->run(); !s) return s.error();
    outcome = {a.id, a.count, true};
  }
  if (Status s = (*tx)->commit(); !s) return s.error();
  return outcome;
}

Result<std::vector<Alert>> SqliteAlertStore::alerts(const AlertFilter& filter) {
  // Parameters 1-8 are fixed; the tags follow, two each.
  std::string sql =
      "SELECT id, json FROM alerts WHERE (?1 = 0 OR id = ?1) AND (?2 = '' OR sensor_id = ?2) "
      "AND (?3 = '' OR rule_id = ?3) AND severity >= ?4 AND (?5 = '' OR status = ?5) "
      "AND last_ns >= ?6 AND (?7 = 0 OR first_ns < ?7)" +
      tags_condition("tags", filter.tags.size(), 9) + " ORDER BY last_ns DESC, id DESC LIMIT ?8";
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare(sql);
  if (!st) return st.error();
  st->bind(1, i64(filter.id));
  st->bind(2, filter.sensor_id);
  st->bind(3, filter.rule_id);
  st->bind(4, static_cast<int64_t>(filter.min_severity.value_or(Severity::kLow)));
  st->bind(5, filter.status ? alert_status_name(*filter.status) : "");
  st->bind(6, i64(filter.since_ns));
  st->bind(7, i64(filter.until_ns));
  st->bind(8, filter.limit == 0 ? int64_t{-1} : i64(filter.limit));  // -1: no limit
  bind_tags(*st, filter.tags, 9);
  std::vector<Alert> out;
  Status s = each_row(*st, [&]() -> Status {
    auto a = read_alert(*st);
    if (!a) return a.error();
    out.push_back(std::move(*a));
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Result<bool> SqliteAlertStore::set_status(uint64_t id, AlertStatus status, const std::string& by,
                                          const std::string& note, uint64_t now_ns) {
  std::lock_guard lock(writer_mutex_);
  return set_status_locked(id, status, by, note, now_ns);
}

Result<bool> SqliteAlertStore::set_status_locked(uint64_t id, AlertStatus status,
                                                 const std::string& by, const std::string& note,
                                                 uint64_t now_ns) {
  SqliteDb& db = *writer_;
  auto tx = SqliteTransaction::begin(db);
  if (!tx) return tx.error();
  Alert a;
  {
    auto st = db.prepare("SELECT id, json FROM alerts WHERE id = ?1");
    if (!st) return st.error();
    st->bind(1, i64(id));
    auto row = st->step();
    if (!row) return row.error();
    if (!*row) return false;
    auto stored = read_alert(*st);
    if (!stored) return stored.error();
    a = std::move(*stored);
  }
  // Reopening forgets who closed it: the alert is live again.
  a.status = status;
  const bool closed = status == AlertStatus::kClosed;
  a.closed_by = closed ? by : "";
  a.close_note = closed ? note : "";
  a.closed_ns = closed ? now_ns : 0;
  auto st = db.prepare("UPDATE alerts SET status = ?2, json = ?3 WHERE id = ?1");
  if (!st) return st.error();
  st->bind(1, i64(id));
  st->bind(2, alert_status_name(status));
  st->bind(3, alert_to_json(a));
  if (Status s = st->run(); !s) return s.error();
  if (Status s = (*tx)->commit(); !s) return s.error();
  return true;
}

Result<std::vector<RuleControl>> SqliteAlertStore::rule_controls() {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare(
      "SELECT rule_id, enabled, changed_by, reason, changed_ns FROM alert_rule_controls "
      "ORDER BY rule_id");
  if (!st) return st.error();
  std::vector<RuleControl> out;
  Status s = each_row(*st, [&]() -> Status {
    out.push_back({st->text(0), st->int64(1) != 0, st->text(2), st->text(3),
                   static_cast<uint64_t>(st->int64(4))});
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Status SqliteAlertStore::set_rule_control(const RuleControl& control) {
  std::lock_guard lock(writer_mutex_);
  auto st = writer_->prepare(
      "INSERT INTO alert_rule_controls(rule_id, enabled, changed_by, reason, changed_ns) "
      "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(rule_id) DO UPDATE SET enabled = excluded.enabled, "
      "changed_by = excluded.changed_by, reason = excluded.reason, "
      "changed_ns = excluded.changed_ns");
  if (!st) return st.error();
  st->bind(1, control.rule_id);
  st->bind(2, int64_t{control.enabled ? 1 : 0});
  st->bind(3, control.changed_by);
  st->bind(4, control.reason);
  st->bind(5, i64(control.changed_ns));
  return st->run();
}

Result<uint64_t> SqliteAlertStore::add_suppression(const Suppression& sup) {
  std::lock_guard lock(writer_mutex_);
  auto st = writer_->prepare(
      "INSERT INTO alert_suppressions(rule_id, sensor_id, tags, condition, reason, created_by, "
      "created_ns, expires_ns, hits) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)");
  if (!st) return st.error();
  st->bind(1, sup.rule_id);
  st->bind(2, sup.sensor_id);
  st->bind(3, tags_json(sup.tags));
  st->bind(4, sup.condition);
  st->bind(5, sup.reason);
  st->bind(6, sup.created_by);
  st->bind(7, i64(sup.created_ns));
  st->bind(8, i64(sup.expires_ns));
  if (Status s = st->run(); !s) return s.error();
  return static_cast<uint64_t>(writer_->last_insert_rowid());
}

Result<bool> SqliteAlertStore::remove_suppression(uint64_t id) {
  std::lock_guard lock(writer_mutex_);
  auto st = writer_->prepare("DELETE FROM alert_suppressions WHERE id = ?1");
  if (!st) return st.error();
  st->bind(1, i64(id));
  if (Status s = st->run(); !s) return s.error();
  return writer_->changes() > 0;
}

Result<std::vector<Suppression>> SqliteAlertStore::suppressions() {
  std::lock_guard lock(reader_mutex_);
  auto st = reader_->prepare(
      "SELECT id, rule_id, sensor_id, tags, condition, reason, created_by, created_ns, "
      "expires_ns, hits FROM alert_suppressions ORDER BY id");
  if (!st) return st.error();
  std::vector<Suppression> out;
  Status s = each_row(*st, [&]() -> Status {
    auto tags = parse_tags(st->text(3));
    if (!tags) return tags.error();
    Suppression& sup = out.emplace_back();
    sup.id = st->int64(0);
    sup.rule_id = st->text(1);
    sup.sensor_id = st->text(2);
    sup.tags = std::move(*tags);
    sup.condition = st->text(4);
    sup.reason = st->text(5);
    sup.created_by = st->text(6);
    sup.created_ns = st->int64(7);
    sup.expires_ns = st->int64(8);
    sup.hits = st->int64(9);
    return ok_status();
  });
  if (!s) return s.error();
  return out;
}

Status SqliteAlertStore::count_suppression_hits(uint64_t id, uint64_t hits) {
  std::lock_guard lock(writer_mutex_);
  auto st = writer_->prepare("UPDATE alert_suppressions SET hits = hits + ?2 WHERE id = ?1");
  if (!st) return st.error();
  st->bind(1, i64(id));
  st->bind(2, i64(hits));
  return st->run();
}

}  // namespace yagura::collector
