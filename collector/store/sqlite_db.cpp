#include "collector/store/sqlite_db.h"

#include <sqlite3.h>

namespace yagura::collector {

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_error_(other.bind_error_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void SqliteStatement::bind(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void SqliteStatement::bind_blob(int index, std::string_view bytes) {
  // A zero-length blob with a null pointer would bind NULL.
  static const char kEmpty = 0;
  int rc = sqlite3_bind_blob64(stmt_, index, bytes.empty() ? &kEmpty : bytes.data(), bytes.size(),
                               SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void SqliteStatement::bind_null(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Result<bool> SqliteStatement::step() {
  if (bind_error_ != 0) {
    return Error{std::string("sqlite bind: ") + sqlite3_errstr(bind_error_), 0};
  }
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error{std::string("sqlite: ") + sqlite3_errmsg(db_) + " (" + sqlite3_errstr(rc) + ")", 0};
}

Status SqliteStatement::run() {
  auto row = step();
  if (!row) return row.error();
  return ok_status();
}

int64_t SqliteStatement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::text(int column) const {
  // Blobs and text alike: the bytes exactly as stored.
  const void* data = sqlite3_column_blob(stmt_, column);
  int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message =
        "open " + path + ": " + (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return Error{message, 0};
  }
  sqlite3_extended_result_codes(db, 1);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db));
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteDb::exec(const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return ok_status();
  Error error{std::string("sqlite: ") + (message != nullptr ? message : sqlite3_errstr(rc)), 0};
  sqlite3_free(message);
  return error;
}

Result<SqliteStatement> SqliteDb::prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      return error("prepare");
    }
    it = statements_.emplace(sql, stmt).first;
  }
  return SqliteStatement(db_, it->second);
}

Result<std::string> SqliteDb::query_text(const std::string& sql) {
  auto st = prepare(sql);
  if (!st) return st.error();
  auto row = st->step();
  if (!row) return row.error();
  if (!*row) return std::string();
  return st->text(0);
}

int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }

int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

Error SqliteDb::error(const std::string& what) const {
  return Error{"sqlite " + what + ": " + sqlite3_errmsg(db_), 0};
}

Result<std::unique_ptr<SqliteTransaction>> SqliteTransaction::begin(SqliteDb& db) {
  if (Status s = db.exec("BEGIN IMMEDIATE"); !s) return s.error();
  return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db));
}

SqliteTransaction::~SqliteTransaction() {
  if (!done_) (void)db_.exec("ROLLBACK");
}

Status SqliteTransaction::commit() {
  Status s = db_.exec("COMMIT");
  // A failed COMMIT leaves the transaction open (SQLITE_BUSY) or already
  // rolled back; the destructor's ROLLBACK settles both.
  if (s) done_ = true;
  return s;
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::open_reader(const std::string& path,
                                                       int busy_timeout_ms) {
  auto reader = open(path);
  if (!reader) return reader.error();
  if (Status s = (*reader)->exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout_ms) +
                                 "; PRAGMA query_only = 1");
      !s) {
    return s.error();
  }
  return reader;
}

}  // namespace yagura::collector
