// The processing stage: decodes kernel records, keeps the process table,
// enriches events (user names, lineage, executable hash) and hands them, in
// arrival order, to a sink.
//
// Start-up snapshot records (processes already running) seed the table and
// are written too, flagged as snapshots.
//
// Every event gets the lineage of its process (parent first) from the
// table; events other than exec also get the acting process's image (exe,
// argv, cwd): that is what attributes a connection or a file write to a
// program, and the lineage to what started it. Owner-only events (TCP
// connect results and closes, DNS answers), whose task holds only key, tid
// and comm, get the rest of it from the table when it knows the process.
// DNS payloads are parsed here, once, into the event; answers feed a
// DnsNames cache, which names the destination of later outbound connections
// (connect, udp_send).
// Tamper events with a target process get its key and image.
//
// Hashes are computed by ExeHasher on its own thread. An exec whose hash is
// not cached waits for it, at most hash_wait_ns; events behind it wait too,
// so the output keeps arrival order. max_pending bounds that wait in
// events: past it the oldest is released without its hash (and says so).
//
//   EventProcessor proc(decoder, table, names, &hasher, sink, options);
//   proc.on_record(bytes, now);   // per record from the RecordQueue
//   proc.tick(now);               // when idle: completions, deadlines
//   // idle until proc.next_deadline_ns(), or sooner if proc.hash_finished()
//   proc.flush();                 // at shutdown: release everything
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event.h"
#include "sensor/decode/record_decoder.h"
#include "sensor/enrich/dns_names.h"
#include "sensor/enrich/exe_hasher.h"
#include "sensor/enrich/user_names.h"
#include "sensor/process/process_table.h"

namespace yagura {

class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void write(const Event& event) = 0;
};

struct EventProcessorOptions {
  uint64_t hash_wait_ns = 2'000'000'000;
  size_t max_pending = 4096;
  uint64_t expire_interval_ns = 1'000'000'000;
  // argv of processes found by the start-up snapshot (their memory is not
  // readable from BPF): /proc/<pid>/cmdline by default.
  std::function<std::vector<std::string>(uint32_t tgid)> read_cmdline;
  size_t dns_names_max_addresses = 4096;
  // The watched-prefix test for file events whose names needed normalizing
  // (the kernel judged the raw text): those whose normalized names are not
  // watched are dropped and counted. Unset: all are kept.
  std::function<bool(std::string_view path)> watched_path;
};

struct EventProcessorStats {
  uint64_t records = 0;
  uint64_t decode_errors = 0;
  uint64_t snapshot_processes = 0;
  uint64_t events_out = 0;
  uint64_t hash_waits = 0;           // execs that waited for their hash
  uint64_t hash_wait_expired = 0;    // released because hash_wait_ns passed
  uint64_t hash_pending_forced = 0;  // released because max_pending was reached
  uint64_t hash_not_queued = 0;      // hasher queue full: sent without a hash
  uint64_t owner_unknown = 0;        // owner-only events the table could not complete
  uint64_t dns_malformed = 0;        // DNS payloads the parser rejected (still written)
  uint64_t unwatched_after_normalizing = 0;  // file events dropped by watched_path
};

std::vector<std::string> read_proc_cmdline(uint32_t tgid);

class EventProcessor {
 public:
  EventProcessor(RecordDecoder& decoder, ProcessTable& table, UserNames& names, ExeHasher* hasher,
                 EventSink& sink, EventProcessorOptions options = {});

  void on_record(std::span<const uint8_t> record, uint64_t now_ns);
  void tick(uint64_t now_ns);
  void flush();
  // Some exec is waiting for its hash.
  bool waiting_for_hashes() const { return !waiting_by_request_.empty(); }
  // When the clock next gives tick() work: the oldest pending event's hash
  // wait ends; UINT64_MAX for never. Expiring the table has no deadline:
  // it only frees memory, and runs at whatever tick comes next.
  uint64_t next_deadline_ns() const;
  // A finished hash waits for tick(): work before the deadline.
  bool hash_finished() const { return hasher_ && hasher_->has_completions(); }

  const EventProcessorStats& stats() const { return stats_; }
  const std::string& last_decode_error() const { return last_decode_error_; }

 private:
  struct Pending {
    Event event;
    uint64_t deadline_ns = 0;
    uint64_t request_id = 0;
    bool waiting = false;  // for a hash completion
  };

  bool outside_watched_paths(const Event& event) const;
  void update_table(const Event& event);
  void enrich(Event& event);
  void parse_dns(DnsEvent& dns, uint64_t ktime_ns);
  std::vector<std::string> destination_domains(const NetEvent& net, uint64_t ktime_ns);
  std::optional<TargetProcess> target_of(const TamperEvent& tamper);
  void request_hash(Pending& pending, uint64_t now_ns);
  void release_ready(uint64_t now_ns);
  void emit_front(const char* missing_hash_reason);

  RecordDecoder& decoder_;
  ProcessTable& table_;
  UserNames& names_;
  ExeHasher* hasher_;
  EventSink& sink_;
  EventProcessorOptions options_;
  DnsNames dns_names_;
  std::deque<Pending> pending_;  // references stay valid across push_back/pop_front
  std::unordered_map<uint64_t, Pending*> waiting_by_request_;
  uint64_t next_request_id_ = 1;
  uint64_t next_expire_ns_ = 0;
  EventProcessorStats stats_;
  std::string last_decode_error_;
};

}  // namespace yagura
