// Greylisting state per (client_ip, from, rcpt) triplet, as Postgrey does it: the first
// attempt is held, a retry after `retry_after` passes, and a passed triplet keeps passing
// until it has been unused for `expire`.
#pragma once

#include "scenario/rule.hpp"
#include "scenario/sharded_table.hpp"

namespace bounceback::scenario {

class GreylistTable {
 public:
  // The capacity's default: scenario::Settings.
  explicit GreylistTable(std::size_t capacity) : table_(capacity) {}

  // True when the attempt is held (to be rejected) now.
  bool holds(std::uint64_t triplet, TimePoint now, const GreylistSpec& spec) {
    return table_.with(
        triplet, now,
        [&] {
          return Entry{now, false, now + spec.expire};
        },
        [&](Entry& e, bool fresh) {
          if (fresh) return true;
          if (!e.passed && now - e.first < spec.retry_after) return true;
          e.passed = true;
          e.expires = now + spec.expire;
          return false;
        });
  }
  void clear() { table_.clear(); }
  std::size_t size() const { return table_.size(); }

 private:
  struct Entry {
    TimePoint first;
    bool passed;
    TimePoint expires;
  };
  ShardedTable<Entry> table_;
};

}  // namespace bounceback::scenario
