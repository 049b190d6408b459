// The order of the shared capture across the replicas' streams (--state): a delete read
// before its message, a clear read after messages older than it, in any interleaving, give the
// same set of messages; two streams' entries of one millisecond are not ordered (kept).
#include "redis/capture_order.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

using namespace bounceback;
using redis::CaptureOrder;
using redis::EntryId;

namespace {

// What a reader holds after reading these events in this order (a store's view).
struct Event {
  char what;  // 'm' message, 'd' delete, 'c' clear
  std::string id;
  std::size_t stream;
  EntryId at;
};

std::set<std::string> replay(const std::vector<Event>& events) {
  CaptureOrder order(100);
  std::set<std::string> store;
  for (const auto& e : events) {
    if (e.what == 'm') {
      if (order.admit(e.id, e.stream, e.at)) store.insert(e.id);
    } else if (e.what == 'd') {
      order.erased(e.id, store.erase(e.id) > 0);
    } else {
      for (const auto& id : order.clear(e.stream, e.at)) store.erase(id);
    }
  }
  return store;
}

}  // namespace

TEST_CASE("capture order: entry ids", "[redis]") {
  const auto id = redis::parse_entry_id("1700000000123-7");
  REQUIRE(id);
  CHECK(id->ms == 1700000000123u);
  CHECK(id->seq == 7u);
  CHECK_FALSE(redis::parse_entry_id("123"));
  CHECK_FALSE(redis::parse_entry_id("-1"));
  CHECK_FALSE(redis::parse_entry_id("1-"));
  CHECK_FALSE(redis::parse_entry_id("1-2x"));
  CHECK_FALSE(redis::parse_entry_id(""));
}

TEST_CASE("capture order: any interleaving of the streams gives the same messages", "[redis]") {
  // Stream 1 (replica A): m1 at 100, m2 at 300, m4 at 500. Stream 2 (replica B): a delete of
  // m2 at 350, a clear at 400, m3 at 450. Stream 3 (replica C): m5 at 200, m6 at 400 (the
  // clear's millisecond, another stream: kept).
  const std::vector<std::vector<Event>> streams{
      {{'m', "a1", 1, {100, 0}}, {'m', "a2", 1, {300, 0}}, {'m', "a4", 1, {500, 0}}},
      {{'d', "a2", 2, {350, 0}}, {'c', "", 2, {400, 0}}, {'m', "b3", 2, {450, 0}}},
      {{'m', "c5", 3, {200, 0}}, {'m', "c6", 3, {400, 0}}},
  };
  const std::set<std::string> expected{"a4", "b3", "c6"};
  // Every merge of the three streams that keeps each stream's own order.
  std::vector<std::size_t> picks;
  for (std::size_t s = 0; s < streams.size(); ++s) picks.insert(picks.end(), streams[s].size(), s);
  std::sort(picks.begin(), picks.end());
  int orders = 0;
  do {
    std::vector<std::size_t> next(streams.size(), 0);
    std::vector<Event> events;
    for (const auto s : picks) events.push_back(streams[s][next[s]++]);
    INFO("order " << orders);
    CHECK(replay(events) == expected);
    ++orders;
  } while (std::next_permutation(picks.begin(), picks.end()));
  CHECK(orders == 560);  // 8! / (3! 3! 2!)
}

TEST_CASE("capture order: a clear removes older entries of its own stream in its millisecond",
          "[redis]") {
  CaptureOrder order(100);
  REQUIRE(order.admit("x", 1, {100, 0}));
  REQUIRE(order.admit("y", 2, {100, 0}));
  order.hold("own", 0, {100, 2});
  // Stream 1's clear at 100-1: x (its own stream, entry 100-0) goes; y (another stream, the
  // same millisecond) and this replica's message (100-2, after it) stay.
  CHECK(order.clear(1, {100, 1}) == std::vector<std::string>{"x"});
  CHECK(order.held() == 2);
  // Later arrivals older than the clear are refused; the same millisecond is not.
  CHECK_FALSE(order.admit("late", 3, {99, 5}));
  CHECK(order.admit("tie", 3, {100, 9}));
}

TEST_CASE("capture order: tombstones and held messages are bounded", "[redis]") {
  CaptureOrder order(3);
  for (int i = 0; i < 5; ++i) order.erased("gone" + std::to_string(i), false);
  CHECK(order.tombstones() == 3);
  CHECK(order.admit("gone0", 1, {1, 0}));  // forgotten: the oldest tombstones went first
  CHECK_FALSE(order.admit("gone4", 1, {1, 1}));
  CHECK(order.tombstones() == 2);  // a tombstone is used once
  order.erased("held", true);      // found: no tombstone
  CHECK(order.tombstones() == 2);
  for (int i = 0; i < 5; ++i) order.hold("m" + std::to_string(i), 0, {2, 0});
  CHECK(order.held() == 3);
}

TEST_CASE("capture order: an attempt log reset makes older changes read later moot", "[redis]") {
  CaptureOrder order(10);
  CHECK(order.attempt_current({5, 0}));
  order.attempts_cleared({10, 3});
  CHECK_FALSE(order.attempt_current({9, 99}));
  CHECK(order.attempt_current({10, 0}));  // the same millisecond: not ordered, kept
  CHECK(order.attempt_current({11, 0}));
}
