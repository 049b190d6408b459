// The search's address index: per field lists, oldest first; each message once per list
// (envelope and header, case folded); eviction from the front, erase from the middle (and the
// compaction of erased records), clear; the store's part: removals() and oldest_after().
#include "store/search_address_index.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/message_store.hpp"

using bounceback::store::SearchAddressIndex;
using Field = SearchAddressIndex::Field;

namespace {

std::vector<std::uint64_t> list(const SearchAddressIndex& index, Field f, std::string_view a) {
  const auto s = index.sequences(f, a);
  return {s.begin(), s.end()};
}

void add(SearchAddressIndex& index, std::uint64_t seq, std::vector<std::string_view> from,
         std::vector<std::string_view> to) {
  index.add(seq, from, to);
}

bounceback::smtp::AcceptedMessage message(int i) {
  bounceback::smtp::AcceptedMessage m;
  m.queue_id = "M" + std::to_string(i);
  m.from = "a@x.test";
  m.rcpts.push_back({"b@x.test", {}});
  m.data = "Subject: s\r\n\r\nbody\r\n";
  return m;
}

}  // namespace

TEST_CASE("search address index: fields apart, oldest first, each message once", "[store][index]") {
  SearchAddressIndex index;
  // Envelope sender, then the From header's address (the same, folded): listed once.
  add(index, 1, {"app@x.test", "App@X.test"}, {"bob@x.test", "team@x.test", "BOB@x.test"});
  add(index, 2, {"bounces+2@esp.test", "alice@shop.test"}, {"bob@x.test"});
  add(index, 5, {"alice@shop.test"}, {"team@x.test"});
  CHECK(list(index, Field::from, "app@x.test") == std::vector<std::uint64_t>{1});
  CHECK(list(index, Field::from, "ALICE@shop.test") == std::vector<std::uint64_t>{2, 5});
  CHECK(list(index, Field::to, "bob@x.test") == std::vector<std::uint64_t>{1, 2});
  CHECK(list(index, Field::to, "team@x.test") == std::vector<std::uint64_t>{1, 5});
  CHECK(list(index, Field::to, "alice@shop.test").empty());  // a From is not a to:
  CHECK(list(index, Field::from, "bob@x.test").empty());
  CHECK(index.messages() == 3);
  CHECK(index.last() == 5);
  CHECK(index.entries() == 8);  // from: 1 + 2 + 1, to: 2 + 1 + 1 (the repeats not kept)
}

TEST_CASE("search address index: eviction, erase, clear", "[store][index]") {
  SearchAddressIndex index;
  for (std::uint64_t s = 1; s <= 10; ++s)
    add(index, s, {s % 2 ? "odd@x.test" : "even@x.test"}, {"all@x.test"});
  index.drop_below(4);  // 1-3 evicted
  CHECK(list(index, Field::to, "all@x.test") == std::vector<std::uint64_t>{4, 5, 6, 7, 8, 9, 10});
  CHECK(list(index, Field::from, "odd@x.test") == std::vector<std::uint64_t>{5, 7, 9});
  index.erase(7);
  index.erase(7);   // twice: nothing more
  index.erase(42);  // never added
  CHECK(list(index, Field::to, "all@x.test") == std::vector<std::uint64_t>{4, 5, 6, 8, 9, 10});
  CHECK(list(index, Field::from, "odd@x.test") == std::vector<std::uint64_t>{5, 9});
  CHECK(index.messages() == 6);
  index.drop_below(8);  // the erased 7 among them
  CHECK(list(index, Field::to, "all@x.test") == std::vector<std::uint64_t>{8, 9, 10});
  CHECK(list(index, Field::from, "even@x.test") == std::vector<std::uint64_t>{8, 10});
  CHECK(index.messages() == 3);
  CHECK(index.entries() == 6);
  index.erase(9);
  CHECK(index.addresses() == 2);  // odd@ has no message left: forgotten
  index.clear();
  CHECK(index.messages() == 0);
  CHECK(index.addresses() == 0);
  CHECK(list(index, Field::to, "all@x.test").empty());
  CHECK(index.last() == 10);  // a reader goes on after it
  add(index, 11, {"odd@x.test"}, {"all@x.test"});
  CHECK(list(index, Field::to, "all@x.test") == std::vector<std::uint64_t>{11});
}

TEST_CASE("search address index: erased records are compacted, the rest kept", "[store][index]") {
  SearchAddressIndex index;
  const std::vector<std::string> names = {"a@x.test", "b@x.test", "c@x.test"};
  for (std::uint64_t s = 1; s <= 5000; ++s)
    add(index, s, {names[s % 3]}, {names[(s + 1) % 3], "all@x.test"});
  for (std::uint64_t s = 1; s <= 5000; ++s)
    if (s % 5 != 0) index.erase(s);  // 4,000 erased: compacted on the way
  CHECK(index.messages() == 1000);
  CHECK(index.entries() < 3 * 5000);  // the compaction dropped dead records' keys
  const auto all = list(index, Field::to, "all@x.test");
  REQUIRE(all.size() == 1000);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i] == 5 * (i + 1));
  index.drop_below(4001);
  CHECK(index.messages() == 200);
  CHECK(list(index, Field::from, "b@x.test").front() == 4015);  // 4015 % 3 == 1
  add(index, 5001, {"b@x.test"}, {});
  CHECK(list(index, Field::from, "b@x.test").back() == 5001);
}

TEST_CASE("store: removals() says what a mirror forgets, oldest_after() what it reads",
          "[store][index]") {
  bounceback::store::MessageStore store(5);
  for (int i = 1; i <= 4; ++i) store.store(message(i));
  auto r = store.removals(0);  // a first look: nothing of the past
  CHECK(r.oldest == 1);
  CHECK(r.erased.empty());
  CHECK(r.complete);
  auto read = store.oldest_after(1, 2);
  REQUIRE(read.messages.size() == 2);
  CHECK(read.messages[0]->sequence == 2);
  CHECK(read.messages[1]->sequence == 3);
  CHECK(read.total == 3);
  CHECK(read.newest == 4);
  CHECK(store.erase("M3"));
  for (int i = 5; i <= 7; ++i) store.store(message(i));  // 1 evicted
  r = store.removals(r.cursor);
  CHECK(r.oldest == 2);
  CHECK(r.erased == std::vector<std::uint64_t>{3});
  r = store.removals(r.cursor);
  CHECK(r.erased.empty());
  store.clear();
  r = store.removals(r.cursor);
  CHECK(r.oldest == 8);  // everything below is gone
  // More erasures than remembered: incomplete.
  bounceback::store::MessageStore big(10'000);
  const auto n = static_cast<int>(bounceback::store::MessageStore::erase_memory) + 10;
  for (int i = 1; i <= n; ++i) big.store(message(i));
  const auto start = big.removals(0);
  for (int i = 2; i <= n; ++i) big.erase("M" + std::to_string(i));
  const auto late = big.removals(start.cursor);
  CHECK_FALSE(late.complete);
  CHECK(late.erased.size() == bounceback::store::MessageStore::erase_memory);
}
