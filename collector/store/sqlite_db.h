// Thin RAII over the SQLite C API, so the store reads as SQL and not as
// handle juggling: a connection that caches its prepared statements, a
// statement handle that binds, steps and reads columns, and a transaction
// that rolls back unless committed. Every failure becomes an Error carrying
// SQLite's own message. Not thread-safe: the owner serializes each
// connection (SqliteStore holds a mutex per connection).
//
//   auto db = SqliteDb::open(path);
//   auto st = db->prepare("SELECT hostname FROM hosts WHERE sensor_id = ?");
//   if (!st) return st.error();
//   st->bind(1, sensor_id);
//   for (auto row = st->step(); ; row = st->step()) {
//     if (!row) return row.error();
//     if (!*row) break;
//     names.push_back(st->text(0));
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace yagura::collector {

// A prepared statement borrowed from its connection's cache; reset and
// cleared when it goes out of scope, ready for the next user.
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  ~SqliteStatement();

  // Parameters are 1-based. A failed bind is kept and returned by step().
  void bind(int index, int64_t value);
  void bind(int index, std::string_view text);  // copied; bytes kept exactly
  void bind_blob(int index, std::string_view bytes);
  void bind_null(int index);

  // true: a row is ready; false: done.
  Result<bool> step();
  // Runs a statement that returns no row.
  Status run();

  // Columns are 0-based; NULL reads as 0 or "".
  int64_t int64(int column) const;
  std::string text(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = 0;
};

class SqliteDb {
 public:
  // Opens (creating when missing) the database at `path`, read-write.
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path);
  // A connection for queries only, so a long one never holds up writers.
  static Result<std::unique_ptr<SqliteDb>> open_reader(const std::string& path,
                                                       int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // One or more statements that return no rows (schema, pragmas).
  Status exec(const std::string& sql);
  // The statement for `sql`, prepared once per connection.
  Result<SqliteStatement> prepare(const std::string& sql);
  // The single value of a pragma or one-value query, as text.
  Result<std::string> query_text(const std::string& sql);

  int64_t changes() const;
  int64_t last_insert_rowid() const;
  Error error(const std::string& what) const;  // "what: <sqlite message>"

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE on construction (the write lock is taken up front, so a
// busy database fails here rather than halfway through); ROLLBACK on
// destruction unless commit() succeeded.
class SqliteTransaction {
 public:
  static Result<std::unique_ptr<SqliteTransaction>> begin(SqliteDb& db);
  ~SqliteTransaction();
  Status commit();

 private:
  explicit SqliteTransaction(SqliteDb& db) : db_(db) {}
  SqliteDb& db_;
  bool done_ = false;
};

// Steps through every row of `st`, calling `row()` for each; stops at the
// first error, SQLite's or the row's.
template <typename F>
Status each_row(SqliteStatement& st, F&& row) {
  for (;;) {
    auto more = st.step();
    if (!more) return more.error();
    if (!*more) return ok_status();
    if (Status s = row(); !s) return s;
  }
}

}  // namespace yagura::collector
