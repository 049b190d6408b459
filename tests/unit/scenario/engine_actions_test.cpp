// Actions and reply templates: the Decision carries what the rule says, filled from the event.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;

TEST_CASE("delay, drip, disconnect, drop and hang set the decision", "[scenario][actions]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rcpt = "slow@*"
delay = "1500ms"
[[rule]]
on = "rcpt"
rcpt = "drip@*"
drip = "100ms"
reply = "451 4.3.0 slowly"
[[rule]]
on = "rcpt"
rcpt = "bye@*"
reply = "421 4.3.2 closing"
disconnect = true
[[rule]]
on = "rcpt"
rcpt = "drop@*"
drop = true
[[rule]]
on = "rcpt"
rcpt = "hang@*"
hang = true
)");
  Client c;
  auto slow = h.engine.decide(c.event(EventKind::rcpt, "slow@x.test"));
  CHECK_FALSE(slow.reply);  // no reply: the normal one, after the delay
  CHECK(slow.delay == 1500ms);
  CHECK_FALSE(slow.proceeds());
  auto drip = h.engine.decide(c.event(EventKind::rcpt, "drip@x.test"));
  CHECK(drip.drip == 100ms);
  CHECK(code_of(drip) == 451);
  auto bye = h.engine.decide(c.event(EventKind::rcpt, "bye@x.test"));
  CHECK(bye.disconnect);
  CHECK(code_of(bye) == 421);
  auto drop = h.engine.decide(c.event(EventKind::rcpt, "drop@x.test"));
  CHECK(drop.drop);
  CHECK_FALSE(drop.reply);
  auto hang = h.engine.decide(c.event(EventKind::rcpt, "hang@x.test"));
  CHECK(hang.hang);
  CHECK(hang.rule == 4);
  CHECK(h.engine.decide(c.event(EventKind::rcpt, "ok@x.test")).proceeds());
}

TEST_CASE("a matching rule without actions stops the search: an exemption", "[scenario][actions]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
client_ip = "127.0.0.1"
[[rule]]
on = "rcpt"
reply = "550 5.7.1 no"
)");
  Client local("127.0.0.1"), remote("192.0.2.1");
  auto d = h.engine.decide(local.event(EventKind::rcpt, "a@x.test"));
  CHECK(d.proceeds());
  CHECK(d.rule == 0);
  CHECK(code_of(h.engine.decide(remote.event(EventKind::rcpt, "a@x.test"))) == 550);
}

TEST_CASE("templates are filled from the event", "[scenario][actions]") {
  Harness h(R"(
seed = 7
[[rule]]
on = "rcpt"
reply = "550 5.1.1 <{rcpt}> from <{from}> via {helo} [{client_ip}] q={queue_id} size={size} s={session_id}"
[[rule]]
on = "message"
reply = "554 5.7.1 id {token} at {timestamp}"
)");
  Client c("203.0.113.5", 9);
  c.from = "a@b.test";
  c.size = 1234;
  auto d = h.engine.decide(c.event(EventKind::rcpt, "u@x.test"));
  REQUIRE(d.reply);
  CHECK(d.reply->code == 550);
  CHECK(d.reply->enhanced == "5.1.1");
  CHECK(d.reply->text ==
        "<u@x.test> from <a@b.test> via client.example [203.0.113.5] q=4ABCDEF123 size=1234 s=s9");

  h.clock->set(std::chrono::system_clock::time_point{std::chrono::milliseconds(1750000000123)});
  c.message = "x";
  auto m = h.engine.decide(c.event(EventKind::message));
  REQUIRE(m.reply);
  INFO(m.reply->text);
  CHECK_THAT(m.reply->text, Catch::Matches("id [0-9a-f]{16} at 2025-06-15T15:06:40\\.123Z"));
  // The token is reproducible for the same (seed, session, event) and differs between events.
  Client again("203.0.113.5", 9);
  again.sequence = c.sequence - 1;
  again.message = "x";
  auto same = h.engine.decide(again.event(EventKind::message));
  CHECK(same.reply->text == m.reply->text);
  auto next = h.engine.decide(c.event(EventKind::message));
  CHECK(next.reply->text.substr(0, 19) != m.reply->text.substr(0, 19));
}

TEST_CASE("templates name the server and the domains of the addresses", "[scenario][actions]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
reply = "451 4.7.1 {hostname} see /help/{rcpt_domain}.html for {from_domain} [{FROM_DOMAIN}]"
)");
  Client c;
  c.from = "Sender@Mail.Example.org";
  auto d = h.engine.decide(c.event(EventKind::rcpt, "u@example.co.uk"));
  REQUIRE(d.reply);
  CHECK(d.reply->text ==
        "mx.example.test see /help/example.co.uk.html for Mail.Example.org [MAIL.EXAMPLE.ORG]");
  c.from = "";  // the null sender and a recipient without a domain: empty
  auto null = h.engine.decide(c.event(EventKind::rcpt, "postmaster"));
  REQUIRE(null.reply);
  CHECK(null.reply->text == "mx.example.test see /help/.html for  []");
}

TEST_CASE("{{ in a reply is a literal brace", "[scenario][actions]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
reply = "550 5.7.1 see {{rcpt} and {{{rcpt}} in {{json}: {{\"a\": 1}"
)");
  Client c;
  auto d = h.engine.decide(c.event(EventKind::rcpt, "u@x.test"));
  REQUIRE(d.reply);
  CHECK(d.reply->text == "see {rcpt} and {u@x.test} in {json}: {\"a\": 1}");
  std::string error;  // an unescaped brace still opens a placeholder
  CHECK_FALSE(bounceback::scenario::ReplyTemplate::parse("550 5.7.1 {\"a\": 1}", error));
  CHECK_THAT(error, Catch::Contains("unknown placeholder"));
}

TEST_CASE("client text cannot break the reply onto new lines", "[scenario][actions]") {
  Harness h("[[rule]]\non = \"helo\"\nreply = \"550 5.7.1 bad helo {helo}\"\n");
  Client c;
  auto e = c.event(EventKind::helo);
  e.argument = "evil\r\n250 ok";
  auto d = h.engine.decide(e);
  REQUIRE(d.reply);
  CHECK(d.reply->wire() == "550 5.7.1 bad helo evil??250 ok\r\n");
}

TEST_CASE("multi-line replies from \\n or an array", "[scenario][actions]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rcpt = "a@*"
reply = "550-5.1.1 line one\n550-5.1.1 line two\n550 5.1.1 last <{rcpt}>"
[[rule]]
on = "rcpt"
rcpt = "b@*"
reply = ["452-4.2.2 The recipient's inbox is out of storage space.",
         "452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp {token} - gsmtp"]
)");
  Client c;
  auto a = h.engine.decide(c.event(EventKind::rcpt, "a@x.test"));
  REQUIRE(a.reply);
  CHECK(a.reply->wire() ==
        "550-5.1.1 line one\r\n550-5.1.1 line two\r\n550 5.1.1 last <a@x.test>\r\n");
  auto b = h.engine.decide(c.event(EventKind::rcpt, "b@x.test"));
  REQUIRE(b.reply);
  const auto wire = b.reply->wire();
  INFO(wire);
  CHECK_THAT(wire,
             Catch::StartsWith("452-4.2.2 The recipient's inbox is out of storage space.\r\n"
                               "452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp "));
  CHECK_THAT(wire, Catch::EndsWith(" - gsmtp\r\n"));
}
