// The store's order on its own: erase in the middle and at the ends, pages across tombstones,
// eviction (pop_front) over tombstones, clear (swap), the ring's rebuilds (growth, compaction,
// shrinking), and a random walk of every operation checked against a std::map.
#include "store/message_order.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "store/message_store.hpp"

using bounceback::store::MessageOrder;
using bounceback::store::MessagePtr;
using bounceback::store::StoredMessage;

namespace {

MessagePtr stored(std::uint64_t sequence) {
  auto m = std::make_shared<StoredMessage>();
  m->sequence = sequence;
  return m;
}

void push(MessageOrder& order, std::uint64_t sequence) {
  order.push_back(sequence, stored(sequence));
}

using Seqs = std::vector<std::uint64_t>;

Seqs page(const MessageOrder& order, std::size_t skip = 0, std::size_t limit = 1000,
          std::uint64_t after = 0, std::uint64_t before = UINT64_MAX) {
  std::vector<MessagePtr> out;
  const std::size_t total = order.newest(after, before, skip, limit, out);
  CHECK(total == order.count(after, before));
  Seqs seqs;
  for (const auto& m : out) seqs.push_back(m->sequence);
  return seqs;
}

std::uint64_t sequence_of(const MessagePtr& m) {
  return m ? m->sequence : 0;
}

}  // namespace

TEST_CASE("message order: erase in the middle and at both ends", "[store][order]") {
  MessageOrder order;
  for (std::uint64_t s = 1; s <= 10; ++s) push(order, s);
  CHECK(sequence_of(order.erase(5)) == 5);
  CHECK(order.erase(5) == nullptr);  // once
  CHECK(order.erase(42) == nullptr);
  CHECK(order.find(5) == nullptr);
  CHECK(sequence_of(order.find(6)) == 6);
  CHECK(page(order) == Seqs{10, 9, 8, 7, 6, 4, 3, 2, 1});
  CHECK(sequence_of(order.erase(1)) == 1);    // the oldest
  CHECK(sequence_of(order.erase(10)) == 10);  // the newest
  CHECK(order.size() == 7);
  CHECK(page(order) == Seqs{9, 8, 7, 6, 4, 3, 2});
  push(order, 11);  // after an erased newest
  CHECK(page(order, 0, 3) == Seqs{11, 9, 8});
  CHECK(order.count(0, UINT64_MAX) == 8);
}

TEST_CASE("message order: pages and sequence ranges across tombstones", "[store][order]") {
  MessageOrder order;
  for (std::uint64_t s = 1; s <= 100; ++s) push(order, s);
  for (std::uint64_t s = 20; s <= 80; ++s) CHECK(order.erase(s));  // a long run of tombstones
  CHECK(order.count(0, UINT64_MAX) == 39);
  CHECK(page(order, 18, 4) == Seqs{82, 81, 19, 18});  // a page that jumps over the run
  CHECK(page(order, 20, 2) == Seqs{19, 18});
  CHECK(page(order, 38, 5) == Seqs{1});
  CHECK(page(order, 39, 5).empty());
  std::vector<MessagePtr> oldest;
  CHECK(order.oldest(17, 4, oldest) == 22);  // 18, 19 and 81..100
  Seqs up;
  for (const auto& m : oldest) up.push_back(m->sequence);
  CHECK(up == Seqs{18, 19, 81, 82});
  CHECK(order.oldest_sequence() == 1);
  CHECK(page(order, 0, 100, 15, 85) == Seqs{84, 83, 82, 81, 19, 18, 17, 16});
  CHECK(order.count(19, 81) == 0);  // only tombstones between
  CHECK(page(order, 0, 10, 19, 81).empty());
  CHECK(order.count(50, 50) == 0);
  CHECK(order.count(0, 1) == 0);
  CHECK(order.count(UINT64_MAX - 1, UINT64_MAX) == 0);
}

TEST_CASE("message order: eviction passes over tombstones; clear", "[store][order]") {
  MessageOrder order;
  for (std::uint64_t s = 1; s <= 6; ++s) push(order, s);
  CHECK(order.erase(2));
  CHECK(order.erase(3));
  CHECK(sequence_of(order.pop_front()) == 1);
  CHECK(sequence_of(order.pop_front()) == 4);  // 2 and 3 were erased: not evicted again
  CHECK(page(order) == Seqs{6, 5});
  CHECK(order.size() == 2);

  MessageOrder dropped;
  dropped.swap(order);  // what the store's clear does, freeing outside its lock
  CHECK(order.size() == 0);
  CHECK(order.pop_front() == nullptr);
  CHECK(page(order).empty());
  CHECK(order.find(5) == nullptr);
  CHECK(dropped.size() == 2);
  push(order, 7);
  CHECK(page(order) == Seqs{7});
}

