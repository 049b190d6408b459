// The in-memory store's newest-first reads: order, paging, ranges by sequence, the address
// index kept with eviction, erase and clear; its observers, subscribed and unsubscribed while
// messages are stored.
#include "store/message_store.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using bounceback::smtp::AcceptedMessage;
using bounceback::store::MessagePtr;
using bounceback::store::MessageRange;
using bounceback::store::MessageStore;

namespace {

AcceptedMessage message(const std::string& id, const std::string& from = "a@x.test",
                        std::vector<std::string> to = {"b@y.test"}) {
  AcceptedMessage m;
  m.queue_id = id;
  m.from = from;
  for (auto& r : to) m.rcpts.push_back({std::move(r), {}});
  m.data = "Subject: s\r\n\r\nbody\r\n";
  return m;
}

// The ids of a read, newest first.
std::vector<std::string> ids(const MessageStore& store, MessageRange range, std::size_t skip = 0,
                             std::size_t count = 100) {
  std::vector<std::string> out;
  for (const auto& m : store.newest(range, skip, count).messages)
    out.push_back(m->message.queue_id);
  return out;
}

std::vector<std::string> visited(const MessageStore& store, std::size_t at_most) {
  return ids(store, {}, 0, at_most);
}

MessageRange to(std::string_view address) {
  return {MessageRange::By::recipient, address};
}
MessageRange from(std::string_view address) {
  return {MessageRange::By::sender, address};
}

using Ids = std::vector<std::string>;

}  // namespace

TEST_CASE("message store: visit newest first, stopping when told", "[store]") {
  MessageStore store(3);
  CHECK(visited(store, 10).empty());
  for (const char* id : {"M1", "M2", "M3", "M4"}) CHECK(store.store(message(id)));
  // M1 was evicted by the bound of 3.
  CHECK(visited(store, 10) == std::vector<std::string>{"M4", "M3", "M2"});
  CHECK(visited(store, 1) == std::vector<std::string>{"M4"});
  CHECK(store.erase("M3"));
  CHECK(visited(store, 10) == std::vector<std::string>{"M4", "M2"});
  store.clear();
  CHECK(visited(store, 10).empty());
}

TEST_CASE("message store: pages and sequence ranges of the whole store", "[store]") {
  MessageStore store(100);
  for (int i = 1; i <= 10; ++i) CHECK(store.store(message("M" + std::to_string(i))));
  const auto slice = store.newest({}, 2, 3);
  CHECK(slice.total == 10);
  CHECK(slice.newest == 10);
  CHECK(ids(store, {}, 2, 3) == Ids{"M8", "M7", "M6"});
  CHECK(ids(store, {}, 9, 5) == Ids{"M1"});
  CHECK(ids(store, {}, 10, 5).empty());
  MessageRange older;
  older.before = 4;  // sequences 1..3
  CHECK(ids(store, older) == Ids{"M3", "M2", "M1"});
  CHECK(store.newest(older, 0, 0).total == 3);
  MessageRange newer;
  newer.after = 8;
  CHECK(ids(store, newer) == Ids{"M10", "M9"});
  newer.before = 10;
  CHECK(ids(store, newer) == Ids{"M9"});
  CHECK(store.erase("M9"));
  CHECK(ids(store, newer).empty());
  CHECK(store.newest(newer, 0, 0).total == 0);
}

TEST_CASE("message store: erase leaves pages, eviction and finds whole", "[store][order]") {
  MessageStore store(5);
  for (int i = 1; i <= 5; ++i) CHECK(store.store(message("M" + std::to_string(i))));
  CHECK(store.erase("M3"));  // the middle
  CHECK(!store.erase("M3"));
  CHECK(store.size() == 4);
  CHECK(ids(store, {}, 1, 2) == Ids{"M4", "M2"});  // a page across the erased one
  CHECK(store.newest({}, 0, 0).total == 4);
  CHECK(store.store(message("M6")));  // room left by the erase: nothing evicted
  CHECK(store.evicted() == 0);
  CHECK(store.store(message("M7")));  // evicts M1
  CHECK(store.store(message("M8")));  // evicts M2 (M3 is gone already)
  CHECK(store.evicted() == 2);
  CHECK(visited(store, 10) == Ids{"M8", "M7", "M6", "M5", "M4"});
  CHECK(store.find("M2") == nullptr);
  CHECK(store.find("M4")->message.queue_id == "M4");
  CHECK(store.erase("M8"));  // the newest
  CHECK(store.erase("M4"));  // the oldest
  CHECK(visited(store, 10) == Ids{"M7", "M6", "M5"});
  MessageRange older;
  older.before = 7;  // sequences 5 and 6 of those left
  CHECK(ids(store, older) == Ids{"M6", "M5"});
  CHECK(store.newest(older, 0, 0).total == 2);
  CHECK(store.size() == 3);
  store.clear();
  CHECK(store.size() == 0);
  CHECK(store.store(message("M9")));
  CHECK(visited(store, 10) == Ids{"M9"});
}

