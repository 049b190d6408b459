// The search's address index through find_matches: the same pages as the scan (envelope or
// From/To/Cc headers, exact, delimited, case folded), newest first, each message once, after
// stores, evictions, erasures (a few, and more than the store remembers) and a clear; a term
// the index cannot answer exactly (delimiters in it) still scans; the headers are parsed once.
#include "api/address_search.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "api/message_query.hpp"
#include "api/message_search.hpp"

using namespace bounceback;
using namespace bounceback::api;

namespace {

SearchQuery search(std::string_view q) {
  std::string error;
  auto parsed = parse_search(q, error);
  INFO(error);
  REQUIRE(parsed);
  return *parsed;
}

// Message i: envelope sender/recipient and headers varied by i, so that addresses are found in
// the envelope only, a header only, both, with other case, with delimiters, or almost.
smtp::AcceptedMessage message(int i) {
  smtp::AcceptedMessage m;
  m.queue_id = "M" + std::to_string(i);
  m.from = i % 7 == 0 ? "bounces+" + std::to_string(i) + "@esp.test" : "app@x.test";
  m.rcpts.push_back({"rcpt" + std::to_string(i % 5) + "@x.test", {}});
  if (i % 11 == 0) m.rcpts.push_back({"Team@X.test", {}});
  std::string data;
  if (i % 7 == 0)
    data += "From: \"Alice A.\" <Alice@Shop.test>\r\n";
  else if (i % 3 == 0)
    data += "From: app@x.test\r\n";
  data += "To: rcpt" + std::to_string(i % 5) + "@x.test";
  if (i % 4 == 0) data += ", team@x.test (Team)";
  data += "\r\n";
  if (i % 6 == 0) data += "Cc: x\r\n <cc" + std::to_string(i % 2) + "@x.test>;\r\n";
  if (i % 9 == 0) data += "Cc: xcc0@x.test, cc0@x.test.org\r\n";  // almost: not cc0@x.test
  if (i % 10 == 0) data += "Cc: =?utf-8?q?B=C3=A9?= <enc@x.test>\r\n";
  data += "Subject: s" + std::to_string(i) + "\r\n\r\nbody cc1@x.test\r\n";
  m.data = std::move(data);
  return m;
}

std::vector<std::string> ids(const MatchPage& page) {
  std::vector<std::string> out;
  for (const auto& m : page.messages) out.push_back(m->message.queue_id);
  return out;
}

const char* const queries[] = {"to:team@x.test",
                               "to:TEAM@x.test",
                               "from:alice@shop.test",
                               "from:app@x.test",
                               "to:cc0@x.test",
                               "to:cc1@x.test",
                               "to:rcpt3@x.test",
                               "to:enc@x.test",
                               "from:bounces+14@esp.test",
                               "to:alice@shop.test",
                               "to:nobody@x.test",
                               "to:xcc0@x.test",
                               "to:team@x.test from:alice@shop.test",
                               "to:team@x.test -to:rcpt0@x.test",
                               "to:cc0@x.test s12",
                               "-to:team@x.test",
                               "from:\"<alice@shop.test>\"",
                               "to:team@"};

// Every query's pages with the index equal the scan's (no budget), and the index was used.
void same_as_scan(const store::MessageStore& store, AddressSearch& index) {
  for (const auto* q : queries) {
    INFO(q);
    MessageFilter filter;
    filter.query = search(q);
    for (const Page page : {Page{0, 1000}, Page{0, 3}, Page{2, 4}}) {
      const auto scanned = find_matches(store, filter, MatchQuery{page});
      const auto indexed = find_matches(store, filter, MatchQuery{page}, &index);
      CHECK(ids(indexed) == ids(scanned));
      CHECK(indexed.total == scanned.total);
      CHECK(indexed.more == scanned.more);
      CHECK(indexed.next == scanned.next);
      CHECK((indexed.first ? indexed.first->sequence : 0) ==
            (scanned.first ? scanned.first->sequence : 0));
    }
  }
}

}  // namespace

TEST_CASE("address search: the index finds what the scan finds", "[api][search][index]") {
  store::MessageStore store(150);
  AddressSearch index;
  for (int i = 1; i <= 100; ++i) store.store(message(i));
  same_as_scan(store, index);
  CHECK(index.stats().parsed == 100);
  // More stored, some evicted (the bound), some erased, in between looks.
  for (int i = 101; i <= 200; ++i) store.store(message(i));
  for (int i = 60; i <= 190; i += 3) store.erase("M" + std::to_string(i));
  same_as_scan(store, index);
  // Each message's headers parsed once: 101-200, less the 30 erased (102-189) before the look.
  CHECK(index.stats().parsed == 170);
  CHECK(index.stats().messages == store.size());
  store.clear();
  same_as_scan(store, index);
  CHECK(index.stats().messages == 0);
  for (int i = 201; i <= 230; ++i) store.store(message(i));
  same_as_scan(store, index);
  CHECK(index.stats().messages == 30);
}