TEST_CASE("message order: the ring is compacted, not grown, by tombstones", "[store][order]") {
  MessageOrder order;
  push(order, 1);  // kept throughout: the ring's oldest end never moves past it
  std::uint64_t s = 1;
  push(order, ++s);
  for (int i = 0; i < 100000; ++i) {
    push(order, ++s);
    REQUIRE(order.erase(s - 1));  // between the kept oldest and the newest: a tombstone
  }
  CHECK(order.capacity() <= 64);  // tombstones dropped when the ring fills, so it stays small
  CHECK(order.size() == 2);
  CHECK(page(order) == Seqs{s, 1});
  CHECK(sequence_of(order.find(1)) == 1);

  // Erasing most of a large ring shrinks it.
  MessageOrder big;
  for (std::uint64_t q = 1; q <= 10000; ++q) push(big, q);
  const std::size_t full = big.capacity();
  CHECK(full >= 10000);
  for (std::uint64_t q = 1; q <= 9990; ++q) REQUIRE(big.erase(q));
  CHECK(big.size() == 10);
  CHECK(big.capacity() < full / 8);
  CHECK(page(big) == Seqs{10000, 9999, 9998, 9997, 9996, 9995, 9994, 9993, 9992, 9991});
}

TEST_CASE("message order: a random walk agrees with a map", "[store][order]") {
  std::mt19937_64 random(20);  // fixed: a failure replays
  for (int round = 0; round < 20; ++round) {
    MessageOrder order;
    std::map<std::uint64_t, MessagePtr> model;
    std::uint64_t next = 1;
    const int ops = 4000;
    for (int op = 0; op < ops; ++op) {
      // Even rounds grow; odd ones stay near a size, so the ring wraps round many times.
      const auto dice = random() % 100;
      if (dice < (round % 2 ? 35 : 45) || model.empty()) {
        const auto m = stored(next);
        order.push_back(next, m);
        model.emplace(next, m);
        next += 1 + random() % 3 * (random() % 2);  // sequences need not be consecutive
      } else if (dice < 60) {
        const auto oldest = order.pop_front();
        REQUIRE(oldest == model.begin()->second);
        model.erase(model.begin());
      } else if (dice < 80) {
        const std::uint64_t s = 1 + random() % next;
        const auto erased = order.erase(s);
        const auto it = model.find(s);
        REQUIRE(erased == (it == model.end() ? nullptr : it->second));
        if (it != model.end()) model.erase(it);
      } else if (dice < 90) {
        const std::uint64_t s = 1 + random() % next;
        const auto it = model.find(s);
        REQUIRE(order.find(s) == (it == model.end() ? nullptr : it->second));
      } else {
        std::uint64_t after = random() % 2 ? 0 : random() % (next + 1);
        std::uint64_t before = random() % 2 ? UINT64_MAX : random() % (next + 2);
        const std::size_t skip = random() % (model.size() + 2);
        const std::size_t limit = random() % 60;
        std::vector<MessagePtr> expected;
        std::size_t total = 0;
        for (auto it = model.rbegin(); it != model.rend(); ++it) {
          if (it->first <= after || it->first >= before) continue;
          if (total >= skip && expected.size() < limit) expected.push_back(it->second);
          ++total;
        }
        std::vector<MessagePtr> got;
        REQUIRE(order.newest(after, before, skip, limit, got) == total);
        REQUIRE(got == expected);
        REQUIRE(order.count(after, before) == total);
        // The same messages oldest first, from `after` on (a reader catching up).
        std::vector<MessagePtr> oldest_expected;
        std::size_t above = 0;
        for (auto it = model.upper_bound(after); it != model.end(); ++it, ++above)
          if (oldest_expected.size() < limit) oldest_expected.push_back(it->second);
        std::vector<MessagePtr> oldest_got;
        REQUIRE(order.oldest(after, limit, oldest_got) == above);
        REQUIRE(oldest_got == oldest_expected);
        REQUIRE(order.oldest_sequence() == (model.empty() ? 0 : model.begin()->first));
      }
      REQUIRE(order.size() == model.size());
    }
    std::vector<MessagePtr> all;
    for (auto it = model.rbegin(); it != model.rend(); ++it) all.push_back(it->second);
    REQUIRE(order.newest_first() == all);
  }
}