TEST_CASE("message store: reads by recipient and sender follow eviction, erase and clear",
          "[store][index]") {
  MessageStore store(4);
  CHECK(store.store(message("M1", "s@x.test", {"a@x.test", "b@x.test"})));
  CHECK(store.store(message("M2", "S@X.test", {"A@X.TEST"})));
  CHECK(store.store(message("M3", "t@x.test", {"b@x.test", "B@x.test"})));
  CHECK(store.store(message("M4", "s@x.test", {"c@x.test"})));
  CHECK(ids(store, to("a@x.test")) == Ids{"M2", "M1"});
  CHECK(ids(store, to("B@X.TEST")) == Ids{"M3", "M1"});  // M3 named b twice: listed once
  CHECK(ids(store, from("s@x.test")) == Ids{"M4", "M2", "M1"});
  CHECK(store.newest(to("b@x.test"), 0, 0).total == 2);
  CHECK(ids(store, to("a@x.test"), 1, 1) == Ids{"M1"});

  CHECK(store.store(message("M5", "u@x.test", {"a@x.test"})));  // evicts M1
  CHECK(ids(store, to("a@x.test")) == Ids{"M5", "M2"});
  CHECK(ids(store, to("b@x.test")) == Ids{"M3"});
  CHECK(ids(store, from("s@x.test")) == Ids{"M4", "M2"});

  CHECK(store.erase("M2"));
  CHECK(ids(store, to("a@x.test")) == Ids{"M5"});
  CHECK(ids(store, from("s@x.test")) == Ids{"M4"});
  MessageRange older = to("a@x.test");
  older.before = 5;
  CHECK(ids(store, older).empty());

  store.clear();
  CHECK(ids(store, to("a@x.test")).empty());
  CHECK(ids(store, from("s@x.test")).empty());
  CHECK(store.store(message("M6", "s@x.test", {"a@x.test"})));
  CHECK(ids(store, to("a@x.test")) == Ids{"M6"});
  CHECK(store.newest(to("a@x.test"), 0, 0).newest == 6);
  CHECK(ids(store, to("nobody@x.test")).empty());
}

namespace {

// An observer that counts its calls and the copies made of it.
struct Counting {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> copies = std::make_shared<std::atomic<int>>(0);
  Counting() = default;
  Counting(const Counting& o) : calls(o.calls), copies(o.copies) { ++*copies; }
  Counting(Counting&&) = default;
  void operator()(const MessagePtr&) const { ++*calls; }
};

}  // namespace

TEST_CASE("message store: observers hear each message once it is visible, until unsubscribed",
          "[store][observers]") {
  MessageStore store(10);
  std::vector<std::string> heard;
  bool visible = true;
  const auto first = store.subscribe([&](const MessagePtr& m) {
    heard.push_back("1:" + m->message.queue_id);
    visible = visible && store.find(m->message.queue_id) == m;  // no lock held here
  });
  CHECK(store.store(message("M1")));
  const auto second =
      store.subscribe([&](const MessagePtr& m) { heard.push_back("2:" + m->message.queue_id); });
  CHECK(first != second);
  CHECK(store.store(message("M2")));
  store.unsubscribe(first);
  store.unsubscribe(first);       // twice: nothing
  store.unsubscribe(second + 7);  // unknown: nothing
  CHECK(store.store(message("M3")));
  store.unsubscribe(second);
  CHECK(store.store(message("M4")));
  CHECK(heard == Ids{"1:M1", "1:M2", "2:M2", "2:M3"});
  CHECK(visible);
}

TEST_CASE("message store: storing copies no observer", "[store][observers]") {
  MessageStore store(10);
  Counting counting;
  store.subscribe(counting);
  store.subscribe([](const MessagePtr&) {});
  const int after_subscribing = *counting.copies;
  for (int i = 0; i < 5; ++i) CHECK(store.store(message("M" + std::to_string(i))));
  CHECK(*counting.calls == 5);
  CHECK(*counting.copies == after_subscribing);
}

TEST_CASE("message store: an observer may unsubscribe itself while it is called",
          "[store][observers]") {
  // The list the store took keeps the running observer alive: its captures are still
  // readable after unsubscribe() returned (ASan would see a use after free otherwise).
  MessageStore store(10);
  auto token = std::make_shared<std::uint64_t>(0);
  auto calls = std::make_shared<int>(0);
  auto after = std::make_shared<std::string>();
  *token = store.subscribe([&store, token, calls, after](const MessagePtr& m) {
    store.unsubscribe(*token);
    ++*calls;
    *after = m->message.queue_id + " after " + std::to_string(*token);
  });
  const auto other = Counting();
  store.subscribe(other);
  CHECK(store.store(message("M1")));
  CHECK(store.store(message("M2")));
  CHECK(*calls == 1);
  CHECK(*after == "M1 after " + std::to_string(*token));
  CHECK(*other.calls == 2);
  CHECK(token.use_count() == 1);  // the observer, and its captures, freed
}

TEST_CASE("message store: subscribe and unsubscribe while other threads store",
          "[store][observers]") {
  MessageStore store(100);
  const Counting steady;
  store.subscribe(steady);
  constexpr int threads = 3, per_thread = 2000;
  std::atomic<bool> storing{true};
  std::vector<Counting> transient;
  std::thread churn([&] {
    // Subscribes and unsubscribes as fast as it can while the stores run.
    while (storing.load()) {
      const Counting c;
      const auto token = store.subscribe(c);
      std::this_thread::yield();
      store.unsubscribe(token);
      transient.push_back(c);
    }
  });
  std::vector<std::thread> storers;
  for (int t = 0; t < threads; ++t)
    storers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i)
        store.store(message("T" + std::to_string(t) + "-" + std::to_string(i)));
    });
  for (auto& s : storers) s.join();
  storing = false;
  churn.join();
  CHECK(store.accepted() == threads * per_thread);
  CHECK(*steady.calls == threads * per_thread);  // every message, however the list changed
  // No store is in flight now: an unsubscribed observer hears nothing more.
  std::vector<int> before;
  for (const auto& c : transient) before.push_back(*c.calls);
  CHECK(store.store(message("last")));
  CHECK(*steady.calls == threads * per_thread + 1);
  for (std::size_t i = 0; i < transient.size(); ++i) CHECK(*transient[i].calls == before[i]);
  CHECK(!transient.empty());
}
