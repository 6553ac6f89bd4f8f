// A fixed-size set of small integers: the per-evaluation results of a
// policy's predicates and operators, reused from one event to the next.
//
//   BitSet b(100);
//   b.set(42, true);
//   if (b.test(42)) ...
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace yagura::policy {

class BitSet {
 public:
  BitSet() = default;
  explicit BitSet(size_t size) : words_((size + 63) / 64) {}

  // Grows to hold at least `size` bits; new bits are clear.
  void ensure(size_t size) {
    if (words_.size() * 64 < size) words_.resize((size + 63) / 64);
  }
  bool test(size_t i) const { return (words_[i / 64] >> (i % 64)) & 1; }
  void set(size_t i, bool value) {
    uint64_t bit = uint64_t{1} << (i % 64);
    words_[i / 64] = value ? (words_[i / 64] | bit) : (words_[i / 64] & ~bit);
  }
  // Clears bits [0, size).
  void clear(size_t size) { std::fill_n(words_.begin(), (size + 63) / 64, 0); }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace yagura::policy
