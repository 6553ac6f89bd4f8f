// ProcessTable: every process the sensor knows, keyed by ProcessKey (tgid +
// start time, so a reused pid is a different process), and the parent chain
// (lineage) of each.
//
// Fed by the pipeline thread with decoded events in arrival order, which is
// not the order things happened: the ring buffer interleaves CPUs, so a
// child's exec can arrive before its fork and an exit before an exec. Every
// handler therefore creates the entry it needs if it is missing, and an event
// that arrives after a later one only fills the gaps that one left.
//
// Bounded: at most max_entries entries. When full, an insert evicts the least
// recently used entry, exited ones first (live ones are evicted only when no
// exited one is left). Exited entries are kept for exited_grace_ns so that
// late events and the lineage of their children still resolve; expire()
// removes them after that. Handlers are O(1), expire() O(1) per entry it
// removes, lineage() O(depth^2) with depth at most max_lineage_depth.
//
// tgids are the kernel's global (initial pid namespace) numbers, so two live
// processes never share one: when a new process shows up with a tgid held by
// a live entry, the older of the two has died (its exit event was lost or is
// still in flight) and is marked exited.
//
// Not thread-safe: one pipeline thread owns the table.
//
//   ProcessTable table;  // default Options
//   for (const auto& t : task_iterator_results) table.seed(t.task, t.exe, t.argv, t.cwd);
//   table.on_fork(fork, event.ktime_ns);
//   table.on_exec(exec, event.ktime_ns);
//   Lineage chain = table.lineage(exec.task.key);  // chain.ancestors[0] is the parent
//   if (event.owner_only) table.complete_task(event.task());
//   table.expire(now_boottime_ns);                 // periodically, e.g. once a second
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/event.h"

namespace yagura {

struct ProcessEntry {
  ProcessKey key;
  // Set by the fork, otherwise by the first event naming one: when a parent
  // dies the kernel reparents its children to a reaper, and later events name
  // the reaper, not the process that started them. Invalid for roots.
  ProcessKey parent;
  std::string exe_path;
  std::vector<std::string> argv;
  // The task as the last exec, cred change or first event described it
  // (comm, creds, namespaces, tty...): completes owner-only events, which
  // carry only the key and comm.
  TaskInfo task;
  std::string cwd;
  uint32_t exec_count = 0;     // execs seen; a seeded image counts none
  uint64_t exec_ktime_ns = 0;  // of the exec whose image is held, 0 if none
  bool exited = false;
  uint64_t exit_ktime_ns = 0;  // meaningful when exited
  // Table-wide sequence number of the last event applied to this entry (or
  // that forked a child from it). Live entries are evicted lowest first;
  // exited ones in the order they exited, since events arriving late for a
  // dead process are not use.
  uint64_t last_touched = 0;
};

struct Lineage {
  std::vector<Ancestor> ancestors;  // parent first
  // False when the walk stopped at an ancestor the table does not know (or at
  // a parent cycle, which only a corrupt record can make). True when it
  // reached a root (parent key invalid) or the depth limit.
  bool complete = true;
  bool truncated = false;  // the depth limit stopped the walk before a root
};

struct ProcessTableOptions {
  size_t max_entries = 32768;  // 0 is taken as 1
  uint64_t exited_grace_ns = 30'000'000'000;
  size_t max_lineage_depth = 16;
};

struct ProcessTableStats {
  size_t size = 0;         // entries held, exited ones included
  size_t exited = 0;       // of which exited
  uint64_t evictions = 0;  // removed to make room
  uint64_t expired = 0;    // removed by expire() after the grace window
  uint64_t forks = 0;
  uint64_t execs = 0;
  uint64_t exits = 0;
  uint64_t creds = 0;
  uint64_t unknown_parent_forks = 0;  // parent key valid but not in the table
  uint64_t exec_without_entry = 0;
  uint64_t exit_without_entry = 0;
  uint64_t cred_without_entry = 0;
  uint64_t pid_reuses = 0;     // entries marked exited because a newer process took the tgid
  uint64_t invalid_keys = 0;   // events and seeds dropped for a key with tgid 0
  uint64_t lineage_loops = 0;  // lineage() walks cut by a parent cycle
};

class ProcessTable {
 public:
  using Options = ProcessTableOptions;
  using Stats = ProcessTableStats;

  explicit ProcessTable(Options options = {});

  // A process already running at start-up, as read by the BPF task iterator.
  // Ignored when the key is already known: the ring buffer is read before the
  // iterator runs, and an entry made from an event is kept current by the
  // events that follow, while the snapshot may be older.
  void seed(const TaskInfo& task, std::string exe_path, std::vector<std::string> argv,
            std::string cwd);

  // The child takes the parent's exe, argv and cwd until it execs; its creds
  // and comm come from the event (the kernel copied them from the parent).
  // When the child is already known (a later event arrived first), only its
  // parent is set and a missing image filled in. ktime_ns is not needed: the
  // child's start time is in its key; it is taken for a uniform handler shape.
  void on_fork(const ForkEvent& fork, uint64_t ktime_ns);
  // Replaces exe, argv, cwd, creds and comm, unless a later exec already did.
  void on_exec(const ExecEvent& exec, uint64_t ktime_ns);
  // Marks the process exited at ktime_ns; it stays for the grace window.
  void on_exit(const ExitEvent& exit, uint64_t ktime_ns);
  // Takes the event's creds. It carries no time, so a cred event arriving
  // after a later exec replaces that exec's creds.
  void on_cred(const CredEvent& cred);

  // Removes exited entries whose grace window has passed: an entry that exited
  // at t is kept while now_ktime_ns < t + exited_grace_ns.
  void expire(uint64_t now_ktime_ns);

  // Ancestors of key, parent first, at most max_lineage_depth of them, each
  // at most once. Not complete when key itself is unknown.
  Lineage lineage(const ProcessKey& key) const;

  const ProcessEntry* find(const ProcessKey& key) const;
  // The live process holding tgid, if the table knows one.
  std::optional<ProcessKey> live_key(uint32_t tgid) const;
  // Completes a task that carries only its key, tid and comm (an owner-only
  // event) with the entry's parent, creds and the rest; keeps key, tid and
  // comm. False, leaving task as it is, when the key is unknown.
  bool complete_task(TaskInfo& task) const;
  Stats stats() const;
  // Every entry, live ones first (a forensic dump's process table).
  void for_each(const std::function<void(const ProcessEntry&)>& visit) const;

 private:
  // live_ in LRU order and exited_ in exit order, oldest first; splice moves
  // an entry between them in O(1) without invalidating index_'s iterators.
  using List = std::list<ProcessEntry>;
  using Iter = List::iterator;

  // A new entry from the event's task, exited at exit_ktime_ns if given. Also
  // settles a tgid shared with a live entry: whichever is older has exited.
  Iter create(const TaskInfo& task, std::optional<uint64_t> exit_ktime_ns);
  void make_room();
  void touch(Iter it);
  void touch_parent(const ProcessKey& parent);
  void mark_exited(Iter it, uint64_t ktime_ns);
  void release_tgid(const ProcessEntry& entry);
  void erase(Iter it);

  Options options_;
  List live_;
  List exited_;
  std::unordered_map<ProcessKey, Iter, ProcessKeyHash> index_;
  std::unordered_map<uint32_t, ProcessKey> live_by_tgid_;
  uint64_t touch_seq_ = 0;
  Stats stats_;
  mutable uint64_t lineage_loops_ = 0;  // counted by the const lineage()
};

}  // namespace yagura
