// Event counts per (rule, key value) in fixed windows of `per` starting at the first event,
// for `rate_limit`: the rule holds for events past `max` in the current window.
#pragma once

#include "scenario/rule.hpp"
#include "scenario/sharded_table.hpp"

namespace bounceback::scenario {

class RateTable {
 public:
  // The capacity's default: scenario::Settings.
  explicit RateTable(std::size_t capacity) : table_(capacity) {}

  // Counts the event; true when it is past the limit.
  bool over_limit(std::uint64_t key, TimePoint now, const RateLimitSpec& spec) {
    return table_.with(
        key, now,
        [&] {
          return Entry{0, now + spec.per};
        },
        [&](Entry& e, bool) { return ++e.count > spec.max; });
  }
  void clear() { table_.clear(); }

 private:
  struct Entry {
    std::uint64_t count;
    TimePoint expires;  // end of the window
  };
  ShardedTable<Entry> table_;
};

}  // namespace bounceback::scenario
