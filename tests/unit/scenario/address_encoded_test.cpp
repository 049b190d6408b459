// Address-encoded replies: parsing, texts from the catalogue, Ntimes, data-, and precedence.
#include "scenario/address_encoded.hpp"

#include <catch2/catch.hpp>

#include "catalog/catalog.hpp"
#include "support.hpp"

using namespace test;
using scenario::parse_encoded_address;

TEST_CASE("encoded addresses parse", "[scenario][encoded]") {
  auto e = parse_encoded_address("550@reply.test", "reply.test");
  REQUIRE(e);
  CHECK(e->code == 550);
  CHECK(e->enhanced.empty());
  CHECK_FALSE(e->at_message);
  CHECK(e->times == 0);
  e = parse_encoded_address("<552-5.2.2@Reply.Test>", "reply.test");
  REQUIRE(e);
  CHECK(e->code == 552);
  CHECK(e->enhanced == "5.2.2");
  e = parse_encoded_address("451-4.7.1-2times@reply.test", "reply.test");
  REQUIRE(e);
  CHECK(e->times == 2);
  e = parse_encoded_address("DATA-554-5.7.1@reply.test", "reply.test");
  REQUIRE(e);
  CHECK(e->at_message);
  CHECK(e->code == 554);
  e = parse_encoded_address("421-1time@reply.test", "reply.test");
  REQUIRE(e);
  CHECK(e->times == 1);
  CHECK(e->enhanced.empty());
  for (auto bad : {"550@other.test", "550@sub.reply.test", "hello@reply.test", "650@reply.test",
                   "55@reply.test", "550-4.1.1@reply.test", "550-5.1@reply.test",
                   "550-5.1.1-x@reply.test", "550-0times@reply.test", "550-2times-5.1.1@reply.test",
                   "550-5.1.1-2times-3times@reply.test", "data-@reply.test", "550x@reply.test"}) {
    INFO(bad);
    CHECK_FALSE(parse_encoded_address(bad, "reply.test"));
  }
  CHECK_FALSE(parse_encoded_address("550@reply.test", ""));  // turned off
}

TEST_CASE("may_be_encoded refuses only what cannot parse", "[scenario][encoded]") {
  // Whatever parses passes the quick test (a necessary condition).
  for (auto good : {"550@reply.test", "<552-5.2.2@Reply.Test>", "451-4.7.1-2times@reply.test",
                    "DATA-554-5.7.1@reply.test", "421-1time@REPLY.TEST>"}) {
    INFO(good);
    CHECK(parse_encoded_address(good, "reply.test"));
    CHECK(scenario::may_be_encoded(good, "reply.test"));
  }
  // Most addresses are refused by it, without a parse.
  for (auto other : {"user@example.test", "<user@example.test>", "@", "", "reply.test",
                     "550@sub.reply.tes", "x@reply.test.org"}) {
    INFO(other);
    CHECK_FALSE(scenario::may_be_encoded(other, "reply.test"));
    CHECK_FALSE(parse_encoded_address(other, "reply.test"));
  }
  CHECK_FALSE(scenario::may_be_encoded("550@reply.test", ""));  // turned off
  // A domain of the same length passes; the parse refuses it.
  CHECK(scenario::may_be_encoded("550@other.test", "reply.test"));
}

TEST_CASE("encoded replies with no scenario", "[scenario][encoded]") {
  Harness h;
  Client c;
  c.from = "sender@x.test";
  auto d = h.rcpt(c, "550@reply.test");
  REQUIRE(d.reply);
  const auto standard = catalog::standard_reply(550);
  CHECK(d.reply->code == 550);
  CHECK(d.reply->enhanced == standard.enhanced);
  CHECK(d.reply->text == standard.text);
  CHECK_FALSE(d.reply->enhanced.empty());

  auto exact = h.rcpt(c, "552-5.2.2@reply.test");
  REQUIRE(exact.reply);
  CHECK(exact.reply->code == 552);
  CHECK(exact.reply->enhanced == "5.2.2");
  CHECK(exact.reply->text == catalog::standard_reply(552, "5.2.2").text);

  CHECK(h.rcpt(c, "someone@example.test").proceeds());
  CHECK(h.engine.address_encoded_hits() == 2);
}

TEST_CASE("an encoded 421 names the server first, as RFC 5321 and Postfix do",
          "[scenario][encoded]") {
  Harness h;
  Client c;
  auto d = h.rcpt(c, "421@reply.test");
  REQUIRE(d.reply);
  CHECK(d.reply->wire() ==
        "421 4.3.2 mx.example.test Service not available, closing transmission channel\r\n");
  auto other = h.rcpt(c, "450@reply.test");  // other codes keep the catalogue's text
  REQUIRE(other.reply);
  CHECK(other.reply->text == catalog::standard_reply(450).text);
}

TEST_CASE("Ntimes: that reply for the first N attempts of (from, rcpt), then accepted",
          "[scenario][encoded]") {
  Harness h;
  for (int attempt = 1; attempt <= 4; ++attempt) {
    Client c("192.0.2.1", static_cast<std::uint64_t>(attempt));
    c.from = "sender@x.test";
    auto d = h.rcpt(c, "451-4.7.1-2times@reply.test");
    INFO("attempt " << attempt);
    if (attempt <= 2) {
      CHECK(code_of(d) == 451);
      CHECK(d.reply->enhanced == "4.7.1");
    } else {
      CHECK(d.proceeds());
    }
  }
  Client other;
  other.from = "another@x.test";
  CHECK(code_of(h.rcpt(other, "451-4.7.1-2times@reply.test")) == 451);
}

TEST_CASE("data-: accepted at RCPT, the reply after the message", "[scenario][encoded]") {
  Harness h;
  Client c;
  c.from = "sender@x.test";
  CHECK(h.rcpt(c, "ok@x.test").proceeds());
  CHECK(h.rcpt(c, "data-554-5.7.1@reply.test").proceeds());
  auto d = h.message(c, "Subject: x\r\n\r\nbody\r\n");
  CHECK(code_of(d) == 554);
  CHECK(d.reply->enhanced == "5.7.1");
  // data- with Ntimes: the message is refused on the first attempt only.
  Client again("192.0.2.10", 2);
  again.from = "sender@x.test";
  CHECK(h.rcpt(again, "data-451-4.3.0-1time@reply.test").proceeds());
  CHECK(code_of(h.message(again, "x")) == 451);
  CHECK(h.rcpt(again, "data-451-4.3.0-1time@reply.test").proceeds());
  CHECK(h.message(again, "x").proceeds());
}

TEST_CASE("scenario rules come first; reply_domain is configurable", "[scenario][encoded]") {
  Harness h(R"(
[server]
reply_domain = "bounce.example"
[[rule]]
on = "rcpt"
rcpt = "550@*"
reply = "550 5.7.1 scenario first"
)");
  Client c;
  auto d = h.rcpt(c, "550@bounce.example");
  REQUIRE(d.reply);
  CHECK(d.reply->text == "scenario first");
  CHECK(code_of(h.rcpt(c, "552@bounce.example")) == 552);
  CHECK(h.rcpt(c, "552@reply.test").proceeds());  // the default domain no longer applies
}
