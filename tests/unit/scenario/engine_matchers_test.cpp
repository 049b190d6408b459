// Each matcher on its own: the rule fires when it holds and not otherwise; first match wins.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;

namespace {
constexpr const char* reject = "\nreply = \"550 5.7.1 no\"\n";
}

TEST_CASE("no rule for the event: normal behaviour", "[scenario][engine]") {
  Harness h(std::string("[[rule]]\non = \"mail\"") + reject);
  Client c;
  CHECK(h.engine.decide(c.event(EventKind::helo)).proceeds());
  CHECK(h.engine.decide(c.event(EventKind::message)).proceeds());
  auto d = h.engine.decide(c.event(EventKind::mail));
  CHECK(code_of(d) == 550);
  CHECK(d.rule == 0);
}

TEST_CASE("first matching rule wins; on lists and *", "[scenario][engine]") {
  Harness h(R"(
[[rule]]
on = ["mail", "rcpt"]
from = "first@x.test"
reply = "550 5.7.1 first"
[[rule]]
on = "mail"
reply = "451 4.3.0 second"
[[rule]]
on = "*"
reply = "421 4.3.2 any"
)");
  Client c;
  c.from = "first@x.test";
  CHECK(code_of(h.engine.decide(c.event(EventKind::mail))) == 550);
  CHECK(code_of(h.engine.decide(c.event(EventKind::rcpt, "r@x.test"))) == 550);
  c.from = "other@x.test";
  auto d = h.engine.decide(c.event(EventKind::mail));
  CHECK(code_of(d) == 451);
  CHECK(d.rule == 1);
  CHECK(code_of(h.engine.decide(c.event(EventKind::helo))) == 421);
  CHECK(code_of(h.engine.decide(c.event(EventKind::quit))) == 421);
  CHECK(h.engine.rule_hits() == std::vector<std::uint64_t>{2, 1, 2});
}

TEST_CASE("from, rcpt, helo and auth_user patterns", "[scenario][engine]") {
  Harness h(std::string(R"(
[[rule]]
on = ["rcpt", "message"]
from = "*@sender.test"
rcpt = "re:^bad-"
helo = "*.example"
auth_user = "alice")") +
            reject);
  Client c;
  c.from = "me@SENDER.test";
  c.facts.auth_user = "Alice";
  CHECK(code_of(h.engine.decide(c.event(EventKind::rcpt, "bad-1@x.test"))) == 550);
  CHECK(h.engine.decide(c.event(EventKind::rcpt, "good@x.test")).proceeds());
  c.facts.helo = "client.other";
  CHECK(h.engine.decide(c.event(EventKind::rcpt, "bad-1@x.test")).proceeds());
  c.facts.helo = "client.example";
  c.facts.auth_user = "bob";
  CHECK(h.engine.decide(c.event(EventKind::rcpt, "bad-1@x.test")).proceeds());
  c.facts.auth_user = "alice";
  c.from = "me@elsewhere.test";
  CHECK(h.engine.decide(c.event(EventKind::rcpt, "bad-1@x.test")).proceeds());

  // At message, rcpt holds when any recipient matches, and {rcpt} is that recipient.
  c.from = "me@sender.test";
  c.rcpts = {"ok@x.test", "bad-2@x.test"};
  CHECK(code_of(h.engine.decide(c.event(EventKind::message))) == 550);
  c.rcpts = {"ok@x.test", "fine@x.test"};
  CHECK(h.engine.decide(c.event(EventKind::message)).proceeds());
}

TEST_CASE("helo matches the argument at the helo event", "[scenario][engine]") {
  Harness h(std::string("[[rule]]\non = \"helo\"\nhelo = \"localhost\"") + reject);
  Client c;
  c.facts.helo = "";
  auto e = c.event(EventKind::helo);
  e.argument = "LOCALHOST";
  CHECK(code_of(h.engine.decide(e)) == 550);
  e.argument = "mail.example";
  CHECK(h.engine.decide(e).proceeds());
}

