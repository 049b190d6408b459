// Storing is an effect: the session hands the message out (Then::store) and answers only
// once Session::stored() reports the outcome, however long the store takes.
#include <catch2/catch.hpp>

#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {
namespace {

struct Fixture {
  Fixture() {
    config->hostname = "mx.test";
    config->prepare();
    SessionFacts facts;
    facts.id = "S1";
    facts.client_ip = "192.0.2.7";
    session = std::make_unique<Session>(config, policy, nullptr, facts);
    Output out;
    session->start(out);
  }
  // Feeds all of `input` like the network driver; stops at the first Then::store.
  std::string feed(std::string_view input, Output& out) {
    std::string replies;
    while (!input.empty()) {
      out.clear();
      const auto n = session->feed(input, out);
      input.remove_prefix(n);
      replies += out.now;
      if (out.then == Output::Then::store) break;
    }
    rest = input;
    return replies;
  }
  std::shared_ptr<SessionConfig> config = std::make_shared<SessionConfig>();
  AcceptAll policy;
  std::unique_ptr<Session> session;
  std::string rest;
};

TEST_CASE("a blocking sink: the 250 waits for stored(), pipelined commands wait too", "[smtp][store]") {
  Fixture f;
  Output out;
  const auto replies = f.feed(
      "HELO c\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@y.test>\r\nDATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n",
      out);
  CHECK(replies.find("354") != std::string::npos);
  CHECK(replies.find("250 2.0.0 Ok: queued") == std::string::npos);
  REQUIRE(out.then == Output::Then::store);
  CHECK(out.paused());
  CHECK(f.rest == "QUIT\r\n");  // not executed before the message's reply

  const AcceptedMessage m = std::move(out.message);
  CHECK(m.from == "a@x.test");
  REQUIRE(m.rcpts.size() == 1);
  CHECK(m.data == "Subject: hi\r\n\r\nbody\r\n");

  SECTION("stored") {
    Output next;
    f.session->stored(true, next);
    CHECK(next.now.starts_with("250 2.0.0 Ok: queued as S1.1\r\n"));
    CHECK(f.session->facts().messages == 1);
  }
  SECTION("not stored: 451 4.3.0, and the transaction is over") {
    Output next;
    f.session->stored(false, next);
    CHECK(next.now == replies::store_failed);
    CHECK(f.session->facts().messages == 0);
    Output after;
    f.feed("DATA\r\n", after);
    CHECK(after.now.starts_with("503"));
  }
}

}  // namespace
}  // namespace bounceback::smtp
