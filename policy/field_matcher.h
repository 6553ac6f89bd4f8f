// Every leaf condition a policy puts on one field, evaluated in one pass over
// the field's values.
//
// A predicate is one field condition of the policy, e.g. `process.exe:
// {prefix: [/tmp/, /dev/shm/], nocase: true}`. It holds when one value
// satisfies all of its operators; an operator holds when the value satisfies
// any of its operands. Per value the matcher does each kind of work once,
// whatever the number of rules: one hash lookup for every eq/in of the field
// (one more, lower-cased, for nocase ones), one RE2::Set run for every
// prefix/suffix/contains/glob/regex, one parse as a number for every
// range/gt/ge/lt/le, one parse as an address for every cidr. A predicate is
// then an AND over operator bits. Per value the cost follows what matched,
// not the number of predicates: a one-operator predicate (nearly all of
// them) is set straight from its operator's hits; only predicates with two
// operators or more take an AND over their operators.
//
// An absent field (no values) satisfies no operator: the only predicate that
// holds on it is `exists: false` alone.
//
//   FieldMatcher m;
//   uint32_t op = m.add_op();
//   m.add_exact(op, "/bin/sh", false);
//   m.add_predicate(7, {op}, std::nullopt);
//   if (!m.finish()) ...;
//   m.evaluate(values, scratch, bits);  // bits.test(7): a value is "/bin/sh"
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "policy/bit_set.h"
#include "policy/ip_network.h"
#include "policy/number_values.h"

namespace yagura::policy {

// Per-evaluation working memory, shared by every FieldMatcher of a policy.
struct FieldScratch {
  BitSet op_hits;  // all clear between values
  std::vector<uint32_t> hit_ops;  // operators that hold on the current value
  std::vector<int> set_hits;
  std::string lowered;
  // RE2::Set runs that ran out of DFA memory and were redone pattern by
  // pattern (slower, same result).
  uint64_t set_fallbacks = 0;
};

class FieldMatcher {
 public:
  FieldMatcher() = default;
  FieldMatcher(FieldMatcher&&) = default;
  FieldMatcher& operator=(FieldMatcher&&) = default;

  // Building, in any order, then finish() once.
  uint32_t add_op();
  // nocase: compares ASCII-lower-cased.
  void add_exact(uint32_t op, std::string_view value, bool nocase);
  // An RE2 pattern (pattern_syntax.h); the error is RE2's.
  Status add_pattern(uint32_t op, const std::string& pattern);
  void add_interval(uint32_t op, Interval interval);
  void add_network(uint32_t op, const IpNetwork& network);
  // `bit`: where evaluate() writes the result. exists: the `exists` operator
  // if given.
  void add_predicate(uint32_t bit, std::vector<uint32_t> ops, std::optional<bool> exists);
  Status finish();

  size_t op_count() const { return op_count_; }

  // Sets the bit of every predicate of the field that holds. The caller
  // clears the field's predicate bits beforehand (MatchState::begin() clears
  // them all): bits that do not hold are left as they were.
  void evaluate(const std::vector<std::string>& values, FieldScratch& scratch, BitSet& bits) const;

 private:
  struct Predicate {
    uint32_t bit;
    std::vector<uint32_t> ops;
    std::optional<bool> exists;
  };

  void match_value(const std::string& value, FieldScratch& scratch) const;
  void match_patterns(std::string_view value, FieldScratch& scratch) const;

  uint32_t op_count_ = 0;
  std::vector<Predicate> predicates_;
  // Built by finish() from predicates_:
  // the bits of one-operator predicates (exists not false), by operator,
  // compressed: those of op are op_bits_[op_first_[op] .. op_first_[op + 1]).
  std::vector<uint32_t> op_first_;
  std::vector<uint32_t> op_bits_;
  std::vector<uint32_t> present_bits_;  // no operator, exists not false: any value
  std::vector<uint32_t> absent_bits_;   // `exists: false` alone: no value
  std::vector<uint32_t> multi_;         // indexes into predicates_ of the rest
  std::unordered_map<std::string, std::vector<uint32_t>> exact_;
  std::unordered_map<std::string, std::vector<uint32_t>> exact_nocase_;
  // The set, and each pattern alone for when the set's DFA runs out of memory.
  std::unique_ptr<RE2::Set> set_;
  std::vector<std::unique_ptr<RE2>> patterns_;
  std::vector<uint32_t> pattern_ops_;
  std::vector<std::pair<uint32_t, Interval>> intervals_;
  std::vector<std::pair<uint32_t, IpNetwork>> networks_;
};

}  // namespace yagura::policy
