#include "policy/match_program.h"

namespace yagura::policy {

uint32_t MatchProgram::slot_for(const FieldRef& field) {
  for (uint32_t i = 0; i < slots_.size(); ++i)
    if (slots_[i].ref == field) return i;
  slots_.push_back({field, FieldMatcher()});
  return static_cast<uint32_t>(slots_.size() - 1);
}

uint32_t MatchProgram::add_predicate(uint32_t slot) {
  predicate_slot_.push_back(slot);
  return static_cast<uint32_t>(predicate_slot_.size() - 1);
}

uint32_t MatchProgram::add_leaf(uint32_t predicate) {
  nodes_.push_back({ConditionNode::Kind::kLeaf, predicate});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t MatchProgram::add_group(ConditionNode::Kind kind, const std::vector<uint32_t>& children) {
  nodes_.push_back(
      {kind, static_cast<uint32_t>(children_.size()), static_cast<uint32_t>(children.size())});
  children_.insert(children_.end(), children.begin(), children.end());
  return static_cast<uint32_t>(nodes_.size() - 1);
}

uint32_t MatchProgram::add_not(uint32_t child) {
  nodes_.push_back({ConditionNode::Kind::kNot, child});
  return static_cast<uint32_t>(nodes_.size() - 1);
}

MatchState::MatchState(const MatchProgram& program)
    : program_(program),
      read_(program.slot_count()),
      predicates_(program.predicate_count()),
      values_(program.slot_count()) {}

void MatchState::begin(const FieldSource& source) {
  source_ = &source;
  read_.clear(program_.slot_count());
  predicates_.clear(program_.predicate_count());  // FieldMatcher::evaluate() only sets bits
}

const std::vector<std::string>& MatchState::values(uint32_t slot) {
  std::vector<std::string>& v = values_[slot];
  if (!read_.test(slot)) {
    read_.set(slot, true);
    v.clear();
    source_->values(program_.field(slot), v);
    program_.matcher(slot).evaluate(v, scratch_, predicates_);
  }
  return v;
}

bool MatchState::holds(uint32_t n) {
  const ConditionNode& node = program_.node(n);
  switch (node.kind) {
    case ConditionNode::Kind::kLeaf:
      values(program_.predicate_slot(node.first));
      return predicates_.test(node.first);
    case ConditionNode::Kind::kAll:
      for (uint32_t i = 0; i < node.count; ++i)
        if (!holds(program_.child(node.first + i))) return false;
      return true;
    case ConditionNode::Kind::kAny:
      for (uint32_t i = 0; i < node.count; ++i)
        if (holds(program_.child(node.first + i))) return true;
      return false;
    case ConditionNode::Kind::kNot:
      return !holds(node.first);
  }
  return false;
}

}  // namespace yagura::policy
