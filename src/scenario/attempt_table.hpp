// Delivery attempt counters: per (from, rcpt), counted at every RCPT whatever the reply, and
// per client_ip at connect. Forgotten after `idle` without attempts (a sender's retry
// schedule rarely spans more than a few days).
#pragma once

#include "scenario/sharded_table.hpp"

namespace bounceback::scenario {

class AttemptTable {
 public:
  // Defaults: scenario::Settings.
  AttemptTable(std::size_t capacity, std::chrono::milliseconds idle)
      : table_(capacity), idle_(idle) {}

  // Counts one more attempt and returns its number (1 for the first).
  std::uint64_t count(std::uint64_t key, TimePoint now) {
    return table_.with(
        key, now,
        [&] {
          return Entry{0, now + idle_};
        },
        [&](Entry& e, bool) {
          e.expires = now + idle_;
          return ++e.count;
        });
  }
  // The number of attempts so far, without counting one.
  std::uint64_t current(std::uint64_t key, TimePoint now) {
    return table_.with(
        key, now,
        [&] {
          return Entry{0, now + idle_};
        },
        [](Entry& e, bool) { return e.count; });
  }
  void clear() { table_.clear(); }

 private:
  struct Entry {
    std::uint64_t count;
    TimePoint expires;
  };
  ShardedTable<Entry> table_;
  std::chrono::milliseconds idle_;
};

}  // namespace bounceback::scenario