TEST_CASE("address search: more erased than the store remembers", "[api][search][index]") {
  store::MessageStore store(20'000);
  AddressSearch index;
  const int n = static_cast<int>(store::MessageStore::erase_memory) + 500;
  for (int i = 1; i <= n; ++i) store.store(message(i));
  same_as_scan(store, index);
  for (int i = 2; i < n; i += 1) {
    if (i % 13 != 0) store.erase("M" + std::to_string(i));
  }
  CHECK_FALSE(store.removals(1).complete);
  same_as_scan(store, index);
  CHECK(index.stats().messages == store.size());
}

TEST_CASE("address search: a header address, paging newest first, each message once",
          "[api][search][index]") {
  store::MessageStore store(10'000);
  AddressSearch index;
  // 1,000 messages; rare@ in the envelope of 1, 5, 9, in the To header only of 20, in both of 30.
  for (int i = 0; i < 1000; ++i) {
    smtp::AcceptedMessage m;
    m.queue_id = "M" + std::to_string(i);
    m.from = "app@x.test";
    const bool env = i == 1 || i == 5 || i == 9 || i == 30;
    m.rcpts.push_back({env ? "rare@example.test" : "common@example.test", {}});
    m.data = std::string("To: ") + (i == 20 || i == 30 ? "Rare <RARE@example.test>" : "x@y.test") +
             "\r\n\r\nbody\r\n";
    store.store(std::move(m));
  }
  MessageFilter filter;
  filter.query = search("to:rare@example.test");
  MatchQuery q{Page{0, 2}};
  q.budget = ScanBudget{5, SIZE_MAX};  // the scan would stop after 5 messages: the index does not
  auto page = find_matches(store, filter, q, &index);
  CHECK(ids(page) == std::vector<std::string>{"M30", "M20"});
  CHECK(page.total == 5);
  CHECK_FALSE(page.more);
  REQUIRE(page.next != 0);
  MatchQuery second{Page{0, 2}};
  second.before = page.next;
  page = find_matches(store, filter, second, &index);
  CHECK(ids(page) == std::vector<std::string>{"M9", "M5"});
  page = find_matches(store, filter, MatchQuery{Page{4, 2}}, &index);
  CHECK(ids(page) == std::vector<std::string>{"M1"});
  CHECK(page.first->message.queue_id == "M30");
  // A wait's look: nothing newer; then a message with it only in Cc arrives.
  MatchQuery wait{Page{0, 1}};
  wait.count_all = false;
  page = find_matches(store, filter, wait, &index);
  const auto mark = page.newest;
  CHECK(mark == 1000);
  smtp::AcceptedMessage cc;
  cc.queue_id = "CC";
  cc.from = "app@x.test";
  cc.rcpts.push_back({"common@example.test", {}});
  cc.data = "Cc: rare@example.test\r\n\r\nbody\r\n";
  store.store(std::move(cc));
  wait.after = mark;
  page = find_matches(store, filter, wait, &index);
  CHECK(ids(page) == std::vector<std::string>{"CC"});
  CHECK(index.stats().parsed == 1001);
}

TEST_CASE("address search: a large store is indexed in bounded steps", "[api][search][index]") {
  store::MessageStore store(1'000);
  AddressSearch index(30);  // 30 messages parsed per catch-up at most
  for (int i = 1; i <= 100; ++i) store.store(message(i));
  // Each catch-up parses one step; the fourth has every message.
  CHECK_FALSE(index.catch_up(store));
  CHECK(index.stats().parsed == 30);
  CHECK_FALSE(index.catch_up(store));
  CHECK(index.stats().parsed == 60);
  // Meanwhile find_matches scans (the same pages), one step per call; asked to, it answers
  // `pending` (after its step) instead of scanning.
  same_as_scan(store, index);
  CHECK(index.stats().parsed == 100);
  CHECK(index.stats().messages == 100);
  MessageFilter filter;
  filter.query = search("to:team@x.test");
  for (int i = 101; i <= 170; ++i) store.store(message(i));
  MatchQuery q{Page{0, 5}};
  q.index_pending = true;
  const auto steps = index.stats().steps;
  auto page = find_matches(store, filter, q, &index);
  CHECK(page.pending);
  CHECK(page.messages.empty());
  CHECK(index.stats().parsed == 130);
  page = find_matches(store, filter, q, &index);
  CHECK(page.pending);
  page = find_matches(store, filter, q, &index);  // the last 10: caught up, answered
  CHECK_FALSE(page.pending);
  CHECK(index.stats().parsed == 170);
  CHECK(index.stats().steps == steps + 3);
  CHECK(ids(page) == ids(find_matches(store, filter, MatchQuery{Page{0, 5}})));
  CHECK(page.total == find_matches(store, filter, MatchQuery{Page{0, 1000}}).total);
  // While the index lags, a scan's budget applies; once caught up, it does not.
  for (int i = 171; i <= 300; ++i) store.store(message(i));
  MatchQuery budgeted{Page{0, 1000}};
  budgeted.budget = ScanBudget{10, SIZE_MAX};
  filter.query = search("to:rcpt3@x.test");
  page = find_matches(store, filter, budgeted, &index);
  CHECK(page.more);
  CHECK(page.total < 5);
  for (int i = 0; i < 10 && !index.catch_up(store); ++i) {
  }
  page = find_matches(store, filter, budgeted, &index);
  CHECK_FALSE(page.more);
  CHECK(page.total == 60);  // i % 5 == 3 for i in 1..300
  CHECK(ids(page) == ids(find_matches(store, filter, MatchQuery{Page{0, 1000}})));
}
