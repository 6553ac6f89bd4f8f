#include "collector/alerts/alert.h"

namespace yagura::collector {
namespace {

constexpr const char* kSeverityNames[] = {"low", "medium", "high", "critical"};
constexpr const char* kStatusNames[] = {"open", "closed"};

}  // namespace

const char* severity_name(Severity severity) {
  return kSeverityNames[static_cast<size_t>(severity)];
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (size_t i = 0; i < std::size(kSeverityNames); ++i) {
    if (name == kSeverityNames[i]) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

const char* alert_status_name(AlertStatus status) {
  return kStatusNames[static_cast<size_t>(status)];
}

std::optional<AlertStatus> parse_alert_status(std::string_view name) {
  for (size_t i = 0; i < std::size(kStatusNames); ++i) {
    if (name == kStatusNames[i]) return static_cast<AlertStatus>(i);
  }
  return std::nullopt;
}

}  // namespace yagura::collector
