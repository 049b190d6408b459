// The store's id index on its own (probe runs, removal by backward shift, growth) and inside
// the store (find and erase by id after evictions by count and by bytes, erase, clear).
#include "store/id_index.hpp"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "store/message_store.hpp"

using bounceback::smtp::AcceptedMessage;
using bounceback::store::IdIndex;
using bounceback::store::MessageStore;

namespace {

std::vector<std::uint64_t> candidates(const IdIndex& index, std::string_view id) {
  std::vector<std::uint64_t> out;
  index.candidates(id, [&](std::uint64_t s) { out.push_back(s); });
  return out;
}

AcceptedMessage message(const std::string& id, std::size_t size = 10) {
  AcceptedMessage m;
  m.queue_id = id;
  m.from = "a@x.test";
  m.rcpts.push_back({"b@y.test", {}});
  m.data.assign(size, 'x');
  return m;
}

std::string found(const MessageStore& store, std::string_view id) {
  const auto m = store.find(id);
  return m ? m->message.queue_id + "#" + std::to_string(m->sequence) : "-";
}

}  // namespace

TEST_CASE("id index: random adds and removes agree with a map", "[store][ids]") {
  // Many ids with few slots: long probe runs that wrap around the table, removed from the
  // middle, so every case of the backward shift is met.
  std::mt19937 rng(7);
  IdIndex index;
  std::map<std::uint64_t, std::string> live;
  std::uint64_t next = 1;
  for (int round = 0; round < 20000; ++round) {
    if (live.empty() || rng() % 3 != 0) {
      const std::string id = "S" + std::to_string(rng() % 5000) + "." + std::to_string(next);
      index.add(id, next);
      live.emplace(next++, id);
    } else {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      index.remove(it->second, it->first);
      live.erase(it);
    }
  }
  REQUIRE(index.size() == live.size());
  for (const auto& [sequence, id] : live) {
    const auto c = candidates(index, id);
    INFO(id);
    CHECK(std::count(c.begin(), c.end(), sequence) == 1);
  }
  index.remove("absent", 12345);  // nothing
  CHECK(index.size() == live.size());
  for (const auto& [sequence, id] : live) index.remove(id, sequence);
  CHECK(index.size() == 0);
  CHECK(candidates(index, live.begin()->second).empty());
}

TEST_CASE("message store: find and erase by id follow eviction by count", "[store][ids]") {
  MessageStore store(3);
  for (int i = 1; i <= 5; ++i) CHECK(store.store(message("s1." + std::to_string(i))));
  CHECK(found(store, "s1.1") == "-");  // evicted
  CHECK(found(store, "s1.2") == "-");
  CHECK(found(store, "s1.3") == "s1.3#3");
  CHECK(found(store, "s1.5") == "s1.5#5");
  CHECK_FALSE(store.erase("s1.1"));
  CHECK(store.erase("s1.4"));
  CHECK(found(store, "s1.4") == "-");
  CHECK_FALSE(store.erase("s1.4"));
  CHECK(store.size() == 2);
  CHECK(store.store(message("s1.6")));
  CHECK(store.store(message("s1.7")));  // evicts s1.3, the oldest left
  CHECK(found(store, "s1.3") == "-");
  CHECK(found(store, "s1.5") == "s1.5#5");
  CHECK(found(store, "s1.7") == "s1.7#7");
  CHECK(found(store, "s1") == "-");
  CHECK(found(store, "") == "-");
}

TEST_CASE("message store: find and erase by id follow eviction by bytes and clear",
          "[store][ids]") {
  MessageStore store(100, nullptr, false, 250);
  CHECK(store.store(message("a.1", 100)));
  CHECK(store.store(message("a.2", 100)));
  CHECK(store.store(message("a.3", 100)));  // 300 bytes > 250: a.1 goes
  CHECK(store.evicted_by_bytes() == 1);
  CHECK(found(store, "a.1") == "-");
  CHECK(found(store, "a.2") == "a.2#2");
  CHECK(store.store(message("a.4", 1000)));  // alone over the bound: kept, the rest goes
  CHECK(found(store, "a.2") == "-");
  CHECK(found(store, "a.3") == "-");
  CHECK(found(store, "a.4") == "a.4#4");
  store.clear();
  CHECK(found(store, "a.4") == "-");
  CHECK_FALSE(store.erase("a.4"));
  CHECK(store.store(message("a.4")));  // an id seen before the clear
  CHECK(found(store, "a.4") == "a.4#5");
}

TEST_CASE("message store: two messages of one id: find and erase take the newer", "[store][ids]") {
  MessageStore store(10);
  CHECK(store.store(message("dup")));
  CHECK(store.store(message("other")));
  CHECK(store.store(message("dup")));
  CHECK(found(store, "dup") == "dup#3");
  CHECK(store.erase("dup"));
  CHECK(found(store, "dup") == "dup#1");
  CHECK(store.erase("dup"));
  CHECK(found(store, "dup") == "-");
  CHECK(found(store, "other") == "other#2");
}

TEST_CASE("message store: find by id among 100,000 after erasing from the middle", "[store][ids]") {
  MessageStore store(60000);
  for (int i = 1; i <= 100000; ++i) store.store(message("q." + std::to_string(i), 1));
  CHECK(store.size() == 60000);
  for (int i = 40001; i <= 100000; i += 7) CHECK(found(store, "q." + std::to_string(i)) != "-");
  for (int i = 50000; i < 50100; ++i) CHECK(store.erase("q." + std::to_string(i)));
  CHECK(found(store, "q.50050") == "-");
  CHECK(found(store, "q.40000") == "-");
  CHECK(found(store, "q.40001") == "q.40001#40001");
  CHECK(found(store, "q.50100") == "q.50100#50100");
  CHECK(found(store, "q.100000") == "q.100000#100000");
}
