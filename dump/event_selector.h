// Decides, event by event, whether a journal event belongs in a dump
// (dump_scope.h says what each criterion means).
//
// Two passes. Lineage in events is often incomplete (a process the sensor
// met late, a parent evicted from its table), and a pid names different
// processes over time, so which processes a process criterion covers is
// only known from the whole journal: prepare() reads every event first and
// learns each process's parents (from "parent" and "ancestors": a child
// linked to its parent only by its fork event still counts) and the keys
// each pid had in the period; select() then answers from that closure.
// Without a pid or a mode beyond the process itself prepare() is not
// needed (needs_prepare()).
//
// The destination criterion selects network events whose remote end is in
// it (the destination of what this host initiated, the source of what it
// accepted; a domain matches the names DNS answers gave that address) and
// DNS events that ask for the domain or answer with an address in the
// network. The processes that made them come in only as those events.
//
// Health lines are never selected: the caller puts every health line of
// the period in the dump's "health" section.
//
//   auto selector = EventSelector::create(scope);
//   if (selector->needs_prepare()) for (auto& e : journal) selector->prepare(e);
//   for (auto& e : journal) if (selector->select(e)) writer.add_event(line_of(e));
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "dump/destination.h"
#include "dump/dump_scope.h"

namespace yagura::dump {

class EventSelector {
 public:
  // Fails when the scope does not validate.
  static Result<EventSelector> create(const DumpScope& scope);

  bool needs_prepare() const { return scope_.pid || scope_.mode != ProcessMode::kProcess; }
  // First pass: every event, in any order, including those outside the
  // period (a fork before it links a child to its parent).
  void prepare(const nlohmann::json& event);
  // Second pass. The first call closes the first pass.
  bool select(const nlohmann::json& event);

 private:
  EventSelector(DumpScope scope, std::optional<Destination> destination)
      : scope_(std::move(scope)), destination_(std::move(destination)) {}

  bool in_period(const nlohmann::json& event) const;
  void link(const std::string& child, const std::string& parent);
  void close_process_set();
  bool matches_destination(const nlohmann::json& event) const;
  bool matches_user(const nlohmann::json& process) const;

  DumpScope scope_;
  std::optional<Destination> destination_;
  std::optional<uint32_t> uid_;  // the user criterion, when numeric

  std::unordered_map<std::string, std::vector<std::string>> parents_;
  std::unordered_map<std::string, std::vector<std::string>> children_;
  std::unordered_set<std::string> pid_keys_;   // keys the scope's pid had in the period
  std::unordered_set<std::string> processes_;  // the processes the scope covers
  bool closed_ = false;
};

}  // namespace yagura::dump
