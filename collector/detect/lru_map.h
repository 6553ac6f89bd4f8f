// A map that holds at most `capacity` entries: inserting past it forgets the
// least recently used one, counted. Every piece of per-host detection state
// (processes, partial sequences, connection series, known destinations)
// lives in one, so that a host sending endless new keys costs bounded
// memory and the loss shows in a counter.
//
//   LruMap<std::string, Facts> processes(65536);
//   processes.put(key, facts);
//   if (Facts* f = processes.find(key)) use(*f);   // and marks it used
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <utility>

namespace yagura::collector {

template <typename K, typename V>
class LruMap {
 public:
  explicit LruMap(size_t capacity) : capacity_(capacity ? capacity : 1) {}

  V* find(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  // Inserts or replaces; answers the stored value.
  V& put(const K& key, V value) {
    if (V* existing = find(key)) return *existing = std::move(value);
    order_.emplace_front(key, std::move(value));
    index_.emplace(key, order_.begin());
    if (order_.size() > capacity_) {
      index_.erase(order_.back().first);
      order_.pop_back();
      ++evicted_;
    }
    return order_.front().second;
  }

  void erase(const K& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return;
    order_.erase(it->second);
    index_.erase(it);
  }

  size_t size() const { return order_.size(); }
  uint64_t evicted() const { return evicted_; }

 private:
  size_t capacity_;
  std::list<std::pair<K, V>> order_;  // most recently used first
  std::unordered_map<K, typename std::list<std::pair<K, V>>::iterator> index_;
  uint64_t evicted_ = 0;
};

}  // namespace yagura::collector
