#include "collector/detect/detection_engine.h"

#include <cerrno>
#include <algorithm>
#include <chrono>

namespace yagura::collector {
namespace {

std::string first_value(policy::MatchState& state, const std::vector<uint32_t>& slots) {
  for (uint32_t slot : slots) {
    const std::vector<std::string>& values = state.values(slot);
    if (!values.empty()) return values.front();
  }
  return {};
}

bool is_sensor_detector(const DetectionRule& rule) {
  return rule.detector == DetectorKind::kSensorSilent || rule.detector == DetectorKind::kSensorGap ||
         rule.detector == DetectorKind::kPolicyChange;
}

// "10.0.0.9:443", "[fd00::1]:443"; "" when the event has no destination.
std::string destination_of(const nlohmann::json& event) {
  auto n = event.find("network");
  if (n == event.end() || !n->is_object()) return {};
  auto d = n->find("destination");
  if (d == n->end()) return {};
  const std::string ip = json_string(*d, "ip");
  if (ip.empty()) return {};
  const std::string port = std::to_string(json_unsigned(*d, "port").value_or(0));
  return (ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + port;
}

// A store that cannot answer: EIO, which the API answers 503 (the CSIRT's
// request was fine; try again).
Error store_error(const Error& e) { return Error{"alert store: " + e.message, EIO}; }

}  // namespace

DetectionEngine::HostState::HostState(const DetectionRules& rules,
                                      const DetectionSettings& settings)
    : processes(settings.max_processes_per_host) {
  for (const DetectionRule& rule : rules.rules) {
    sequences.push_back(rule.kind == RuleKind::kSequence
                            ? std::make_unique<SequenceTracker>(rule, settings.max_partials_per_step)
                            : nullptr);
    beacons.push_back(rule.detector == DetectorKind::kBeacon
                          ? std::make_unique<BeaconTracker>(rule.params, settings.max_series_per_host)
                          : nullptr);
  }
}

DetectionEngine::DetectionEngine(std::shared_ptr<const DetectionRules> rules, EventStore& events,
                                 AlertStore& alerts, AlertSink sink, DetectionSettings settings,
                                 NowFn now)
    : events_(events),
      alerts_(alerts),
      sink_(std::move(sink)),
      settings_(settings),
      now_(std::move(now)) {
  replace_rules(std::move(rules));
}

DetectionEngine::~DetectionEngine() { stop(); }

void DetectionEngine::replace_rules(std::shared_ptr<const DetectionRules> rules) {
  std::lock_guard lock(mutex_);
  // What the old rules were holding is analysed by them first.
  for (auto& [id, host] : hosts_) release_host(*host, UINT64_MAX);
  rules_ = std::move(rules);
  match_ = std::make_unique<policy::MatchState>(rules_->program);
  hosts_.clear();
  rarity_.clear();
  for (const DetectionRule& rule : rules_->rules)
    rarity_.push_back(rule.detector == DetectorKind::kRareDestination
                          ? std::make_unique<DestinationRarity>(events_, rule.params)
                          : nullptr);
  // A store that cannot answer now leaves no suppression until start().
  if (!reload_suppressions()) {
    auto none = SuppressionSet::compile({}, *rules_);
    suppressions_ = std::move(*none);
  }
}

Status DetectionEngine::start() {
  {
    std::lock_guard lock(mutex_);
    auto controls = alerts_.rule_controls();
    if (!controls) return controls.error();
    for (const RuleControl& c : *controls)
      if (!c.enabled) disabled_.insert(c.rule_id);
    if (Status s = reload_suppressions(); !s) return s;
    auto hosts = events_.hosts();
    if (!hosts) return hosts.error();
    sensors_.seed(*hosts);
  }
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void DetectionEngine::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DetectionEngine::submit(const IncomingBatch& batch) {
  std::unique_lock lock(queue_mutex_);
  queue_changed_.wait(lock, [&] { return stopping_ || queue_.size() < settings_.queue_batches; });
  if (stopping_) {
    ++refused_after_stop_;
    return;
  }
  queue_.push_back(batch);
  queue_changed_.notify_all();
}

void DetectionEngine::run() {
  uint64_t next_tick = now_() + settings_.tick_interval_ns;
  for (;;) {
    std::unique_lock lock(queue_mutex_);
    // Held events are released on time (a tenth of the hold at most late).
    const uint64_t wait = settings_.reorder_ns
                              ? std::min(settings_.tick_interval_ns, settings_.reorder_ns / 10 + 1)
                              : settings_.tick_interval_ns;
    queue_changed_.wait_for(lock, std::chrono::nanoseconds(wait),
                            [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty() && stopping_) {
      lock.unlock();
      release(UINT64_MAX);
      return;
    }
    if (!queue_.empty()) {
      IncomingBatch batch = std::move(queue_.front());
      queue_.pop_front();
      queue_changed_.notify_all();
      lock.unlock();
      process(batch);
    } else {
      lock.unlock();
    }
    release(now_());
    if (const uint64_t now = now_(); now >= next_tick) {
      tick(now);
      next_tick = now + settings_.tick_interval_ns;
    }
  }
}

DetectionEngine::HostState& DetectionEngine::host_state(const IncomingBatch& batch) {
  std::unique_ptr<HostState>& h = hosts_[batch.sensor_id];
  // Keys and boot times start again with a new boot: the old boot's events
  // go first.
  if (h && h->boot_id != batch.host.boot_id) release_host(*h, UINT64_MAX);
  if (!h || h->boot_id != batch.host.boot_id) {
    h = std::make_unique<HostState>(*rules_, settings_);
    h->boot_id = batch.host.boot_id;
  }
  return *h;
}

void DetectionEngine::process(const IncomingBatch& batch) {
  std::lock_guard lock(mutex_);
  ++stats_.batches;
  process_sensor_findings(sensors_.on_batch(batch));
  HostState& host = host_state(batch);
  host.sensor_id = batch.sensor_id;
  host.info = batch.host;
  const uint64_t now = now_();
  for (const EventRecord& record : batch.events) {
    ++stats_.events;
    host.held.push(HeldEvent{++arrivals_, now + settings_.reorder_ns, record});
  }
  release_host(host, now);
}

void DetectionEngine::release(uint64_t now_ns) {
  std::lock_guard lock(mutex_);
  for (auto& [id, host] : hosts_) release_host(*host, now_ns);
}

void DetectionEngine::release_host(HostState& host, uint64_t now_ns) {
  while (!host.held.empty() && (host.held.top().release_ns <= now_ns ||
                                host.held.size() > settings_.max_held_per_host)) {
    // The record moves out before pop() destroys the heap's copy.
    EventRecord record = std::move(const_cast<HeldEvent&>(host.held.top()).record);
    host.held.pop();
    auto view = EventView::parse(record);
    if (!view) {
      ++stats_.unreadable_events;
      continue;
    }
    process_event(host, *view);
  }
}

void DetectionEngine::tick(uint64_t now_ns) {
  std::lock_guard lock(mutex_);
  for (const DetectionRule& rule : rules_->rules) {
    if (rule.detector != DetectorKind::kSensorSilent || disabled_.count(rule.id)) continue;
    process_sensor_findings(sensors_.on_tick(now_ns, rule.params.silent_after_ns));
    return;
  }
}

void DetectionEngine::process_event(HostState& host, const EventView& event) {
  if (event.uid() && !event.process_key().empty()) {
    const std::string& exe = event.lineage().empty() ? std::string() : event.lineage().front().exe;
    host.processes.put(event.process_key(), ProcessFacts{*event.uid(), exe});
  }
  match_->begin(event.fields());
  const uint32_t type = event.type_bit();
  for (size_t i = 0; i < rules_->rules.size(); ++i) {
    const DetectionRule& rule = rules_->rules[i];
    if (disabled_.count(rule.id) || is_sensor_detector(rule)) continue;
    Finding finding;
    if (rule.kind == RuleKind::kSequence) {
      std::vector<bool> matched(rule.steps.size());
      std::vector<std::string> keys(rule.steps.size());
      bool any = false;
      for (size_t s = 0; s < rule.steps.size(); ++s) {
        const CompiledStep& step = rule.steps[s];
        matched[s] = (step.types & type) && (!step.when || match_->holds(*step.when));
        if (matched[s]) keys[s] = first_value(*match_, step.key_slots);
        any |= matched[s];
      }
      if (!any) continue;
      auto done = host.sequences[i]->offer(event, matched, keys);
      if (!done) continue;
      finding.events = std::move(done->events);
    } else {
      if (!(rule.types & type) || (rule.when && !match_->holds(*rule.when))) continue;
      if (rule.kind == RuleKind::kDetector) {
        finding.sensor_id = host.sensor_id;
        finding.host = host.info;
        if (!run_detector(rule, i, host, event, finding)) continue;
      }
      finding.events = {event.record().json};
    }
    for (uint32_t slot : rule.group_slots) finding.group_value += first_value(*match_, {slot}) + '|';
    finding.rule = &rule;
    finding.sensor_id = host.sensor_id;
    finding.host = host.info;
    finding.time_ns = event.time_ns();
    finding.lineage = event.lineage();
    raise(std::move(finding), &event);
  }
}

bool DetectionEngine::run_detector(const DetectionRule& rule, size_t index, HostState& host,
                                   const EventView& event, Finding& finding) {
  const nlohmann::json& doc = event.document();
  switch (*rule.detector) {
    case DetectorKind::kBeacon: {
      const std::string destination = destination_of(doc);
      if (destination.empty()) return false;
      auto period = host.beacons[index]->offer(event.process_key(), destination, event.ktime_ns());
      if (!period) return false;
      finding.summary = "it connects to " + destination + " every " +
                        std::to_string((*period + 500'000'000) / 1'000'000'000) + " s (" +
                        std::to_string(rule.params.min_connections) + " connections in a row)";
      finding.group_value = destination;
      return true;
    }
    case DetectorKind::kRareDestination: {
      auto n = doc.find("network");
      if (n == doc.end()) return false;
      auto d = n->find("destination");
      if (d == n->end()) return false;
      std::string value = json_string(*d, "ip");
      ActivityKey kind = ActivityKey::kRemoteIp;
      if (auto domains = d->find("domain"); domains != d->end() && domains->is_array() &&
                                            !domains->empty() && (*domains)[0].is_string()) {
        value = (*domains)[0].get<std::string>();
        kind = ActivityKey::kDomain;
      }
      if (value.empty()) return false;
      auto first = rarity_[index]->first_contact(kind, value, event.time_ns(), now_());
      if (!first || !*first) return false;
      finding.summary = "no host of the fleet had contacted " + value + " before";
      finding.group_value = value;
      return true;
    }
    case DetectorKind::kCrossUserPtrace: {
      auto t = doc.find("tamper");
      if (t == doc.end() || !event.uid()) return false;
      const std::string target_key = json_string(t->value("target", nlohmann::json()), "key");
      const ProcessFacts* target = host.processes.find(target_key);
      if (!target || target->uid == *event.uid()) return false;
      finding.summary = "the target runs as uid " + std::to_string(target->uid) +
                        ", the tracer as uid " + std::to_string(*event.uid());
      finding.group_value = target_key;
      return true;
    }
    case DetectorKind::kSensorSilent:
    case DetectorKind::kSensorGap:
    case DetectorKind::kPolicyChange:
      return false;
  }
  return false;
}

void DetectionEngine::process_sensor_findings(const std::vector<SensorFinding>& findings) {
  for (const SensorFinding& f : findings) {
    if (f.kind == DetectorKind::kPolicyChange) {
      // A policy the CSIRT pushed through this collector is expected.
      auto pushed = events_.policies();
      bool distributed = false;
      if (pushed)
        for (const PolicyRecord& p : *pushed) distributed |= p.sha256 == f.policy_sha256;
      if (distributed) continue;
    }
    for (const DetectionRule& rule : rules_->rules) {
      if (rule.detector != f.kind || disabled_.count(rule.id)) continue;
      raise(Finding{&rule, f.sensor_id, f.host, f.time_ns, {}, {}, f.summary, f.detail}, nullptr);
    }
  }
}

void DetectionEngine::raise(Finding finding, const EventView* event) {
  const DetectionRule& rule = *finding.rule;
  if (event)
    for (uint32_t node : rule.except)
      if (match_->holds(node)) return;
  RuleCounters& counters = counters_[rule.id];
  ++counters.matched;
  const uint64_t now = now_();
  if (const uint64_t id = suppressions_->match(rule.id, finding.sensor_id, finding.host.tags,
                                               event ? &event->fields() : nullptr, now)) {
    ++counters.suppressed;
    ++stats_.suppressed;
    (void)alerts_.count_suppression_hits(id, 1);
    return;
  }
  Alert alert = build_alert(finding, rules_->tree_roots, now, &events_);
  auto outcome = alerts_.record(alert, settings_.dedup_window_ns);
  if (!outcome) {
    ++stats_.store_errors;
    return;
  }
  ++counters.raised;
  if (!outcome->created) {
    ++stats_.alerts_repeated;
    return;
  }
  ++stats_.alerts_new;
  alert.id = outcome->id;
  alert.count = outcome->count;
  if (sink_) sink_(alert);
}

Status DetectionEngine::reload_suppressions() {
  auto list = alerts_.suppressions();
  if (!list) return list.error();
  // One that no longer compiles (its rule was removed) must not disable the
  // others.
  std::vector<Suppression> usable;
  for (const Suppression& s : *list)
    if (SuppressionSet::compile({s}, *rules_)) usable.push_back(s);
  auto set = SuppressionSet::compile(usable, *rules_);
  if (!set) return set.error();
  suppressions_ = std::move(*set);
  return ok_status();
}

DetectionStats DetectionEngine::stats() const {
  uint64_t refused = 0;
  {
    std::lock_guard queue_lock(queue_mutex_);
    refused = refused_after_stop_;
  }
  std::lock_guard lock(mutex_);
  DetectionStats s = stats_;
  s.refused_after_stop = refused;
  s.hosts = hosts_.size();
  for (const auto& [id, h] : hosts_) {
    s.processes += h->processes.size();
    s.evicted += h->processes.evicted();
    for (const auto& t : h->sequences)
      if (t) s.evicted += t->evicted();
    for (const auto& b : h->beacons)
      if (b) s.evicted += b->evicted();
  }
  return s;
}

std::vector<DetectionRuleInfo> DetectionEngine::rules() const {
  std::lock_guard lock(mutex_);
  std::vector<DetectionRuleInfo> out;
  for (const DetectionRule& r : rules_->rules) {
    DetectionRuleInfo info{r.id, r.title, r.description, r.severity, r.attack,
                           rule_kind_name(r.kind), disabled_.count(r.id) == 0, 0, 0, 0};
    if (auto it = counters_.find(r.id); it != counters_.end()) {
      info.matched = it->second.matched;
      info.raised = it->second.raised;
      info.suppressed = it->second.suppressed;
    }
    out.push_back(std::move(info));
  }
  return out;
}

Result<bool> DetectionEngine::set_enabled(const std::string& rule_id, bool enabled,
                                          const std::string& by, const std::string& reason) {
  std::lock_guard lock(mutex_);
  if (!rules_->find(rule_id)) return false;
  if (Status s = alerts_.set_rule_control({rule_id, enabled, by, reason, now_()}); !s)
    return store_error(s.error());
  if (enabled)
    disabled_.erase(rule_id);
  else
    disabled_.insert(rule_id);
  return true;
}

Result<uint64_t> DetectionEngine::add_suppression(const Suppression& suppression) {
  std::lock_guard lock(mutex_);
  if (auto check = SuppressionSet::compile({suppression}, *rules_); !check) return check.error();
  auto id = alerts_.add_suppression(suppression);
  if (!id) return store_error(id.error());
  if (Status s = reload_suppressions(); !s) return store_error(s.error());
  return *id;
}

Result<bool> DetectionEngine::remove_suppression(uint64_t id) {
  std::lock_guard lock(mutex_);
  auto removed = alerts_.remove_suppression(id);
  if (!removed) return store_error(removed.error());
  if (Status s = reload_suppressions(); !s) return store_error(s.error());
  return *removed;
}

Result<std::vector<Suppression>> DetectionEngine::suppressions() {
  auto list = alerts_.suppressions();
  if (!list) return store_error(list.error());
  return list;
}

}  // namespace yagura::collector
