// The in-memory store's newest-first reads: order, paging, ranges by sequence, the address
// index kept with eviction, erase and clear.
#include "store/message_store.hpp"

#include <catch2/catch.hpp>
#include <string>
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
