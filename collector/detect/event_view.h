// One stored event as the detection engine reads it: parsed once, for the
// policy language's conditions (JsonFields) and for the values the engine
// relates events by (process keys, lineage, times).
//
//   auto view = EventView::parse(record);   // record: an EventRecord of the batch
//   if (!view) count_unreadable();
//   state.begin(view->fields());
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "collector/alerts/alert.h"
#include "collector/store/event_store.h"
#include "common/result.h"
#include "policy/json_fields.h"

namespace yagura::collector {

class EventView {
 public:
  // `record` must outlive the view.
  static Result<EventView> parse(const EventRecord& record);

  const policy::JsonFields& fields() const { return fields_; }
  const nlohmann::json& document() const { return fields_.document(); }
  const EventRecord& record() const { return *record_; }

  uint32_t type_bit() const { return fields_.type_bit(); }
  // CLOCK_BOOTTIME ns on the host: orders and spaces events of one boot.
  uint64_t ktime_ns() const { return ktime_ns_; }
  uint64_t time_ns() const { return record_->time_ns; }  // UTC
  const std::string& process_key() const { return record_->process_key; }
  const std::string& parent_key() const { return record_->parent_key; }
  std::optional<uint32_t> uid() const { return uid_; }
  // The process first, then its parent and ancestors, as the event
  // describes them.
  const std::vector<AlertProcess>& lineage() const { return lineage_; }

 private:
  EventView(policy::JsonFields fields, const EventRecord& record)
      : fields_(std::move(fields)), record_(&record) {}

  policy::JsonFields fields_;
  const EventRecord* record_;
  uint64_t ktime_ns_ = 0;
  std::optional<uint32_t> uid_;
  std::vector<AlertProcess> lineage_;
};

// A member of a JSON object as a string, "" when absent or not a string.
std::string json_string(const nlohmann::json& object, const char* member);
// A member as an unsigned number, nullopt when absent or not one.
std::optional<uint64_t> json_unsigned(const nlohmann::json& object, const char* member);

}  // namespace yagura::collector
