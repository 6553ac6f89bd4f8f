#include "sensor/recorder/dump_maker.h"

#include <nlohmann/json.hpp>

#include "dump/event_selector.h"
#include "dump/json_line.h"
#include "sensor/recorder/journal_reader.h"

namespace yagura {
namespace {

using nlohmann::json;

const char* problem_kind(JournalProblem::Kind k) {
  switch (k) {
    case JournalProblem::Kind::kSegmentMissing: return "segment_missing";
    case JournalProblem::Kind::kSegmentHeader: return "segment_header";
    case JournalProblem::Kind::kBlockChecksum: return "block_checksum";
    case JournalProblem::Kind::kBlockUnreadable: return "block_unreadable";
    case JournalProblem::Kind::kChainMismatch: return "chain_mismatch";
    case JournalProblem::Kind::kRecordChecksum: return "record_checksum";
    case JournalProblem::Kind::kSeqGap: return "seq_gap";
    case JournalProblem::Kind::kTruncated: return "truncated";
    case JournalProblem::Kind::kHead: return "head";
  }
  return "unknown";
}

// The dump's "journal" section: what the scan found, so that a reader of
// the dump knows whether the record it was cut from was whole.
json journal_report(const JournalScan& scan, bool synced, uint64_t unchained) {
  json problems = json::array();
  for (const JournalProblem& p : scan.problems)
    problems.push_back({{"kind", problem_kind(p.kind)},
                        {"segment", p.segment},
                        {"offset", p.offset},
                        {"what", p.what}});
  return {{"ok", scan.ok},
          {"problems", std::move(problems)},
          {"synced", synced},
          {"first_seq", scan.first_seq},
          {"last_seq", scan.last_seq},
          {"first_time", format_rfc3339(scan.first_time_ns)},
          {"last_time", format_rfc3339(scan.last_time_ns)},
          {"records_in_period", scan.records},
          {"records_after_a_break", unchained},
          {"blocks", scan.blocks},
          {"segments", scan.segments},
          {"lost_declared", scan.lost_declared},
          {"tail_incomplete", scan.tail_incomplete},
          {"head_chain", scan.head_chain},
          {"last_chain", scan.last_chain}};
}

}  // namespace

Result<std::string> DumpMaker::make(const dump::DumpRequest& request) const {
  auto selector = dump::EventSelector::create(request.scope);
  if (!selector) return selector.error();
  const bool synced = sources_.sync_journal();
  auto reader = JournalReader::open(sources_.journal_dir);
  if (!reader) return reader.error();

  if (selector->needs_prepare()) {
    auto first = reader->scan({}, [&](const JournalRecord& r) {
      auto event = dump::parse_json_line(r.bytes);
      if (event && event->value("type", "") != "health") selector->prepare(*event);
    });
    if (!first) return first.error();
  }

  ScanOptions range;
  range.from_ns = request.scope.from_ns;
  // The scope's end is exclusive, the scan's inclusive.
  if (request.scope.to_ns) range.to_ns = *request.scope.to_ns - 1;
  std::vector<std::string> health, events;
  uint64_t unchained = 0;
  bool too_many = false;
  auto scan = reader->scan(range, [&](const JournalRecord& r) {
    if (too_many) return;
    auto event = dump::parse_json_line(r.bytes);
    if (!event) return;  // the journal's checksums passed: not ours to judge
    const bool is_health = event->value("type", "") == "health";
    if (!is_health && !selector->select(*event)) return;
    if (!r.chained) ++unchained;
    if (is_health) {
      health.emplace_back(r.bytes);
    } else if (events.size() >= sources_.max_events) {
      too_many = true;
    } else {
      events.emplace_back(r.bytes);
    }
  });
  if (!scan) return scan.error();
  if (too_many)
    return Error{"the selection has more than " + std::to_string(sources_.max_events) +
                 " events: narrow it by time or process"};

  const std::optional<SensorSnapshot> snapshot = sources_.snapshot();
  if (!snapshot) return Error{"the sensor's processing thread did not answer; try again"};
  if (!sources_.key) return Error{"no dump signing key"};

  dump::DumpContext context;
  context.sensor_id = sources_.sensor_id;
  context.host = sources_.host;
  context.request = request;
  context.policy = snapshot->policy;
  context.journal = journal_report(*scan, synced, unchained);
  context.created_ns = sources_.now_ns();
  context.from_ns = request.scope.from_ns.value_or(scan->first_time_ns);
  context.to_ns = request.scope.to_ns ? *request.scope.to_ns - 1
                                      : std::max(context.created_ns, scan->last_time_ns);
  context.from_ns = std::min(context.from_ns, context.to_ns);
  dump::DumpWriter writer(std::move(context));
  for (const std::string& line : health)
    if (Status s = writer.add_health(line); !s) return s.error();
  for (const std::string& line : snapshot->processes)
    if (Status s = writer.add_process(line); !s) return s.error();
  for (const std::string& line : events)
    if (Status s = writer.add_event(line); !s) return s.error();
  return writer.finish(*sources_.key);
}

}  // namespace yagura
