// The in-memory store's newest-first visit: order, early stop, and eviction at the bound.
#include "store/message_store.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using bounceback::smtp::AcceptedMessage;
using bounceback::store::MessagePtr;
using bounceback::store::MessageStore;

namespace {

AcceptedMessage message(const std::string& id) {
  AcceptedMessage m;
  m.queue_id = id;
  m.from = "a@x.test";
  m.rcpts.push_back({"b@y.test", {}});
  m.data = "Subject: s\r\n\r\nbody\r\n";
  return m;
}

// The ids visited, newest first, stopping after `at_most`.
std::vector<std::string> visited(const MessageStore& store, std::size_t at_most) {
  std::vector<std::string> ids;
  store.visit_newest_first([&](const MessagePtr& m) {
    ids.push_back(m->message.queue_id);
    return ids.size() < at_most;
  });
  return ids;
}

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
