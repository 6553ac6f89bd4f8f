#include "sensor/pipeline/event_processor.h"

#include <fstream>
#include <iterator>

namespace yagura {

std::vector<std::string> read_proc_cmdline(uint32_t tgid) {
  std::ifstream in("/proc/" + std::to_string(tgid) + "/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> argv;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    argv.emplace_back(all, start, end - start);
    start = end + 1;
  }
  return argv;
}

EventProcessor::EventProcessor(RecordDecoder& decoder, ProcessTable& table, UserNames& names,
                               ExeHasher* hasher, EventSink& sink, EventProcessorOptions options)
    : decoder_(decoder),
      table_(table),
      names_(names),
      hasher_(hasher),
      sink_(sink),
      options_(std::move(options)) {
  if (!options_.read_cmdline) options_.read_cmdline = read_proc_cmdline;
}

void EventProcessor::on_record(std::span<const uint8_t> record, uint64_t now_ns) {
  ++stats_.records;
  auto decoded = decoder_.decode(record);
  if (!decoded) {
    ++stats_.decode_errors;
    last_decode_error_ = decoded.error().message;
    return;
  }
  Event& event = *decoded;
  if (event.snapshot) {
    // A process that ran before the sensor: its argv is in its own memory,
    // which BPF could not read; /proc has it.
    auto& exec = std::get<ExecEvent>(event.body);
    ++stats_.snapshot_processes;
    exec.argv = options_.read_cmdline(exec.task.key.tgid);
    exec.argc = static_cast<uint32_t>(exec.argv.size());
    exec.args_size = 0;
    for (const auto& a : exec.argv) exec.args_size += static_cast<uint32_t>(a.size() + 1);
    table_.seed(exec.task, exec.exe_path.value, exec.argv, exec.cwd.value);
  } else {
    update_table(event);
  }
  enrich(event);
  pending_.push_back(Pending{std::move(event)});
  if (std::holds_alternative<ExecEvent>(pending_.back().event.body))
    request_hash(pending_.back(), now_ns);
  while (pending_.size() > options_.max_pending) {
    ++stats_.hash_pending_forced;
    emit_front("pending limit");
  }
  release_ready(now_ns);
}

void EventProcessor::update_table(const Event& event) {
  std::visit(
      [&](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, ExecEvent>) table_.on_exec(e, event.ktime_ns);
        if constexpr (std::is_same_v<T, ForkEvent>) table_.on_fork(e, event.ktime_ns);
        if constexpr (std::is_same_v<T, ExitEvent>) table_.on_exit(e, event.ktime_ns);
        if constexpr (std::is_same_v<T, CredEvent>) table_.on_cred(e);
      },
      event.body);
}

void EventProcessor::enrich(Event& event) {
  const TaskInfo& task = event.task();
  Enrichment& en = event.enrichment;
  en.user_name = names_.user(task.creds.uid);
  en.euser_name = names_.user(task.creds.euid);
  en.group_name = names_.group(task.creds.gid);
  if (task.loginuid != kUnsetId) en.login_user_name = names_.user(task.loginuid);
  if (std::holds_alternative<ExecEvent>(event.body)) {
    Lineage lineage = table_.lineage(task.key);
    en.lineage = std::move(lineage.ancestors);
    en.lineage_complete = lineage.complete;
  }
}

void EventProcessor::request_hash(Pending& pending, uint64_t now_ns) {
  auto& exec = std::get<ExecEvent>(pending.event.body);
  if (!hasher_ || exec.no_exe) return;
  if (auto cached = hasher_->cached(exec.exe)) {
    if (cached->ok())
      pending.event.enrichment.exe_sha256 = cached->sha256_hex;
    else
      pending.event.enrichment.exe_hash_error = cached->error;
    return;
  }
  ExeHasher::Request req{next_request_id_++, exec.exe, exec.task.key.tgid, exec.exe_path.value};
  if (!hasher_->submit(req)) {
    ++stats_.hash_not_queued;
    pending.event.enrichment.exe_hash_error = "hasher busy";
    return;
  }
  ++stats_.hash_waits;
  pending.waiting = true;
  pending.request_id = req.request_id;
  pending.deadline_ns = now_ns + options_.hash_wait_ns;
  waiting_by_request_[req.request_id] = &pending;
}

void EventProcessor::tick(uint64_t now_ns) {
  release_ready(now_ns);
  if (now_ns >= next_expire_ns_) {
    table_.expire(now_ns);
    next_expire_ns_ = now_ns + options_.expire_interval_ns;
  }
}

void EventProcessor::release_ready(uint64_t now_ns) {
  ExeHasher::Completion done;
  while (hasher_ && hasher_->poll(done)) {
    auto it = waiting_by_request_.find(done.request_id);
    if (it == waiting_by_request_.end()) continue;  // released earlier without it
    Pending& p = *it->second;
    if (done.outcome.ok())
      p.event.enrichment.exe_sha256 = done.outcome.sha256_hex;
    else
      p.event.enrichment.exe_hash_error = done.outcome.error;
    p.waiting = false;
    waiting_by_request_.erase(it);
  }
  while (!pending_.empty()) {
    Pending& front = pending_.front();
    if (front.waiting && now_ns < front.deadline_ns) break;
    if (front.waiting) ++stats_.hash_wait_expired;
    emit_front("hash wait expired");
  }
}

void EventProcessor::emit_front(const char* missing_hash_reason) {
  Pending& front = pending_.front();
  if (front.waiting) {
    front.event.enrichment.exe_hash_error = missing_hash_reason;
    waiting_by_request_.erase(front.request_id);
  }
  sink_.write(front.event);
  ++stats_.events_out;
  pending_.pop_front();
}

void EventProcessor::flush() {
  release_ready(0);
  while (!pending_.empty()) emit_front("sensor stopping");
}

}  // namespace yagura
