// Storing is an effect: the session hands the message out (Then::store) and answers only
// once the store reports back, however long it takes (an fsync'd spool); the driver feeds
// nothing meanwhile.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "smtp/replies.hpp"

namespace bounceback::smtp {
namespace {

using test::Harness;

TEST_CASE("a store that completes later: the 250 waits for it, pipelined commands wait too",
          "[smtp][store]") {
  Harness h;
  h.executor->defer_stores();
  h.start();
  const auto replies = h.send(
      "HELO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n."
      "\r\nDATA\r\n");
  CHECK(replies.find("354") != std::string::npos);
  CHECK(replies.find("250 2.0.0 Ok: queued") == std::string::npos);
  REQUIRE(h.executor->waiting_on() == Effect::Kind::store);
  CHECK(h.driver->input() == "DATA\r\n");  // not executed before the message's reply
  CHECK(h.policy.seen.back().kind == EventKind::message);

  const AcceptedMessage& m = h.driver->message();
  CHECK(m.from == "a@x.test");
  REQUIRE(m.rcpts.size() == 1);
  CHECK(m.data == "Subject: hi\r\n\r\nbody\r\n");

  const std::size_t mark = h.executor->wire.size();
  SECTION("stored") {
    h.executor->complete_store(true);
    const std::string after = h.executor->wire.substr(mark);
    CHECK(after.starts_with("250 2.0.0 Ok: queued as S1.1\r\n"));
    CHECK(h.session->facts().messages == 1);
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].data == "Subject: hi\r\n\r\nbody\r\n");
    // Then, and only then, the pipelined DATA runs: no transaction any more.
    CHECK(after.substr(after.find("\r\n") + 2).starts_with("503"));
  }
  SECTION("not stored: 451 4.3.0, and the transaction is over") {
    h.executor->complete_store(false);
    const std::string after = h.executor->wire.substr(mark);
    CHECK(after.starts_with(replies::store_failed));
    CHECK(h.session->facts().messages == 0);
    CHECK(h.sink.messages.empty());
    CHECK(after.substr(replies::store_failed.size()).starts_with("503"));
  }
}

}  // namespace
}  // namespace bounceback::smtp
