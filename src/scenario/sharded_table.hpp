// The storage behind every stateful table: a map from a 64-bit key hash to an entry, split
// into shards with a mutex each (sessions rarely contend), bounded by a capacity with
// oldest-first eviction, and swept of expired entries as it goes.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>

namespace bounceback::scenario {

using TimePoint = std::chrono::system_clock::time_point;

// Entry must have a `TimePoint expires` member.
template <class Entry>
class ShardedTable {
 public:
  static constexpr std::size_t shard_count = 16;

  explicit ShardedTable(std::size_t capacity) : per_shard_(capacity / shard_count + 1) {}

  // Runs f(Entry&, bool fresh) under the shard's lock, creating the entry when absent or
  // expired (`fresh` is then true). `init` gives a fresh entry its value.
  template <class Init, class F>
  auto with(std::uint64_t key, TimePoint now, Init init, F f) {
    Shard& s = shards_[key % shard_count];
    std::lock_guard lock(s.mutex);
    sweep(s, now);
    auto it = s.map.find(key);
    bool fresh = false;
    if (it == s.map.end() || it->second.expires <= now) {
      if (it == s.map.end()) {
        while (s.map.size() >= per_shard_ && !s.order.empty()) {
          s.map.erase(s.order.front());
          s.order.pop_front();
        }
        it = s.map.emplace(key, init()).first;
        s.order.push_back(key);
      } else {
        it->second = init();
      }
      fresh = true;
    }
    return f(it->second, fresh);
  }

  void clear() {
    for (auto& s : shards_) {
      std::lock_guard lock(s.mutex);
      s.map.clear();
      s.order.clear();
    }
  }

  std::size_t size() const {
    std::size_t n = 0;
    for (auto& s : shards_) {
      std::lock_guard lock(s.mutex);
      n += s.map.size();
    }
    return n;
  }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<std::uint64_t, Entry> map;
    std::deque<std::uint64_t> order;  // insertion order, for eviction and sweeping
  };

  // Drops a few expired entries from the front: amortised O(1), keeps memory near the live set.
  void sweep(Shard& s, TimePoint now) {
    for (int i = 0; i < 2 && !s.order.empty(); ++i) {
      auto it = s.map.find(s.order.front());
      if (it != s.map.end() && it->second.expires > now) {
        // Still live: rotate it to the back so the sweep makes progress.
        s.order.push_back(s.order.front());
      } else if (it != s.map.end()) {
        s.map.erase(it);
      }
      s.order.pop_front();
    }
  }

  std::size_t per_shard_;
  std::array<Shard, shard_count> shards_;
};

}  // namespace bounceback::scenario
