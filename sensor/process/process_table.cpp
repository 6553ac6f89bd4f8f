#include "sensor/process/process_table.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace yagura {

namespace {

// Only a corrupt record names a process as its own parent; keeping that link
// would make the entry its own ancestor.
ProcessKey parent_of(const TaskInfo& task) {
  return task.parent == task.key ? ProcessKey{} : task.parent;
}

}  // namespace

ProcessTable::ProcessTable(Options options) : options_(options) {
  // With no room at all, every insert would evict the entry it is making.
  options_.max_entries = std::max<size_t>(options_.max_entries, 1);
  // Rehashing a full-size table on the pipeline thread would stall it.
  index_.reserve(options_.max_entries);
}

void ProcessTable::seed(const TaskInfo& task, std::string exe_path, std::vector<std::string> argv,
                        std::string cwd) {
  if (!task.key.valid()) {
    ++stats_.invalid_keys;
    return;
  }
  if (index_.contains(task.key)) return;
  Iter it = create(task, std::nullopt);
  it->exe_path = std::move(exe_path);
  it->argv = std::move(argv);
  it->cwd = std::move(cwd);
}

void ProcessTable::on_fork(const ForkEvent& fork, uint64_t /*ktime_ns*/) {
  ++stats_.forks;
  const TaskInfo& child = fork.child;
  if (!child.key.valid()) {
    ++stats_.invalid_keys;
    return;
  }
  const ProcessKey parent_key = parent_of(child);
  if (parent_key.valid() && !index_.contains(parent_key)) ++stats_.unknown_parent_forks;

  Iter it;
  if (auto found = index_.find(child.key); found == index_.end()) {
    it = create(child, std::nullopt);
  } else {
    // An event that happened after the fork arrived first (or the seed raced
    // it). Its creds and comm are newer than the fork's; its parent may be a
    // reaper, while the fork names the process that started this one.
    it = found->second;
    if (parent_key.valid()) it->parent = parent_key;
    touch(it);
    touch_parent(parent_key);
  }

  if (it->exec_count == 0 && it->exe_path.empty()) {
    if (auto parent = index_.find(parent_key); parent != index_.end()) {
      it->exe_path = parent->second->exe_path;
      it->argv = parent->second->argv;
      it->cwd = parent->second->cwd;
    }
  }
}

void ProcessTable::on_exec(const ExecEvent& exec, uint64_t ktime_ns) {
  ++stats_.execs;
  const TaskInfo& task = exec.task;
  if (!task.key.valid()) {
    ++stats_.invalid_keys;
    return;
  }
  Iter it;
  if (auto found = index_.find(task.key); found == index_.end()) {
    // Started before the sensor and missed by the seed, or its fork is
    // still in flight on another CPU.
    ++stats_.exec_without_entry;
    it = create(task, std::nullopt);
  } else {
    it = found->second;
    if (!it->parent.valid()) it->parent = parent_of(task);
    touch(it);
  }
  ++it->exec_count;
  // Two execs of one process can arrive swapped; the later one's image wins.
  if (ktime_ns < it->exec_ktime_ns) return;
  it->exec_ktime_ns = ktime_ns;
  it->exe_path = exec.exe_path.value;
  it->argv = exec.argv;
  it->cwd = exec.cwd.value;
  it->task = task;
}

void ProcessTable::on_exit(const ExitEvent& exit, uint64_t ktime_ns) {
  ++stats_.exits;
  const TaskInfo& task = exit.task;
  if (!task.key.valid()) {
    ++stats_.invalid_keys;
    return;
  }
  auto found = index_.find(task.key);
  if (found == index_.end()) {
    // Kept as an exited entry so that its fork or exec, if still in flight,
    // lands on a dead process instead of making a live one that never exits.
    ++stats_.exit_without_entry;
    create(task, ktime_ns);
    return;
  }
  Iter it = found->second;
  if (!it->parent.valid()) it->parent = parent_of(task);
  mark_exited(it, ktime_ns);
  touch(it);
}

void ProcessTable::on_cred(const CredEvent& cred) {
  ++stats_.creds;
  const TaskInfo& task = cred.task;
  if (!task.key.valid()) {
    ++stats_.invalid_keys;
    return;
  }
  auto found = index_.find(task.key);
  if (found == index_.end()) {
    ++stats_.cred_without_entry;
    create(task, std::nullopt);  // takes the new creds from the task
    return;
  }
  Iter it = found->second;
  if (!it->parent.valid()) it->parent = parent_of(task);
  it->task = task;
  touch(it);
}

void ProcessTable::expire(uint64_t now_ktime_ns) {
  // exited_ is in the order exits arrived, which is ktime order give or take
  // the ring buffer's interleaving of CPUs: an entry queued behind a slightly
  // later exit goes at the next call after that one, not before.
  while (!exited_.empty()) {
    const uint64_t exited_at = exited_.front().exit_ktime_ns;
    if (now_ktime_ns < exited_at || now_ktime_ns - exited_at < options_.exited_grace_ns) break;
    erase(exited_.begin());
    ++stats_.expired;
  }
}