TEST_CASE("auth_user at the auth event is the user being authenticated", "[scenario][engine]") {
  Harness h(std::string("[[rule]]\non = \"auth\"\nauth_user = \"mallory\"") +
            "\nreply = \"535 5.7.8 Authentication credentials invalid\"\n");
  Client c;
  auto e = c.event(EventKind::auth);
  e.argument = "mallory";
  CHECK(code_of(h.engine.decide(e)) == 535);
  e.argument = "alice";
  CHECK(h.engine.decide(e).proceeds());
}

TEST_CASE("client_ip prefixes, a list, IPv6", "[scenario][engine]") {
  Harness h(
      std::string("[[rule]]\non = \"connect\"\nclient_ip = [\"192.0.2.0/24\", \"2001:db8::/32\"]") +
      reject);
  Client in("192.0.2.99"), out("198.51.100.1"), v6("2001:db8::5"), v6out("2001:db9::5");
  CHECK(code_of(h.engine.decide(in.event(EventKind::connect))) == 550);
  CHECK(h.engine.decide(out.event(EventKind::connect)).proceeds());
  CHECK(code_of(h.engine.decide(v6.event(EventKind::connect))) == 550);
  CHECK(h.engine.decide(v6out.event(EventKind::connect)).proceeds());
}

TEST_CASE("esmtp: EHLO refused, the HELO fallback served", "[scenario][engine]") {
  Harness h(R"(
[[rule]]
on = "helo"
esmtp = true
reply = "502 5.5.2 Error: command not recognized"
)");
  Client c;
  c.facts.esmtp = true;  // the session sets it before asking about EHLO
  CHECK(code_of(h.engine.decide(c.event(EventKind::helo))) == 502);
  c.facts.esmtp = false;  // HELO
  CHECK(h.engine.decide(c.event(EventKind::helo)).proceeds());
}

TEST_CASE("tls, size_over and nth_message", "[scenario][engine]") {
  Harness h(R"(
[[rule]]
on = "mail"
tls = false
reply = "530 5.7.0 Must issue a STARTTLS command first"
[[rule]]
on = ["mail", "message"]
size_over = "1KiB"
reply = "552 5.3.4 Message size exceeds fixed limit"
[[rule]]
on = "message"
nth_message = "3-"
reply = "421 4.7.0 too many messages"
)");
  Client c;
  CHECK(code_of(h.engine.decide(c.event(EventKind::mail))) == 530);
  c.facts.tls = true;
  c.size = 1024;
  CHECK(h.engine.decide(c.event(EventKind::mail)).proceeds());  // not over
  c.size = 1025;
  CHECK(code_of(h.engine.decide(c.event(EventKind::mail))) == 552);
  c.message = std::string(2000, 'x');
  CHECK(code_of(h.engine.decide(c.event(EventKind::message))) == 552);
  c.message = "Subject: hi\r\n\r\nsmall\r\n";
  c.nth_message = 2;
  CHECK(h.engine.decide(c.event(EventKind::message)).proceeds());
  c.nth_message = 3;
  CHECK(code_of(h.engine.decide(c.event(EventKind::message))) == 421);
}

TEST_CASE("header.NAME and body", "[scenario][engine]") {
  Harness h(R"(
[[rule]]
on = "message"
header.Subject = "re:(?i)viagra"
reply = "554 5.7.1 spam"
[[rule]]
on = "message"
header.X-Mailer = "BulkMailer*"
header.Precedence = "bulk"
reply = "550 5.7.1 bulk"
[[rule]]
on = "message"
body = "*click here*"
reply = "554 5.7.1 phishy"
)");
  Client c;
  auto at = [&](std::string m) {
    c.message = std::move(m);
    return code_of(h.engine.decide(c.event(EventKind::message)));
  };
  CHECK(at("subject: Cheap\r\n VIAGRA here\r\n\r\nbody\r\n") == 554);  // folded, any case
  CHECK(at("Subject: hello\r\n\r\nviagra in the body only\r\n") == 0);
  CHECK(at("X-Mailer: bulkmailer 2.0\r\nPrecedence: bulk\r\n\r\nx\r\n") == 550);
  CHECK(at("X-Mailer: bulkmailer 2.0\r\n\r\nx\r\n") == 0);  // every header must hold
  CHECK(at("Subject: hi\r\n\r\nplease CLICK HERE\r\nnow\r\n") == 554);
  CHECK(at("Subject: click here\r\n\r\nnothing\r\n") == 0);  // body only, not headers
}
