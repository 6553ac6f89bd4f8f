// A bounded map that forgets its least recently used entry when full.
// Not thread-safe; callers that share one lock around it.
//
//   LruMap<uint32_t, std::string> names(1024);
//   names.put(0, "root");
//   if (std::string* n = names.find(0)) use(*n);  // find() counts as a use
#pragma once

#include <cstddef>
#include <functional>
#include <list>
#include <unordered_map>
#include <utility>

namespace yagura {

template <typename K, typename V, typename Hash = std::hash<K>>
class LruMap {
 public:
  // capacity 0 keeps nothing.
  explicit LruMap(size_t capacity) : capacity_(capacity) {}

  V* find(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  void put(const K& key, V value) {
    if (V* existing = find(key)) {
      *existing = std::move(value);
      return;
    }
    if (capacity_ == 0) return;
    if (order_.size() >= capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
    }
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
  }

  size_t size() const { return order_.size(); }

 private:
  using Order = std::list<std::pair<K, V>>;  // most recent first
  size_t capacity_;
  Order order_;
  std::unordered_map<K, typename Order::iterator, Hash> index_;
};

}  // namespace yagura
