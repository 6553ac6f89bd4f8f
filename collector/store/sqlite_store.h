// The embedded EventStore: one SQLite file in WAL mode with
// synchronous=FULL, so a batch is on disk (the WAL fsynced) before
// store_batch() returns and an acknowledged batch survives a power loss.
//
// Two connections: one writes (ingest, policy pushes), one reads (queries,
// policy offers), each behind its own mutex, so a long CSIRT query does not
// hold up ingest: WAL lets the reader see the last commit while the writer
// appends. The schema is versioned (PRAGMA user_version), created on first
// open, upgraded in one transaction when older and refused when newer than
// this build.
//
// Delivered dumps are kept in the database itself, each as the zstd frame
// the sensor uploaded (a BLOB, at most the server's body limit), committed
// like a batch before the sensor is answered.
//
// Missing sequences are derived when asked, from the stored batches (holes
// between stored sequences, and from 1 to the first), and only for sensors
// whose counters (last_sequence > batches) or reported gaps say there is
// something to find.
//
//   auto store = SqliteStore::open("/var/lib/yagura-collector/events.db");
//   if (!store) die(store.error().message);
//   CollectorApi api(**store, config);
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "collector/store/event_store.h"
#include "collector/store/sqlite_db.h"

namespace yagura::collector {

struct SqliteStoreOptions {
  // How long a statement waits for a lock another process holds (a backup,
  // an operator's sqlite3 shell) before failing with "database is locked".
  int busy_timeout_ms = 5000;
};

class SqliteStore : public EventStore {
 public:
  static constexpr int kSchemaVersion = 2;  // 2: dump requests, hosts.dump_key

  // `path` is a file (created when missing): the reader connection must see
  // the writer's data, which ":memory:" would not share.
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   SqliteStoreOptions options = {});

  Result<StoreOutcome> store_batch(const IncomingBatch& batch) override;
  Result<bool> has_batch(const std::string& sensor_id, uint64_t sequence) override;
  Result<std::vector<HostRecord>> hosts() override;
  Result<std::optional<HostRecord>> host(const std::string& sensor_id) override;
  Result<std::vector<SensorGaps>> gaps(const std::string& sensor_id) override;
  Result<std::vector<StoredEvent>> host_events(const EventRangeQuery& query) override;
  Result<std::vector<StoredEvent>> process_events(const ProcessQuery& query) override;
  Result<std::vector<ChildProcess>> process_children(const ProcessQuery& query) override;
  Result<std::vector<HostActivity>> hosts_with(ActivityKey key, const std::string& value) override;
  Result<bool> add_policy(const PolicyRecord& policy) override;
  Result<std::vector<PolicyRecord>> policies() override;
  Result<std::optional<PolicyRecord>> policy(uint64_t version) override;
  Result<uint64_t> add_dump_request(const DumpRecord& request) override;
  Result<std::vector<DumpRecord>> pending_dump_requests(const std::string& sensor_id,
                                                        size_t limit) override;
  Result<std::vector<DumpRecord>> dump_requests(const DumpFilter& filter) override;
  Result<bool> complete_dump(const DumpCompletion& completion) override;
  Result<std::optional<std::string>> dump_file(uint64_t id) override;

 private:
  SqliteStore(std::unique_ptr<SqliteDb> writer, std::unique_ptr<SqliteDb> reader)
      : writer_(std::move(writer)), reader_(std::move(reader)) {}

  Result<StoreOutcome> store_batch_locked(const IncomingBatch& batch);
  Result<SensorGaps> sensor_gaps_locked(const std::string& sensor_id);

  std::mutex writer_mutex_;
  std::unique_ptr<SqliteDb> writer_;
  std::mutex reader_mutex_;
  std::unique_ptr<SqliteDb> reader_;
};

}  // namespace yagura::collector
