// EventFeed: subscribers hear each event until unsubscribed; a publish copies no observer
// (the list is copied on write, as the message store's is), and an observer may unsubscribe
// itself while it is called.
#include "store/event_feed.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using bounceback::store::EventFeed;

namespace {

struct Counting {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  std::shared_ptr<std::atomic<int>> copies = std::make_shared<std::atomic<int>>(0);
  Counting() = default;
  Counting(const Counting& o) : calls(o.calls), copies(o.copies) { ++*copies; }
  Counting(Counting&&) = default;
  void operator()(std::string_view, const std::string&) const { ++*calls; }
};

}  // namespace

TEST_CASE("event feed: subscribers hear each event until unsubscribed", "[store][observers]") {
  EventFeed feed;
  CHECK_FALSE(feed.active());
  feed.publish("nobody", "{}");
  std::vector<std::string> heard;
  const auto first = feed.subscribe([&](std::string_view name, const std::string& json) {
    heard.push_back("1:" + std::string(name) + json);
  });
  CHECK(feed.active());
  feed.publish("a", "{}");
  const auto second = feed.subscribe([&](std::string_view name, const std::string&) {
    heard.push_back("2:" + std::string(name));
  });
  CHECK(first != second);
  feed.publish("b", "[]");
  feed.unsubscribe(first);
  feed.unsubscribe(first);       // twice: nothing
  feed.unsubscribe(second + 7);  // unknown: nothing
  CHECK(feed.active());
  feed.publish("c", "{}");
  feed.unsubscribe(second);
  CHECK_FALSE(feed.active());
  feed.publish("d", "{}");
  CHECK(heard == std::vector<std::string>{"1:a{}", "1:b[]", "2:b", "2:c"});
}

TEST_CASE("event feed: publishing copies no observer", "[store][observers]") {
  EventFeed feed;
  Counting counting;
  feed.subscribe(counting);
  feed.subscribe([](std::string_view, const std::string&) {});
  const int after_subscribing = *counting.copies;
  for (int i = 0; i < 5; ++i) feed.publish("session_opened", "{}");
  CHECK(*counting.calls == 5);
  CHECK(*counting.copies == after_subscribing);  // before: one copy per event
}

TEST_CASE("event feed: an observer may unsubscribe itself while it is called",
          "[store][observers]") {
  EventFeed feed;
  auto token = std::make_shared<std::uint64_t>(0);
  auto calls = std::make_shared<int>(0);
  auto after = std::make_shared<std::string>();
  *token = feed.subscribe([&feed, token, calls, after](std::string_view name, const std::string&) {
    feed.unsubscribe(*token);
    ++*calls;
    *after = std::string(name) + " after " + std::to_string(*token);  // captures still alive
  });
  const Counting other;
  feed.subscribe(other);
  feed.publish("e1", "{}");
  feed.publish("e2", "{}");
  CHECK(*calls == 1);
  CHECK(*after == "e1 after " + std::to_string(*token));
  CHECK(*other.calls == 2);
  CHECK(token.use_count() == 1);  // the observer, and its captures, freed
}

TEST_CASE("event feed: subscribe and unsubscribe while other threads publish",
          "[store][observers]") {
  EventFeed feed;
  const Counting steady;
  feed.subscribe(steady);
  constexpr int threads = 3, per_thread = 2000;
  std::atomic<bool> publishing{true};
  std::vector<Counting> transient;
  std::thread churn([&] {
    while (publishing.load()) {
      const Counting c;
      const auto token = feed.subscribe(c);
      std::this_thread::yield();
      feed.unsubscribe(token);
      transient.push_back(c);
    }
  });
  std::vector<std::thread> publishers;
  for (int t = 0; t < threads; ++t)
    publishers.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) feed.publish("x", "{}");
    });
  for (auto& p : publishers) p.join();
  publishing = false;
  churn.join();
  CHECK(*steady.calls == threads * per_thread);
  std::vector<int> before;
  for (const auto& c : transient) before.push_back(*c.calls);
  feed.publish("last", "{}");
  CHECK(*steady.calls == threads * per_thread + 1);
  for (std::size_t i = 0; i < transient.size(); ++i) CHECK(*transient[i].calls == before[i]);
  CHECK(!transient.empty());
}
