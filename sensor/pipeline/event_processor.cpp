#include "sensor/pipeline/event_processor.h"

#include <fstream>
#include <iterator>

#include "sensor/decode/dns_message.h"

namespace yagura {

namespace {

// The inode number of the initial pid namespace (PROC_PID_INIT_INO). A pid a
// process passes to a syscall is in its own namespace; the table holds the
// initial namespace's.
constexpr uint32_t kInitPidNs = 0xeffffffc;

}  // namespace

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
      options_(std::move(options)),
      dns_names_(options_.dns_names_max_addresses) {
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
  if (outside_watched_paths(event)) {
    ++stats_.unwatched_after_normalizing;
    return;
  }
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

bool EventProcessor::outside_watched_paths(const Event& event) const {
  const auto* f = std::get_if<FileEvent>(&event.body);
  if (!f || !f->unnormalized || !options_.watched_path) return false;
  return !options_.watched_path(f->path.value) && !options_.watched_path(f->source_path.value);
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
  Enrichment& en = event.enrichment;
  if (event.owner_only) {
    en.task_completed = table_.complete_task(event.task());
    if (!en.task_completed) ++stats_.owner_unknown;
  }
  const TaskInfo& task = event.task();
  // An owner-only task the table did not know has no ids: zeros, not root.
  if (!event.owner_only || en.task_completed) {
    en.user_name = names_.user(task.creds.uid);
    en.euser_name = names_.user(task.creds.euid);
    en.group_name = names_.group(task.creds.gid);
    if (task.loginuid != kUnsetId) en.login_user_name = names_.user(task.loginuid);
  }
  // Every type gets the lineage, so that a policy can judge a connection or
  // a file write by who started the process. On fork the table already holds
  // the child with the forking process as its parent (update_table ran), so
  // the lineage starts at the forker.
  Lineage lineage = table_.lineage(task.key);
  en.lineage = std::move(lineage.ancestors);
  en.lineage_complete = lineage.complete;
  if (!std::holds_alternative<ExecEvent>(event.body)) {
    if (const ProcessEntry* entry = table_.find(task.key); entry && !entry->exe_path.empty())
      en.image = ProcessImage{entry->exe_path, entry->argv, entry->cwd};
  }
  if (auto* dns = std::get_if<DnsEvent>(&event.body)) parse_dns(*dns, event.ktime_ns);
  if (const auto* net = std::get_if<NetEvent>(&event.body)) {
    en.destination_domains = destination_domains(*net, event.ktime_ns);
  }
  if (const auto* tamper = std::get_if<TamperEvent>(&event.body)) en.target = target_of(*tamper);
}

void EventProcessor::parse_dns(DnsEvent& dns, uint64_t ktime_ns) {
  const auto payload =
      std::span(reinterpret_cast<const uint8_t*>(dns.payload.data()), dns.payload.size());
  auto message = parse_dns_message(payload, dns.message_bytes);
  if (!message) {
    // Written all the same: a packet to port 53 that is not DNS is news.
    ++stats_.dns_malformed;
    dns.malformed = true;
    dns.error = message.error().message;
    return;
  }
  dns.id = message->id;
  dns.rcode = message->rcode;
  for (const auto& q : message->questions) dns.questions.push_back({q.name, q.type});
  for (const auto& a : message->answers) dns.answers.push_back({a.name, a.type, a.ttl, a.data});
  // Only what arrived at a socket that asked: a query leaving this host
  // carries no answers a program acts on.
  if (dns.direction == DnsDirection::kAnswer) dns_names_.learn(*message, ktime_ns);
}

std::vector<std::string> EventProcessor::destination_domains(const NetEvent& net,
                                                             uint64_t ktime_ns) {
  if (!net.initiated() || net.family == NetFamily::kUnix) return {};
  const IpAddress& ip = net.remote.ip;
  const size_t size = ip.family == IpAddress::Family::kIpv4 ? 4 : 16;
  return dns_names_.names_for(address_text(std::span(ip.bytes.data(), size)), ktime_ns);
}

std::optional<TargetProcess> EventProcessor::target_of(const TamperEvent& tamper) {
  TargetProcess target;
  if (tamper.op == TamperOp::kKill) {
    // The kernel named the receiver by its key, in the initial namespace.
    target.key = tamper.kill_target;
    target.user_name = names_.user(tamper.kill_target_uid);
  } else if (const uint32_t pid = tamper.target_pid(); pid != 0) {
    if (tamper.task.pid_ns == kInitPidNs) target.key = table_.live_key(pid).value_or(ProcessKey{});
  } else {
    return std::nullopt;
  }
  if (const ProcessEntry* entry = table_.find(target.key)) target.exe_path = entry->exe_path;
  return target;
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

uint64_t EventProcessor::next_deadline_ns() const {
  // release_ready() stops only at a front that waits for its hash, and
  // deadlines grow in arrival order: the front's comes first.
  if (pending_.empty()) return UINT64_MAX;
  const Pending& front = pending_.front();
  return front.waiting ? front.deadline_ns : 0;
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
