#include "collector/detect/sensor_watch.h"

namespace yagura::collector {
namespace {

std::string policy_name(const PolicyRef& p) {
  return p.name + " v" + std::to_string(p.version) + " (" + p.sha256.substr(0, 12) + ")";
}

}  // namespace

void SensorWatch::seed(const std::vector<HostRecord>& hosts) {
  for (const HostRecord& h : hosts) {
    Sensor& s = sensors_[h.sensor_id];
    s.host = h.host;
    s.last_seen_ns = h.last_seen_ns;
    s.last_sequence = h.last_sequence;
    s.policy = h.policy;
  }
}

std::vector<SensorFinding> SensorWatch::on_batch(const IncomingBatch& batch) {
  std::vector<SensorFinding> out;
  auto [it, first_sight] = sensors_.try_emplace(batch.sensor_id);
  Sensor& s = it->second;
  auto finding = [&](DetectorKind kind, std::string summary, std::string detail) {
    out.push_back({kind, batch.sensor_id, batch.host, batch.received_ns, std::move(summary),
                   std::move(detail), {}});
  };
  for (const ReportedGap& g : batch.gaps)
    finding(DetectorKind::kSensorGap,
            "the sensor reported losing batches " + std::to_string(g.first_sequence) + "-" +
                std::to_string(g.last_sequence) + " (" + std::to_string(g.events) + " events, " +
                std::to_string(g.alert_events) + " with alerts): " + g.reason,
            std::to_string(g.first_sequence) + "-" + std::to_string(g.last_sequence));
  if (s.last_sequence && batch.sequence > s.last_sequence + 1) {
    const uint64_t first = s.last_sequence + 1, last = batch.sequence - 1;
    bool explained = false;
    for (const ReportedGap& g : batch.gaps)
      explained |= g.first_sequence <= first && last <= g.last_sequence;
    if (!explained)
      finding(DetectorKind::kSensorGap,
              "batches " + std::to_string(first) + "-" + std::to_string(last) +
                  " never arrived: the sensor's spool or state was removed, or its uploads "
                  "were cut",
              std::to_string(first) + "-" + std::to_string(last));
  }
  const PolicyRef& now = batch.policy;
  if (!first_sight && s.policy.version != 0 && now.version != 0 && now.sha256 != s.policy.sha256) {
    finding(DetectorKind::kPolicyChange,
            "policy changed from " + policy_name(s.policy) + " to " + policy_name(now),
            now.sha256);
    out.back().policy_sha256 = now.sha256;
  }
  if (batch.sequence > s.last_sequence) {
    s.last_sequence = batch.sequence;
    s.policy = now;
    s.host = batch.host;
  }
  if (batch.received_ns > s.last_seen_ns) s.last_seen_ns = batch.received_ns;
  s.reported_silent = false;
  return out;
}

std::vector<SensorFinding> SensorWatch::on_tick(uint64_t now_ns, uint64_t after_ns) {
  std::vector<SensorFinding> out;
  for (auto& [id, s] : sensors_) {
    if (s.reported_silent || s.last_seen_ns == 0 || now_ns < s.last_seen_ns + after_ns) continue;
    s.reported_silent = true;
    out.push_back({DetectorKind::kSensorSilent, id, s.host, now_ns,
                   "no batch from the sensor for " +
                       std::to_string((now_ns - s.last_seen_ns) / 1'000'000'000) +
                       " s: it was stopped, the host is down, or its uploads are blocked",
                   std::to_string(s.last_seen_ns), {}});
  }
  return out;
}

}  // namespace yagura::collector
