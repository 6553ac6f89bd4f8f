#include "collector/detect/event_view.h"

namespace yagura::collector {

std::string json_string(const nlohmann::json& object, const char* member) {
  if (!object.is_object()) return {};
  auto it = object.find(member);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<uint64_t> json_unsigned(const nlohmann::json& object, const char* member) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(member);
  if (it == object.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<uint64_t>();
}

namespace {

AlertProcess process_of(const nlohmann::json& p) {
  AlertProcess out;
  out.key = json_string(p, "key");
  out.pid = static_cast<uint32_t>(json_unsigned(p, "pid").value_or(0));
  out.exe = json_string(p, "exe");
  out.command_line = json_string(p, "command_line");
  out.user = json_string(p, "user");
  return out;
}

}  // namespace

Result<EventView> EventView::parse(const EventRecord& record) {
  auto fields = policy::JsonFields::parse(record.json);
  if (!fields) return fields.error();
  EventView view(std::move(*fields), record);
  const nlohmann::json& doc = view.document();
  view.ktime_ns_ = json_unsigned(doc, "ktime_ns").value_or(0);
  if (auto p = doc.find("process"); p != doc.end() && p->is_object()) {
    if (auto uid = json_unsigned(*p, "uid")) view.uid_ = static_cast<uint32_t>(*uid);
    view.lineage_.push_back(process_of(*p));
  }
  if (auto p = doc.find("parent"); p != doc.end() && p->is_object())
    view.lineage_.push_back(process_of(*p));
  if (auto a = doc.find("ancestors"); a != doc.end() && a->is_array())
    for (const nlohmann::json& p : *a) view.lineage_.push_back(process_of(p));
  return view;
}

}  // namespace yagura::collector