Lineage ProcessTable::lineage(const ProcessKey& key) const {
  Lineage out;
  auto self = index_.find(key);
  if (self == index_.end()) {
    out.complete = false;
    return out;
  }
  // Keys already on the chain. A cycle can only come from corrupt records,
  // and must end the walk rather than repeat entries up to the depth limit.
  std::vector<ProcessKey> seen{key};
  ProcessKey next = self->second->parent;
  while (next.valid()) {
    if (out.ancestors.size() >= options_.max_lineage_depth) {
      out.truncated = true;
      break;
    }
    if (std::find(seen.begin(), seen.end(), next) != seen.end()) {
      ++lineage_loops_;
      out.complete = false;
      break;
    }
    auto found = index_.find(next);
    if (found == index_.end()) {
      out.complete = false;
      break;
    }
    const ProcessEntry& entry = *found->second;
    out.ancestors.push_back(Ancestor{entry.key, entry.exe_path, entry.argv});
    seen.push_back(next);
    next = entry.parent;
  }
  return out;
}

const ProcessEntry* ProcessTable::find(const ProcessKey& key) const {
  auto found = index_.find(key);
  return found == index_.end() ? nullptr : &*found->second;
}

std::optional<ProcessKey> ProcessTable::live_key(uint32_t tgid) const {
  auto found = live_by_tgid_.find(tgid);
  if (found == live_by_tgid_.end()) return std::nullopt;
  return found->second;
}

bool ProcessTable::complete_task(TaskInfo& task) const {
  const ProcessEntry* entry = find(task.key);
  if (!entry) return false;
  // The event's own key, thread and comm (as recorded when the socket was
  // set up) stay; the rest comes from the table.
  TaskInfo full = entry->task;
  full.key = task.key;
  full.tid = task.tid;
  full.comm = std::move(task.comm);
  full.parent = entry->parent;
  task = std::move(full);
  return true;
}

void ProcessTable::for_each(const std::function<void(const ProcessEntry&)>& visit) const {
  for (const ProcessEntry& e : live_) visit(e);
  for (const ProcessEntry& e : exited_) visit(e);
}

ProcessTable::Stats ProcessTable::stats() const {
  Stats out = stats_;
  out.size = index_.size();
  out.exited = exited_.size();
  out.lineage_loops = lineage_loops_;
  return out;
}

ProcessTable::Iter ProcessTable::create(const TaskInfo& task,
                                        std::optional<uint64_t> exit_ktime_ns) {
  // Before making room, so that the parent is not the entry evicted for it.
  touch_parent(parent_of(task));
  make_room();
  std::optional<uint64_t> died = exit_ktime_ns;
  if (auto holder = live_by_tgid_.find(task.key.tgid); holder != live_by_tgid_.end()) {
    // Two processes with one tgid: the older died before the newer started,
    // so the newer's start time bounds the older's exit.
    ++stats_.pid_reuses;
    Iter other = index_.at(holder->second);
    if (other->key.start_ns < task.key.start_ns) {
      mark_exited(other, task.key.start_ns);
    } else if (!died) {
      died = other->key.start_ns;
    }
  }

  ProcessEntry entry;
  entry.key = task.key;
  entry.parent = parent_of(task);
  entry.task = task;
  entry.last_touched = ++touch_seq_;
  if (died) {
    entry.exited = true;
    entry.exit_ktime_ns = *died;
  }
  List& list = died ? exited_ : live_;
  list.push_back(std::move(entry));
  Iter it = std::prev(list.end());
  index_.emplace(it->key, it);
  if (!died) live_by_tgid_[it->key.tgid] = it->key;
  return it;
}

void ProcessTable::make_room() {
  while (index_.size() >= options_.max_entries) {
    erase(exited_.empty() ? live_.begin() : exited_.begin());
    ++stats_.evictions;
  }
}

void ProcessTable::touch(Iter it) {
  it->last_touched = ++touch_seq_;
  if (!it->exited) live_.splice(live_.end(), live_, it);
}

void ProcessTable::touch_parent(const ProcessKey& parent) {
  // A parent is used when it forks, even if it does nothing else: idle
  // daemons (sshd, systemd) are the ancestors lineage needs most.
  if (auto found = index_.find(parent); found != index_.end()) touch(found->second);
}

void ProcessTable::mark_exited(Iter it, uint64_t ktime_ns) {
  if (!it->exited) release_tgid(*it);
  // A repeated exit moves the entry to the back with its new time, keeping
  // exited_ in the order expire() relies on.
  exited_.splice(exited_.end(), it->exited ? exited_ : live_, it);
  it->exited = true;
  it->exit_ktime_ns = ktime_ns;
}

void ProcessTable::release_tgid(const ProcessEntry& entry) {
  auto holder = live_by_tgid_.find(entry.key.tgid);
  if (holder != live_by_tgid_.end() && holder->second == entry.key) live_by_tgid_.erase(holder);
}

void ProcessTable::erase(Iter it) {
  if (!it->exited) release_tgid(*it);
  List& list = it->exited ? exited_ : live_;
  index_.erase(it->key);
  list.erase(it);
}

}  // namespace yagura
