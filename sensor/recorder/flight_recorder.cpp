#include "sensor/recorder/flight_recorder.h"

namespace yagura {

Result<std::unique_ptr<FlightRecorder>> FlightRecorder::open(const FlightRecorderOptions& options,
                                                             JsonWriter writer, WallClock clock) {
  auto journal = JournalWriter::open(options.dir, options.limits);
  if (!journal) return Error{"flight recorder: " + journal.error().message};
  return std::unique_ptr<FlightRecorder>(
      new FlightRecorder(options.dir, options.queue_events, std::move(*journal),
                         std::move(writer), clock));
}

}  // namespace yagura
