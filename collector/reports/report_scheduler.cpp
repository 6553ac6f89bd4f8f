#include "collector/reports/report_scheduler.h"

#include <chrono>
#include <set>

#include "common/durable_file.h"
#include "common/host.h"

namespace yagura::collector {
namespace {

std::string file_safe(const std::string& value) {
  std::string out = value;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out;
}

}  // namespace

Status check_report_schedule(const ReportScheduleConfig& config) {
  if (config.interval_ns != 0 && config.dir.empty()) return Error{"reports: dir is required"};
  if (config.tag_key.empty()) return Error{"reports: tag_key is empty"};
  if (config.period_ns == 0) return Error{"reports: period must be positive"};
  std::set<std::string> seen;
  for (const std::string& f : config.formats) {
    if (!parse_report_format(f)) return Error{"reports: unknown format \"" + f + "\" (json, md, html)"};
    if (!seen.insert(f).second) return Error{"reports: format \"" + f + "\" given twice"};
  }
  return {};
}

ReportScheduler::ReportScheduler(EventStore& events, AlertStore& alerts,
                                 ReportScheduleConfig config, NowFn now, LogFn log)
    : events_(events),
      alerts_(alerts),
      config_(std::move(config)),
      now_(std::move(now)),
      log_(std::move(log)) {}

ReportScheduler::~ReportScheduler() { stop(); }

Result<std::vector<std::string>> ReportScheduler::run_once(uint64_t now_ns) {
  if (Status s = make_dirs(config_.dir); !s) return s.error();
  auto hosts = events_.hosts();
  if (!hosts) return hosts.error();
  // "" stands for every host.
  std::set<std::string> values = {""};
  for (const HostRecord& h : *hosts) {
    auto it = h.host.tags.find(config_.tag_key);
    if (it != h.host.tags.end()) values.insert(it->second);
  }

  const std::string date = format_rfc3339(now_ns).substr(0, 10);
  std::vector<std::string> written;
  for (const std::string& value : values) {
    const bool all = value.empty();
    TeamReportRequest request{.tag_key = all ? "" : config_.tag_key,
                              .tag_value = value,
                              .since_ns = now_ns > config_.period_ns ? now_ns - config_.period_ns : 0,
                              .until_ns = now_ns,
                              .now_ns = now_ns,
                              .silent_after_ns = config_.silent_after_ns};
    auto report = build_team_report(events_, alerts_, request);
    if (!report) return report.error();
    const std::string stem =
        config_.dir + "/" +
        (all ? "all" : file_safe(config_.tag_key) + "-" + file_safe(value)) + "-" + date;
    for (const std::string& name : config_.formats) {
      auto format = parse_report_format(name);
      if (!format) return Error{"reports: unknown format \"" + name + "\""};
      const std::string path = stem + "." + report_format_extension(*format);
      if (Status s = replace_file_durably(path, render_report(*report, *format), 0640); !s)
        return s.error();
      written.push_back(path);
    }
  }
  return written;
}

void ReportScheduler::start() {
  if (config_.interval_ns == 0 || thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { loop(); });
}

void ReportScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ReportScheduler::loop() {
  const auto interval = std::chrono::nanoseconds(config_.interval_ns);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    if (auto r = run_once(now_()); !r) log_("reports: " + r.error().message);
    lock.lock();
    wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

}  // namespace yagura::collector
