#include "policy/field_matcher.h"

#include "policy/pattern_syntax.h"

namespace yagura::policy {
namespace {

// A field's set holds every pattern of every rule on it, so it gets more
// than RE2's default 8 MiB: part bounds the compiled program (a set too
// large refuses the policy), the rest is the DFA's cache, filled lazily; if
// the cache runs out, matching falls back to one pattern at a time
// (match_patterns) and stays exact.
constexpr int64_t kSetMaxMem = 64ll << 20;

void ascii_lower(std::string_view in, std::string& out) {
  out.assign(in);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
}

}  // namespace

uint32_t FieldMatcher::add_op() { return op_count_++; }

void FieldMatcher::add_exact(uint32_t op, std::string_view value, bool nocase) {
  if (!nocase) {
    exact_[std::string(value)].push_back(op);
    return;
  }
  std::string lowered;
  ascii_lower(value, lowered);
  exact_nocase_[lowered].push_back(op);
}

Status FieldMatcher::add_pattern(uint32_t op, const std::string& pattern) {
  auto re = std::make_unique<RE2>(pattern, pattern_options());
  if (!re->ok()) return Error{re->error()};
  if (!set_) {
    RE2::Options options = pattern_options();
    options.set_max_mem(kSetMaxMem);
    set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  }
  std::string error;
  if (set_->Add(pattern, &error) < 0) return Error{error};
  patterns_.push_back(std::move(re));
  pattern_ops_.push_back(op);
  return ok_status();
}

void FieldMatcher::add_interval(uint32_t op, Interval interval) {
  intervals_.emplace_back(op, interval);
}

void FieldMatcher::add_network(uint32_t op, const IpNetwork& network) {
  networks_.emplace_back(op, network);
}

void FieldMatcher::add_predicate(uint32_t bit, std::vector<uint32_t> ops,
                                 std::optional<bool> exists) {
  predicates_.push_back({bit, std::move(ops), exists});
}

Status FieldMatcher::finish() {
  op_first_.assign(op_count_ + 1, 0);
  op_bits_.clear();
  present_bits_.clear();
  absent_bits_.clear();
  multi_.clear();
  for (const Predicate& p : predicates_)
    if (p.exists != false && p.ops.size() == 1) ++op_first_[p.ops[0] + 1];
  for (uint32_t op = 0; op < op_count_; ++op) op_first_[op + 1] += op_first_[op];
  op_bits_.resize(op_first_[op_count_]);
  std::vector<uint32_t> next(op_first_.begin(), op_first_.end() - 1);
  for (uint32_t i = 0; i < predicates_.size(); ++i) {
    const Predicate& p = predicates_[i];
    if (p.exists == false) {
      // With an operator it can never hold: no value and every operator.
      if (p.ops.empty()) absent_bits_.push_back(p.bit);
    } else if (p.ops.empty()) {
      present_bits_.push_back(p.bit);
    } else if (p.ops.size() == 1) {
      op_bits_[next[p.ops[0]]++] = p.bit;
    } else {
      multi_.push_back(i);
    }
  }
  if (set_ && !set_->Compile())
    return Error{"too many or too large patterns for one RE2 set (out of memory)"};
  return ok_status();
}

void FieldMatcher::match_patterns(std::string_view value, FieldScratch& scratch) const {
  scratch.set_hits.clear();
  RE2::Set::ErrorInfo info{RE2::Set::kNoError};
  if (!set_->Match(value, &scratch.set_hits, &info) && info.kind != RE2::Set::kNoError) {
    // The DFA's cache filled up: RE2 alone falls back to its NFA, so the
    // answer stays exact, only slower.
    ++scratch.set_fallbacks;
    scratch.set_hits.clear();
    for (size_t i = 0; i < patterns_.size(); ++i)
      if (RE2::PartialMatch(value, *patterns_[i])) scratch.set_hits.push_back(static_cast<int>(i));
  }
  for (int i : scratch.set_hits) scratch.hit_ops.push_back(pattern_ops_[i]);
}

void FieldMatcher::match_value(const std::string& value, FieldScratch& scratch) const {
  scratch.hit_ops.clear();
  if (!exact_.empty()) {
    if (auto it = exact_.find(value); it != exact_.end())
      scratch.hit_ops.insert(scratch.hit_ops.end(), it->second.begin(), it->second.end());
  }
  if (!exact_nocase_.empty()) {
    ascii_lower(value, scratch.lowered);
    if (auto it = exact_nocase_.find(scratch.lowered); it != exact_nocase_.end())
      scratch.hit_ops.insert(scratch.hit_ops.end(), it->second.begin(), it->second.end());
  }
  if (set_) match_patterns(value, scratch);
  if (!intervals_.empty()) {
    if (std::optional<Number> n = parse_number(value))
      for (const auto& [op, in] : intervals_)
        if (in.lo <= *n && *n <= in.hi) scratch.hit_ops.push_back(op);
  }
  if (!networks_.empty()) {
    if (std::optional<IpAddress> ip = parse_ip(value))
      for (const auto& [op, net] : networks_)
        if (net.contains(*ip)) scratch.hit_ops.push_back(op);
  }
}

void FieldMatcher::evaluate(const std::vector<std::string>& values, FieldScratch& scratch,
                            BitSet& bits) const {
  if (values.empty()) {
    for (uint32_t bit : absent_bits_) bits.set(bit, true);
    return;
  }
  for (uint32_t bit : present_bits_) bits.set(bit, true);
  if (!multi_.empty()) scratch.op_hits.ensure(op_count_);
  for (const std::string& value : values) {
    match_value(value, scratch);
    for (uint32_t op : scratch.hit_ops)
      for (uint32_t i = op_first_[op]; i < op_first_[op + 1]; ++i) bits.set(op_bits_[i], true);
    if (multi_.empty()) continue;
    for (uint32_t op : scratch.hit_ops) scratch.op_hits.set(op, true);
    for (uint32_t i : multi_) {
      const Predicate& p = predicates_[i];
      if (bits.test(p.bit)) continue;
      bool all = true;
      for (uint32_t op : p.ops) all = all && scratch.op_hits.test(op);
      if (all) bits.set(p.bit, true);
    }
    for (uint32_t op : scratch.hit_ops) scratch.op_hits.set(op, false);
  }
}

}  // namespace yagura::policy
