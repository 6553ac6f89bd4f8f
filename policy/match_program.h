// The compiled conditions of a policy, and the per-event state that
// evaluates them.
//
// MatchProgram (immutable once compiled, shared by every thread): a tree of
// all/any/not nodes over leaf predicates, and one FieldMatcher per field
// (FieldRef) the policy names; a predicate is one field condition. Macros
// are compiled once: every reference points at the same node.
//
// MatchState (one per evaluating thread): reads a field from the event the
// first time some node needs it, never again for that event, and evaluates
// all of that field's predicates in the same pass (field_matcher.h). The
// results stay in a bitset for every later rule of the same event.
//
//   MatchState state(program);
//   state.begin(event);
//   if (state.holds(rule.when)) ...
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "policy/bit_set.h"
#include "policy/field_matcher.h"
#include "policy/fields.h"

namespace yagura::policy {

struct ConditionNode {
  enum class Kind : uint8_t { kLeaf, kAll, kAny, kNot };
  Kind kind;
  uint32_t first;      // kLeaf: the predicate; kNot: the child node; else into children
  uint32_t count = 0;  // kAll, kAny: number of children
};

class MatchProgram {
 public:
  // Building (policy_compiler.cpp).
  uint32_t slot_for(const FieldRef& field);  // creates it on first use
  FieldMatcher& matcher(uint32_t slot) { return slots_[slot].matcher; }
  uint32_t add_predicate(uint32_t slot);  // a new predicate id, evaluated by that slot
  uint32_t add_leaf(uint32_t predicate);
  uint32_t add_group(ConditionNode::Kind kind, const std::vector<uint32_t>& children);
  uint32_t add_not(uint32_t child);

  size_t slot_count() const { return slots_.size(); }
  size_t predicate_count() const { return predicate_slot_.size(); }
  const FieldRef& field(uint32_t slot) const { return slots_[slot].ref; }
  const FieldMatcher& matcher(uint32_t slot) const { return slots_[slot].matcher; }
  uint32_t predicate_slot(uint32_t predicate) const { return predicate_slot_[predicate]; }
  const ConditionNode& node(uint32_t n) const { return nodes_[n]; }
  uint32_t child(uint32_t i) const { return children_[i]; }

 private:
  struct Slot {
    FieldRef ref;
    FieldMatcher matcher;
  };
  std::vector<Slot> slots_;
  std::vector<uint32_t> predicate_slot_;
  std::vector<ConditionNode> nodes_;
  std::vector<uint32_t> children_;
};

class MatchState {
 public:
  explicit MatchState(const MatchProgram& program);

  // A new event; `source` must outlive the calls until the next begin().
  void begin(const FieldSource& source);
  bool holds(uint32_t node);
  // The field's values, read on first use.
  const std::vector<std::string>& values(uint32_t slot);

  uint64_t set_fallbacks() const { return scratch_.set_fallbacks; }

 private:
  const MatchProgram& program_;
  const FieldSource* source_ = nullptr;
  BitSet read_;        // slots read for this event
  BitSet predicates_;  // valid for the predicates of read slots
  std::vector<std::vector<std::string>> values_;
  FieldScratch scratch_;
};

}  // namespace yagura::policy
