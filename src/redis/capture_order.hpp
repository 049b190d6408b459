// The order of the shared capture's records across the replicas' streams (--state). Each
// replica writes to a stream of its own (PREFIX "capture:" + replica) and reads the others',
// and nothing orders two streams' entries for a reader: a replica that starts later may read a
// delete before the message it deletes, or a clear after messages written before it. So
// deletes and clears are made commutative here, with the stream entries' ids (Redis's clock,
// one for every stream):
// - a delete of a message not held yet leaves a tombstone (bounded): the message is refused
//   when it comes;
// - a clear written in entry T removes every held message whose entry is older than T, and
//   refuses every message read later whose entry is older than T. Older: an earlier
//   millisecond, or an earlier entry of the clear's own stream; two streams' entries in the
//   same millisecond are not ordered, and such a message is kept;
// - a reset of the attempt log likewise makes later-read attempt changes of older entries moot.
// Pure (no hiredis, no clock): unit-tested (tests/unit/redis/capture_order_test.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace bounceback::redis {

// A stream entry's id, "<milliseconds>-<sequence>".
struct EntryId {
  std::uint64_t ms = 0, seq = 0;
};
std::optional<EntryId> parse_entry_id(std::string_view text);

class CaptureOrder {
 public:
  // `bound`: the messages held and the tombstones kept, each (--max-messages: what a store holds).
  explicit CaptureOrder(std::size_t bound) : bound_(bound ? bound : 1) {}

  // A message read from `stream` (any number naming the stream) in entry `at`: true to keep
  // it (it is then held), false when a delete or a clear read before it removes it.
  bool admit(std::string_view id, std::size_t stream, EntryId at);
  // A message of this replica's, written to `stream` in entry `at`: held, so that another
  // replica's clear removes it too.
  void hold(std::string_view id, std::size_t stream, EntryId at);
  // A delete of `id` read: `found`, the store held it and removed it; else a tombstone.
  void erased(std::string_view id, bool found);
  // A clear written to `stream` in entry `at`: the held messages older than it, to remove
  // (they are forgotten here); messages older than it read later are refused.
  std::vector<std::string> clear(std::size_t stream, EntryId at);

  // An attempt log change read from an entry `at` of another stream than the last reset's:
  // false when a reset newer than it was read already.
  bool attempt_current(EntryId at) const { return at.ms >= attempts_cleared_ms_; }
  void attempts_cleared(EntryId at);

  std::size_t held() const { return held_.size(); }
  std::size_t tombstones() const { return tombstones_.size(); }

 private:
  struct Held {
    std::string id;
    std::size_t stream;
    EntryId at;
  };
  std::size_t bound_;
  std::deque<Held> held_;  // oldest read first
  std::deque<std::string> tombstone_order_;
  std::unordered_set<std::string> tombstones_;
  std::uint64_t cleared_ms_ = 0, attempts_cleared_ms_ = 0;
};

}  // namespace bounceback::redis
