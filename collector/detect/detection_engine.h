// The collector's detection engine: runs the detection rules over every
// stored batch, keeps the per-host state they need (processes by key,
// partial sequences, connection series), raises alerts through the
// AlertStore (which deduplicates) and hands each new one to the sink
// (delivery, alert_dispatcher.h).
//
// Batches are submitted by the ingest threads once stored (BatchObserver)
// and analysed on the engine's own thread, in arrival order; submit()
// waits while `queue_batches` batches are waiting, which slows the sensors'
// uploads (they spool) instead of dropping anything. A tick every few
// seconds notices silent sensors.
//
// A sensor uploads in lanes (process, activity, alert), each batched on its
// own, so a host's events can arrive out of order: a shell's exec before the
// connect that preceded it. The engine holds each event `reorder_ns` after
// it arrives and analyses a host's events in kernel-time order.
//
// State is bounded per host (DetectionSettings); what was forgotten to stay
// within the bounds is counted in stats(). Rule switches and suppressions
// come from the AlertStore at start and apply to the next event when
// changed through DetectionAdmin.
//
//   DetectionEngine engine(rules, events, alerts, [&](const Alert& a) { dispatch(a); }, {});
//   if (auto s = engine.start(); !s) fail(s.error());
//   api_config.on_stored = [&](const IncomingBatch& b, StoreOutcome o) {
//     if (o == StoreOutcome::kStored) engine.submit(b);
//   };
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "collector/alerts/alert_store.h"
#include "collector/detect/alert_builder.h"
#include "collector/detect/beacon_tracker.h"
#include "collector/detect/destination_rarity.h"
#include "collector/detect/detection_admin.h"
#include "collector/detect/detection_rules.h"
#include "collector/detect/event_view.h"
#include "collector/detect/lru_map.h"
#include "collector/detect/sensor_watch.h"
#include "collector/detect/sequence_tracker.h"
#include "collector/detect/suppression_set.h"
#include "collector/ingest/batch_ingest.h"
#include "collector/store/event_store.h"

namespace yagura::collector {

struct DetectionSettings {
  // A repeat of an open alert within this long counts on it.
  uint64_t dedup_window_ns = 24 * 3'600'000'000'000ull;
  size_t max_processes_per_host = 65536;
  size_t max_partials_per_step = 4096;  // per sequence rule and host
  size_t max_series_per_host = 4096;    // per beacon rule and host
  // How long an event waits for earlier ones from the sensor's other
  // upload lanes: more than its batches' max age (2 s by default).
  uint64_t reorder_ns = 5'000'000'000ull;
  size_t max_held_per_host = 100'000;  // beyond, the oldest is analysed at once
  size_t queue_batches = 64;
  uint64_t tick_interval_ns = 5'000'000'000ull;
};

struct DetectionStats {
  uint64_t batches = 0;
  uint64_t events = 0;
  uint64_t unreadable_events = 0;  // not JSON events: skipped
  uint64_t alerts_new = 0;
  uint64_t alerts_repeated = 0;  // counted on an open alert
  uint64_t suppressed = 0;
  uint64_t store_errors = 0;  // alerts that could not be stored: lost
  uint64_t refused_after_stop = 0;  // batches submitted once stopping: stored, not analysed
  uint64_t hosts = 0;
  uint64_t processes = 0;  // in every host's table
  uint64_t evicted = 0;    // state forgotten to stay within the bounds
};

using AlertSink = std::function<void(const Alert&)>;

class DetectionEngine : public DetectionAdmin {
 public:
  // `events` and `alerts` must outlive the engine.
  DetectionEngine(std::shared_ptr<const DetectionRules> rules, EventStore& events,
                  AlertStore& alerts, AlertSink sink, DetectionSettings settings,
                  NowFn now = system_now_ns);
  ~DetectionEngine() override;

