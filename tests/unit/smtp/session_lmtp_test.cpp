// LMTP (RFC 2033) in the pure session: after the final dot, or BDAT LAST, the Policy decides the
// message once per recipient, the message is stored for the recipients that take it, and one
// reply per recipient goes out in RCPT order.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
using namespace std::chrono_literals;

namespace {

// The message event answered per recipient: 452 for full@, 550 for gone@, the normal 250 else.
Decision by_recipient(const Event& e) {
  if (e.kind != EventKind::message) return {};
  REQUIRE(e.rcpts.size() == 1);  // each decision sees its one recipient
  REQUIRE(e.rcpt == e.rcpts.front());
  if (e.rcpt == "full@mx.test") return reply_with(452, "4.2.2", "Mailbox full");
  if (e.rcpt == "gone@mx.test") return reply_with(550, "5.1.1", "No such user");
  return {};
}

const std::string envelope =
    "LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<ok@mx.test>\r\nRCPT TO:<full@mx.test>\r\n"
    "RCPT TO:<gone@mx.test>\r\nRCPT TO:<ok2@mx.test>\r\n";

}  // namespace

TEST_CASE("lmtp: one reply per recipient, each decided for it", "[smtp][lmtp]") {
  Harness h(
      {}, [](ScriptedPolicy& p) { p.fn = by_recipient; }, nullptr, true);
  h.start();
  h.send(envelope);
  SECTION("DATA") {
    CHECK(h.line("DATA").starts_with("354"));
    CHECK(h.send("Subject: x\r\n\r\nhello\r\n.\r\n") ==
          "250 2.0.0 <ok@mx.test> Ok: queued as S1.1\r\n"
          "452 4.2.2 Mailbox full\r\n"
          "550 5.1.1 No such user\r\n"
          "250 2.0.0 <ok2@mx.test> Ok: queued as S1.1\r\n");
  }
  SECTION("BDAT LAST") {
    CHECK(h.send("BDAT 5 LAST\r\nhello") ==
          "250 2.0.0 <ok@mx.test> Ok: queued as S1.1\r\n"
          "452 4.2.2 Mailbox full\r\n"
          "550 5.1.1 No such user\r\n"
          "250 2.0.0 <ok2@mx.test> Ok: queued as S1.1\r\n");
  }
  // One message, whose envelope is the recipients that took it.
  REQUIRE(h.sink.messages.size() == 1);
  const auto& m = h.sink.messages.front();
  REQUIRE(m.rcpts.size() == 2);
  CHECK(m.rcpts[0].address == "ok@mx.test");
  CHECK(m.rcpts[1].address == "ok2@mx.test");
  CHECK(m.lmtp);
  CHECK(h.session->facts().messages == 1);
  // Each reply is reported for its recipient, for the attempt log.
  std::vector<std::string> message_replies;
  for (const auto& [kind, wire] : h.policy.replies)
    if (kind == EventKind::message) message_replies.push_back(wire);
  CHECK(message_replies.size() == 4);
  // The session goes on: the next transaction.
  CHECK(h.line("RSET") == "250 2.0.0 Ok\r\n");
}

TEST_CASE("lmtp: every recipient refused, nothing is stored", "[smtp][lmtp]") {
  Harness h(
      {}, [](ScriptedPolicy& p) { p.fn = by_recipient; }, nullptr, true);
  h.start();
  h.send(
      "LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<full@mx.test>\r\nRCPT TO:<gone@mx.test>\r\n");
  CHECK(h.send("BDAT 2 LAST\r\nhi") == "452 4.2.2 Mailbox full\r\n550 5.1.1 No such user\r\n");
  CHECK(h.sink.messages.empty());
  CHECK(h.session->facts().messages == 0);
}

TEST_CASE("lmtp: the server's own refusal is said once per recipient", "[smtp][lmtp]") {
  SECTION("too big") {
    Harness h([](SessionConfig& c) { c.limits.message_size = 4; }, {}, nullptr, true);
    h.start();
    h.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@mx.test>\r\nRCPT TO:<y@mx.test>\r\n");
    h.line("DATA");
    CHECK(h.send("0123456789\r\n.\r\n") ==
          "552 5.3.4 Error: message file too big\r\n552 5.3.4 Error: message file too big\r\n");
  }
  SECTION("the store fails") {
    Harness h({}, {}, nullptr, true);
    h.sink.fail = true;
    h.start();
    h.send("LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@mx.test>\r\nRCPT TO:<y@mx.test>\r\n");
    CHECK(h.send("BDAT 2 LAST\r\nhi") ==
          "451 4.3.0 Error: queue file write error\r\n451 4.3.0 Error: queue file write error\r\n");
  }
}

TEST_CASE("lmtp: a recipient's 421 closes, the rest end unanswered", "[smtp][lmtp]") {
  Harness h(
      {},
      [](ScriptedPolicy& p) {
        p.fn = [](const Event& e) {
          if (e.kind == EventKind::message && e.rcpt == "b@mx.test")
            return reply_with(421, "4.3.2", "mx.test going down");
          return Decision{};
        };
      },
      nullptr, true);
  h.start();
  h.send(
      "LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@mx.test>\r\nRCPT TO:<b@mx.test>\r\n"
      "RCPT TO:<c@mx.test>\r\n");
  CHECK(h.send("BDAT 2 LAST\r\nhi") ==
        "250 2.0.0 <a@mx.test> Ok: queued as S1.1\r\n421 4.3.2 mx.test going down\r\n");
  CHECK(h.stopped());
  REQUIRE(h.policy.endings.size() == 1);
  CHECK(h.policy.endings[0].rcpts == 1);  // c@, never answered
  CHECK(h.policy.endings[0].how == Ending::closed);
}

TEST_CASE("lmtp: a recipient's delay holds back its reply and those after it", "[smtp][lmtp]") {
  Harness h(
      {},
      [](ScriptedPolicy& p) {
        p.fn = [](const Event& e) {
          Decision d;
          if (e.kind == EventKind::message && e.rcpt == "b@mx.test") d.delay = 2s;
          return d;
        };
      },
      nullptr, true);
  h.start();
  h.send(
      "LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<a@mx.test>\r\nRCPT TO:<b@mx.test>\r\n"
      "RCPT TO:<c@mx.test>\r\n");
  Output out;
  h.feed("BDAT 2 LAST\r\nhi", out);
  CHECK(out.now == "250 2.0.0 <a@mx.test> Ok: queued as S1.1\r\n");
  CHECK(out.paced ==
        "250 2.0.0 <b@mx.test> Ok: queued as S1.1\r\n250 2.0.0 <c@mx.test> Ok: queued as S1.1\r\n");
  CHECK(out.delay == 2s);
}
