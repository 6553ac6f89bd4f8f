// Writes the team reports on a schedule, so each team's report is waiting
// in a directory (to mail, archive or serve) without anyone asking: every
// `interval_ns`, for each value of `tag_key` among the hosts, and for all
// hosts, the report over the last `period_ns` in each format, as
//   <dir>/<tag_key>-<value>-<YYYY-MM-DD>.<json|md|html>
//   <dir>/all-<YYYY-MM-DD>.<json|md|html>
// (the UTC date of the run; characters of a value other than letters,
// digits, '.', '_' and '-' become '_'). Each file is written to a temporary
// and renamed, so a reader never sees half a report; a second run the same
// day replaces that day's files.
//
//   ReportScheduler scheduler(events, alerts, config, log);
//   scheduler.start();   // a first run now, then every interval
//   ...
//   scheduler.stop();    // prompt: wakes the thread, joins it
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "collector/alerts/alert_store.h"
#include "collector/reports/report_render.h"
#include "collector/reports/team_report.h"
#include "collector/store/event_store.h"
#include "common/result.h"

namespace yagura::collector {

struct ReportScheduleConfig {
  std::string dir;
  std::string tag_key = "team";
  uint64_t interval_ns = 0;  // 0: no scheduled reports
  uint64_t period_ns = 7 * kReportDayNs;
  uint64_t silent_after_ns = kDefaultSilentAfterNs;
  std::vector<std::string> formats = {"json", "md", "html"};  // of json, md, html
};

// Refuses an empty dir (when scheduled), an empty tag key, a zero period,
// an unknown or repeated format.
Status check_report_schedule(const ReportScheduleConfig& config);

class ReportScheduler {
 public:
  using NowFn = std::function<uint64_t()>;
  using LogFn = std::function<void(const std::string&)>;

  // The stores must outlive the scheduler; `log` gets one line per failed
  // run (the thread keeps going).
  ReportScheduler(EventStore& events, AlertStore& alerts, ReportScheduleConfig config, NowFn now,
                  LogFn log);
  ~ReportScheduler();  // stops

  ReportScheduler(const ReportScheduler&) = delete;
  ReportScheduler& operator=(const ReportScheduler&) = delete;

  // Writes every report for the period ending at `now_ns`; answers the
  // paths written. Creates `dir` if missing.
  Result<std::vector<std::string>> run_once(uint64_t now_ns);

  // Nothing when interval_ns is 0.
  void start();
  void stop();

 private:
  void loop();

  EventStore& events_;
  AlertStore& alerts_;
  ReportScheduleConfig config_;
  NowFn now_;
  LogFn log_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace yagura::collector
