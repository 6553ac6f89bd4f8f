#include "collector/detect/detectors.h"

#include <array>

#include "policy/number_values.h"

namespace yagura::collector {
namespace {

constexpr uint64_t kMaxDurationNs = 720ull * 3'600'000'000'000ull;

const std::array<DetectorSpec, 6>& specs() {
  static const std::array<DetectorSpec, 6> all{{
      {"beacon", DetectorKind::kBeacon,
       {"min_connections", "max_jitter_percent", "min_interval", "max_interval"}},
      {"rare_destination", DetectorKind::kRareDestination, {"learning", "memory"}},
      {"cross_user_ptrace", DetectorKind::kCrossUserPtrace, {}},
      {"sensor_silent", DetectorKind::kSensorSilent, {"after"}},
      {"sensor_gap", DetectorKind::kSensorGap, {}},
      {"policy_change", DetectorKind::kPolicyChange, {}},
  }};
  return all;
}

}  // namespace

const DetectorSpec* find_detector(std::string_view name) {
  for (const DetectorSpec& s : specs())
    if (s.name == name) return &s;
  return nullptr;
}

std::string detector_names() {
  std::string out;
  for (const DetectorSpec& s : specs()) out += (out.empty() ? "" : ", ") + std::string(s.name);
  return out;
}

Result<DetectorParams> read_detector_params(
    const std::map<std::string, policy::ValueAst>& given, const std::string& file_name) {
  DetectorParams p;
  for (const auto& [name, value] : given) {
    auto bad = [&](const std::string& expected) {
      return Error{policy::location(file_name, value.pos) + ": bad " + name + " '" + value.text +
                   "' (" + expected + ")"};
    };
    if (name == "min_interval" || name == "max_interval" || name == "learning" ||
        name == "after") {
      auto ns = policy::parse_duration_ns(value.text, kMaxDurationNs);
      if (!ns) return bad("<n>s, <n>m or <n>h, at most 720h");
      if (name == "min_interval") p.min_interval_ns = *ns;
      if (name == "max_interval") p.max_interval_ns = *ns;
      if (name == "learning") p.learning_ns = *ns;
      if (name == "after") p.silent_after_ns = *ns;
      if (name == "after" && *ns == 0) return bad("more than 0s");
      continue;
    }
    auto n = policy::parse_unsigned(value.text);
    if (name == "min_connections") {
      if (!n || *n < 3 || *n > 1000) return bad("an integer from 3 to 1000");
      p.min_connections = static_cast<uint32_t>(*n);
    } else if (name == "max_jitter_percent") {
      if (!n || *n > 100) return bad("an integer from 0 to 100");
      p.max_jitter_percent = static_cast<uint32_t>(*n);
    } else if (name == "memory") {
      if (!n || *n == 0 || *n > 10'000'000) return bad("an integer from 1 to 10000000");
      p.memory = *n;
    }
  }
  if (p.min_interval_ns > p.max_interval_ns)
    return Error{file_name + ": min_interval is longer than max_interval"};
  return p;
}

}  // namespace yagura::collector
