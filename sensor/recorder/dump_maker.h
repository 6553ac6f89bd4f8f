// Cuts an incident dump from the flight recorder's journal: syncs the
// recorder, scans the journal (verifying it as it goes), selects the
// events the scope asks for, adds every health line of the period, the
// process table and the active policy as they are now, and signs the lot
// with the sensor's dump key (dump/dump_writer.h has the file format).
//
// The journal is read twice when the scope needs the whole process tree
// (descendants, lineage, a pid): once to learn who forked whom, once to
// select. A selection larger than max_events is refused rather than cut:
// a dump is either complete for its scope or not made.
//
// Runs on whichever thread asks (a control socket worker, the thread that
// serves the collector's requests); what belongs to the processing thread
// comes through `snapshot`.
//
//   DumpMaker maker(sources);
//   auto bytes = maker.make({scope, "uid 0", "INC-42"});
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/ed25519.h"
#include "common/host.h"
#include "common/result.h"
#include "dump/dump_writer.h"

namespace yagura {

// What the processing thread holds, copied there for a dump.
struct SensorSnapshot {
  std::vector<std::string> processes;  // process_entry_json.h lines
  dump::DumpPolicy policy;
};

struct DumpSources {
  std::string journal_dir;
  std::string sensor_id;
  HostIdentity host;
  const PrivateKey* key = nullptr;
  // Everything recorded so far reaches the disk; false when it did not in time.
  std::function<bool()> sync_journal;
  // nullopt when the processing thread did not answer in time.
  std::function<std::optional<SensorSnapshot>()> snapshot;
  std::function<uint64_t()> now_ns;  // UTC
  uint64_t max_events = 2'000'000;
};

class DumpMaker {
 public:
  explicit DumpMaker(DumpSources sources) : sources_(std::move(sources)) {}

  // The signed dump file. Errors: the scope does not validate, the journal
  // cannot be read at all, the selection is too large, signing failed.
  Result<std::string> make(const dump::DumpRequest& request) const;

 private:
  DumpSources sources_;
};

}  // namespace yagura
