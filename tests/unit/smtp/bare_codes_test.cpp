// A server without ENHANCEDSTATUSCODES (RFC 2034): its own replies carry no X.Y.Z code, a
// Decision's reply is sent as written, and a scenario's EHLO greeting line heads the list.
#include <catch2/catch.hpp>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;

namespace {

void without_enhanced_codes(SessionConfig& c) {
  c.extensions = {Extension::size, Extension::pipelining, Extension::eightbitmime};
}

}  // namespace

TEST_CASE("enhanced codes are left out of wire replies", "[smtp][reply]") {
  const auto strip = [](std::string_view wire) {
    std::string out;
    append_without_enhanced_codes(wire, out);
    return out;
  };
  CHECK(strip("250 2.1.0 Ok\r\n") == "250 Ok\r\n");
  CHECK(strip("250-2.0.0 a\r\n250 2.0.0 b\r\n") == "250-a\r\n250 b\r\n");
  CHECK(strip("421 4.3.2 mx.test Service shutting down\r\n") ==
        "421 mx.test Service shutting down\r\n");
  CHECK(strip("354 End data with <CR><LF>.<CR><LF>\r\n") ==
        "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(strip("220 mx.test ESMTP\r\n") == "220 mx.test ESMTP\r\n");
  CHECK(strip("250 5.4.3.example ok\r\n") == "250 5.4.3.example ok\r\n");  // not a code
  CHECK(strip("250\r\n") == "250\r\n");
  CHECK(strip(strip("503 5.5.1 Error: need MAIL command\r\n")) ==
        "503 Error: need MAIL command\r\n");
}

TEST_CASE("without ENHANCEDSTATUSCODES the server's own replies carry no codes",
          "[smtp][extensions]") {
  Harness h(without_enhanced_codes);
  CHECK(h.start() == "220 mx.test ESMTP Bounceback\r\n");
  CHECK(h.line("EHLO c") ==
        "250-mx.test\r\n250-SIZE 36700160\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
  CHECK(h.line("RCPT TO:<c@d.example>") == "503 Error: need MAIL command\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example> NOTIFY=NEVER") ==
        "555 Error: parameter not recognized\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 Ok\r\n");
  CHECK(h.line("RCPT TO:<c@d.example>") == "250 Ok\r\n");
  CHECK(h.line("DATA") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(h.send("hello\r\n.\r\n") == "250 Ok: queued as S1.1\r\n");
  CHECK(h.line("RSET") == "250 Ok\r\n");
  CHECK(h.line("VRFY bob") ==
        "252 Cannot VRFY user, but will accept message and attempt delivery\r\n");
  CHECK(h.line("QUIT") == "221 Bye\r\n");
  // The transcript and the Policy hear what was sent.
  CHECK(h.transcript.lines.back().second == "221 Bye\r\n");
  REQUIRE_FALSE(h.policy.refusals.empty());
  CHECK(h.policy.refusals.front().wire == "503 Error: need MAIL command\r\n");
  CHECK(h.policy.replies.back().second == "250 Ok: queued as S1.1\r\n");
}

TEST_CASE("without ENHANCEDSTATUSCODES a Decision's reply is sent as written",
          "[smtp][extensions]") {
  Harness h(without_enhanced_codes, [](ScriptedPolicy& p) {
    p.decisions[EventKind::rcpt] = reply_with(550, "5.1.1", "User unknown");
    p.decisions[EventKind::mail] = reply_with(250, "", "sender <a@b.example> ok");
  });
  h.start();
  h.line("EHLO c");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 sender <a@b.example> ok\r\n");
  CHECK(h.line("RCPT TO:<c@d.example>") == "550 5.1.1 User unknown\r\n");
}

TEST_CASE("the limits' 421s and 552s lose their codes too", "[smtp][extensions]") {
  Harness h([](SessionConfig& c) {
    without_enhanced_codes(c);
    c.limits.message_size = 10;
  });
  h.start();
  h.line("EHLO c");
  h.line("MAIL FROM:<a@b.example>");
  h.line("RCPT TO:<c@d.example>");
  h.line("DATA");
  CHECK(h.send("0123456789abcdef\r\n.\r\n") == "552 Error: message file too big\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example> SIZE=100") == "552 Message size exceeds fixed limit\r\n");
  const auto c = test_config(without_enhanced_codes);
  CHECK(c->closing_timeout == "421 mx.test Error: timeout exceeded\r\n");
  CHECK(c->too_many_connections == "421 mx.test Error: too many connections\r\n");
}

TEST_CASE("a server reply to EHLO is the greeting line above the capability list",
          "[smtp][policy]") {
  const auto greeting = [](const Event&) {
    Decision d;
    d.reply = Reply{250, "", "mx.google.com at your service, [192.0.2.7]"};
    d.rule = Decision::server_reply;
    return d;
  };
  SECTION("with extensions") {
    Harness h(without_enhanced_codes, [&](ScriptedPolicy& p) { p.fn = greeting; });
    h.start();
    CHECK(h.line("EHLO c") ==
          "250-mx.google.com at your service, [192.0.2.7]\r\n250-SIZE 36700160\r\n"
          "250-PIPELINING\r\n250 8BITMIME\r\n");
    // HELO takes the Decision's reply whole.
    CHECK(h.line("HELO c") == "250 mx.google.com at your service, [192.0.2.7]\r\n");
  }
  SECTION("with none") {
    Harness h([](SessionConfig& c) { c.extensions.clear(); },
              [&](ScriptedPolicy& p) { p.fn = greeting; });
    h.start();
    CHECK(h.line("EHLO c") == "250 mx.google.com at your service, [192.0.2.7]\r\n");
  }
  SECTION("a rule's 250 replaces the whole EHLO reply, as before") {
    Harness h(
        {}, [](ScriptedPolicy& p) { p.decisions[EventKind::helo] = reply_with(250, "", "hello"); });
    h.start();
    CHECK(h.line("EHLO c") == "250 hello\r\n");
  }
}
