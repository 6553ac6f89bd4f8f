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
  for (int i : scratch.set_hits) scratch.op_hits.set(pattern_ops_[i], true);
}

void FieldMatcher::match_value(const std::string& value, FieldScratch& scratch) const {
  scratch.op_hits.clear(op_count_);
  if (!exact_.empty()) {
    if (auto it = exact_.find(value); it != exact_.end())
      for (uint32_t op : it->second) scratch.op_hits.set(op, true);
  }
  if (!exact_nocase_.empty()) {
    ascii_lower(value, scratch.lowered);
    if (auto it = exact_nocase_.find(scratch.lowered); it != exact_nocase_.end())
      for (uint32_t op : it->second) scratch.op_hits.set(op, true);
  }
  if (set_) match_patterns(value, scratch);
  if (!intervals_.empty()) {
    if (std::optional<Number> n = parse_number(value))
      for (const auto& [op, in] : intervals_)
        if (in.lo <= *n && *n <= in.hi) scratch.op_hits.set(op, true);
  }
  if (!networks_.empty()) {
    if (std::optional<IpAddress> ip = parse_ip(value))
      for (const auto& [op, net] : networks_)
        if (net.contains(*ip)) scratch.op_hits.set(op, true);
  }
}

void FieldMatcher::evaluate(const std::vector<std::string>& values, FieldScratch& scratch,
                            BitSet& bits) const {
  for (const Predicate& p : predicates_)
    bits.set(p.bit, values.empty() && p.exists == false && p.ops.empty());
  if (values.empty()) return;
  scratch.op_hits.ensure(op_count_);
  for (const std::string& value : values) {
    match_value(value, scratch);
    for (const Predicate& p : predicates_) {
      if (p.exists == false || bits.test(p.bit)) continue;
      bool all = true;
      for (uint32_t op : p.ops) all = all && scratch.op_hits.test(op);
      if (all) bits.set(p.bit, true);
    }
  }
}

}  // namespace yagura::policy
