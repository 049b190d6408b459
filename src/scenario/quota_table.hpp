// Bytes accepted per recipient, for `quota` rules: grows with every message accepted (2xx
// after the data), forgotten after `idle` without mail.
#pragma once

#include "scenario/sharded_table.hpp"

namespace bounceback::scenario {

class QuotaTable {
 public:
  // Defaults: scenario::Settings.
  QuotaTable(std::size_t capacity, std::chrono::milliseconds idle)
      : table_(capacity), idle_(idle) {}

  void add(std::uint64_t rcpt, std::uint64_t bytes, TimePoint now) {
    table_.with(
        rcpt, now,
        [&] {
          return Entry{0, now + idle_};
        },
        [&](Entry& e, bool) {
          e.bytes += bytes;
          e.expires = now + idle_;
          return 0;
        });
  }
  std::uint64_t used(std::uint64_t rcpt, TimePoint now) {
    return table_.with(
        rcpt, now,
        [&] {
          return Entry{0, now + idle_};
        },
        [](Entry& e, bool) { return e.bytes; });
  }
  void clear() { table_.clear(); }

 private:
  struct Entry {
    std::uint64_t bytes;
    TimePoint expires;
  };
  ShardedTable<Entry> table_;
  std::chrono::milliseconds idle_;
};

}  // namespace bounceback::scenario