  // Reads rule switches, suppressions and the known sensors from the
  // stores, then starts the engine's thread.
  Status start();
  // Analyses what is queued, then stops the thread.
  void stop();
  // A stored batch; waits while the queue is full. After stop() the batch
  // is only counted (stats().refused_after_stop).
  void submit(const IncomingBatch& batch);

  // Synchronous, on the caller's thread: what the engine's thread does.
  // Tests drive the engine through these without start().
  void process(const IncomingBatch& batch);
  void tick(uint64_t now_ns);
  // Analyses the held events whose wait is over at `now_ns`.
  void release(uint64_t now_ns);

  // New rules; per-host sequence and series state starts afresh.
  void replace_rules(std::shared_ptr<const DetectionRules> rules);
  DetectionStats stats() const;

  // DetectionAdmin.
  std::vector<DetectionRuleInfo> rules() const override;
  Result<bool> set_enabled(const std::string& rule_id, bool enabled, const std::string& by,
                           const std::string& reason) override;
  Result<uint64_t> add_suppression(const Suppression& suppression) override;
  Result<bool> remove_suppression(uint64_t id) override;
  Result<std::vector<Suppression>> suppressions() override;

 private:
  struct ProcessFacts {
    uint32_t uid = 0;
    std::string exe;
  };
  // An event waiting for earlier ones (see above).
  // Ordered by the event's time (kernel time plus the sensor's one boot
  // offset, so kernel-time order within a boot), then by arrival.
  struct HeldEvent {
    uint64_t arrival = 0;
    uint64_t release_ns = 0;
    EventRecord record;
    bool operator>(const HeldEvent& o) const {
      return record.time_ns != o.record.time_ns ? record.time_ns > o.record.time_ns
                                                : arrival > o.arrival;
    }
  };
  struct HostState {
    HostState(const DetectionRules& rules, const DetectionSettings& settings);
    std::string sensor_id;
    HostInfo info;  // as of the latest batch
    std::string boot_id;
    std::priority_queue<HeldEvent, std::vector<HeldEvent>, std::greater<>> held;
    LruMap<std::string, ProcessFacts> processes;
    std::vector<std::unique_ptr<SequenceTracker>> sequences;  // by rule index
    std::vector<std::unique_ptr<BeaconTracker>> beacons;      // by rule index
  };
  struct RuleCounters {
    uint64_t matched = 0, raised = 0, suppressed = 0;
  };

  void run();
  HostState& host_state(const IncomingBatch& batch);
  // Analyses `host`'s held events due at `now_ns` (all of them: UINT64_MAX).
  void release_host(HostState& host, uint64_t now_ns);
  void process_event(HostState& host, const EventView& event);
  // A rule's detector on one event: the finding's summary and group value,
  // or false when it found nothing.
  bool run_detector(const DetectionRule& rule, size_t index, HostState& host,
                    const EventView& event, Finding& finding);
  void process_sensor_findings(const std::vector<SensorFinding>& findings);
  // Applies exceptions, switches and suppressions, then stores and delivers.
  void raise(Finding finding, const EventView* event);
  Status reload_suppressions();

  std::shared_ptr<const DetectionRules> rules_;
  EventStore& events_;
  AlertStore& alerts_;
  AlertSink sink_;
  DetectionSettings settings_;
  NowFn now_;

  mutable std::mutex mutex_;  // everything below
  std::unique_ptr<policy::MatchState> match_;
  std::map<std::string, std::unique_ptr<HostState>> hosts_;
  std::vector<std::unique_ptr<DestinationRarity>> rarity_;  // by rule index
  SensorWatch sensors_;
  std::set<std::string> disabled_;
  std::unique_ptr<SuppressionSet> suppressions_;
  std::map<std::string, RuleCounters> counters_;  // by rule id
  DetectionStats stats_;
  uint64_t arrivals_ = 0;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<IncomingBatch> queue_;
  bool stopping_ = false;
  uint64_t refused_after_stop_ = 0;
  std::thread thread_;
};

}  // namespace yagura::collector
