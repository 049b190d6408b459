// [server] replies: the provider's wording of its positive replies, given when no rule and no
// address-encoded reply decides; refusals stay rules.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;

namespace {

const char* gmail = R"(
seed = 7
[server.replies]
connect = "220 mx.google.com ESMTP {session_token} - gsmtp"
ehlo = "250 mx.google.com at your service, [{client_ip}]"
helo = "250 mx.google.com at your service"
mail = "250 2.1.0 OK {session_token} - gsmtp"
rcpt = "250 2.1.5 OK {session_token} - gsmtp"
data = "354  Go ahead {session_token} - gsmtp"
message = "250 2.0.0 OK  {unix_time} {session_token} - gsmtp"
quit = "221 2.0.0 closing connection {session_token} - gsmtp"

[[rule]]
on = "rcpt"
rcpt = "nosuchuser@*"
reply = "550 5.1.1 no such user {token} - gsmtp"
)";

}  // namespace

TEST_CASE("server replies word the successes no rule decides", "[scenario][replies]") {
  Harness h(gmail);
  Client c;
  auto banner = h.engine.decide(c.event(EventKind::connect));
  REQUIRE(banner.reply);
  CHECK(banner.rule == smtp::Decision::server_reply);
  const std::string token = banner.reply->text.substr(20, 16);
  CHECK(banner.reply->wire() == "220 mx.google.com ESMTP " + token + " - gsmtp\r\n");
  // One token for the whole session, as Gmail's id.
  c.facts.esmtp = true;
  CHECK(h.engine.decide(c.event(EventKind::helo)).reply->wire() ==
        "250 mx.google.com at your service, [192.0.2.10]\r\n");
  c.facts.esmtp = false;
  CHECK(h.engine.decide(c.event(EventKind::helo)).reply->wire() ==
        "250 mx.google.com at your service\r\n");
  c.from = "a@b.example";
  CHECK(h.engine.decide(c.event(EventKind::mail)).reply->wire() ==
        "250 2.1.0 OK " + token + " - gsmtp\r\n");
  CHECK(h.rcpt(c, "bob@gmail.com").reply->wire() == "250 2.1.5 OK " + token + " - gsmtp\r\n");
  // A rule still decides first.
  auto refused = h.rcpt(c, "nosuchuser@gmail.com");
  CHECK(refused.reply->code == 550);
  CHECK(refused.rule == 0);
  CHECK(h.engine.decide(c.event(EventKind::data)).reply->wire() ==
        "354  Go ahead " + token + " - gsmtp\r\n");
  const auto unix_time = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(h.clock->now().time_since_epoch()).count());
  CHECK(h.message(c, "Subject: x\r\n\r\nhi\r\n").reply->wire() ==
        "250 2.0.0 OK  " + unix_time + " " + token + " - gsmtp\r\n");
  CHECK(h.engine.decide(c.event(EventKind::quit)).reply->wire() ==
        "221 2.0.0 closing connection " + token + " - gsmtp\r\n");
  // Steps the scenario leaves out keep the server's own reply.
  CHECK(h.engine.decide(c.event(EventKind::rset)).proceeds());
  CHECK(h.engine.decide(c.event(EventKind::noop)).proceeds());
  // Another session, another token.
  Client other("192.0.2.11", 2);
  CHECK(h.engine.decide(other.event(EventKind::connect)).reply->text.find(token) ==
        std::string::npos);
}

TEST_CASE("an address-encoded reply comes before the server's wording", "[scenario][replies]") {
  Harness h("[server]\nreplies = { rcpt = \"250 2.1.5 Recipient OK\" }\n");
  Client c;
  c.from = "a@b.example";
  CHECK(h.rcpt(c, "550-5.1.1@reply.test").reply->code == 550);
  CHECK(h.rcpt(c, "bob@example.test").reply->wire() == "250 2.1.5 Recipient OK\r\n");
  // Once an "N times" address is accepted, it is accepted in the server's words.
  CHECK(h.rcpt(c, "451-4.7.1-1times@reply.test").reply->code == 451);
  CHECK(h.rcpt(c, "451-4.7.1-1times@reply.test").reply->wire() == "250 2.1.5 Recipient OK\r\n");
}

TEST_CASE("{date} writes the clock as RFC 5322 does", "[scenario][replies]") {
  Harness h("[server]\nreplies = { connect = \"220 mx ESMTP ready at {date}\" }\n");
  Client c;
  // ManualClock starts 54 * 365 days after 1970: Sat, 19 Dec 2023 00:00:00.
  CHECK(h.engine.decide(c.event(EventKind::connect)).reply->wire() ==
        "220 mx ESMTP ready at Tue, 19 Dec 2023 00:00:00 +0000\r\n");
}

TEST_CASE("server replies: a step may be an array of lines", "[scenario][replies]") {
  auto s = load("[server]\nreplies = { message = [\"250-2.0.0 OK\", \"250 2.0.0 queued\"] }\n");
  CHECK(s->server.replies.for_event[static_cast<std::size_t>(EventKind::message)]);
  CHECK_FALSE(s->server.replies.for_event[static_cast<std::size_t>(EventKind::mail)]);
}
