// The session state machine through the in-memory harness: transactions, pipelining, BDAT,
// sequence errors, limits, STARTTLS and closing.
#include <catch2/catch.hpp>
#include <string>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;

namespace {

const std::string ehlo_plain =
    "250-mx.test\r\n250-SIZE 36700160\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
    "250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-DSN\r\n250 VRFY\r\n";

// EHLO, MAIL, RCPT: ready for DATA or BDAT.
void open_transaction(Harness& h) {
  h.start();
  REQUIRE(h.line("EHLO client.test").starts_with("250-mx.test"));
  REQUIRE(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  REQUIRE(h.line("RCPT TO:<c@d.example>") == "250 2.1.5 Ok\r\n");
}

}  // namespace

TEST_CASE("session: banner, EHLO, a message, QUIT", "[smtp][session]") {
  Harness h;
  CHECK(h.start() == "220 mx.test ESMTP Bounceback\r\n");
  CHECK(h.line("EHLO client.test") == ehlo_plain);
  CHECK(h.line("MAIL FROM:<a@b.example> SIZE=20 BODY=8BITMIME") == "250 2.1.0 Ok\r\n");
  CHECK(h.line("RCPT TO:<c@d.example> NOTIFY=NEVER") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("RCPT TO:<e@d.example>") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("DATA") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(h.send("Subject: t\r\n\r\n..dot\r\n") == "");
  CHECK(h.line(".") == "250 2.0.0 Ok: queued as S1.1\r\n");
  CHECK(h.line("QUIT") == "221 2.0.0 Bye\r\n");
  CHECK(h.last.then == Output::Then::close);
  CHECK(h.session->closed());

  REQUIRE(h.sink.messages.size() == 1);
  const auto& m = h.sink.messages[0];
  CHECK(m.queue_id == "S1.1");
  CHECK(m.from == "a@b.example");
  CHECK(m.params.size == 20u);
  CHECK(m.params.body == "8BITMIME");
  REQUIRE(m.rcpts.size() == 2);
  CHECK(m.rcpts[0].address == "c@d.example");
  CHECK(m.rcpts[0].params.notify == "NEVER");
  CHECK(m.rcpts[1].address == "e@d.example");
  CHECK(m.data == "Subject: t\r\n\r\n.dot\r\n");
  CHECK(m.session_id == "S1");
  CHECK(m.client_ip == "192.0.2.7");
  CHECK(m.helo == "client.test");
  CHECK_FALSE(m.chunked);
  CHECK_FALSE(m.tls);
  CHECK(h.session->facts().messages == 1);
  CHECK(h.session->facts().esmtp);
}

TEST_CASE("session: HELO gives a one-line reply; a second message gets a new queue id",
          "[smtp][session]") {
  Harness h;
  h.start();
  CHECK(h.line("HELO client.test") == "250 mx.test\r\n");
  CHECK_FALSE(h.session->facts().esmtp);
  for (int i = 1; i <= 2; ++i) {
    CHECK(h.line("MAIL FROM:<>") == "250 2.1.0 Ok\r\n");
    CHECK(h.line("RCPT TO:<postmaster>") == "250 2.1.5 Ok\r\n");
    CHECK(h.send("DATA\r\nx\r\n.\r\n") ==
          "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 Ok: "
          "queued as S1." +
              std::to_string(i) + "\r\n");
  }
  REQUIRE(h.sink.messages.size() == 2);
  CHECK(h.sink.messages[0].from.empty());
}

TEST_CASE("session: a pipelined batch in one feed is answered in order", "[smtp][session]") {
  Harness h;
  h.start();
  const std::string batch =
      "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<bad>\r\n"
      "RCPT TO:<e@d.example>\r\nDATA\r\nhello\r\n.\r\nRSET\r\nNOOP\r\nQUIT\r\n";
  Output out;
  const auto used = h.feed(batch, out);
  CHECK(used == batch.size());
  CHECK(out.now == ehlo_plain +
                       "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n501 5.1.3 Bad recipient address syntax\r\n"
                       "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
                       "250 2.0.0 Ok: queued as S1.1\r\n250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"
                       "221 2.0.0 Bye\r\n");
  REQUIRE(h.sink.messages.size() == 1);
  CHECK(h.sink.messages[0].rcpts.size() == 2);
  CHECK(h.sink.messages[0].data == "hello\r\n");
}

TEST_CASE("session: an incomplete line waits for the rest", "[smtp][session]") {
  Harness h;
  h.start();
  Output out;
  CHECK(h.feed("NOO", out) == 0);
  CHECK(out.now.empty());
  CHECK(h.feed("NOOP\r\nRS", out) == 6);
  CHECK(out.now == "250 2.0.0 Ok\r\n");
  // Byte by byte through the harness.
  std::string replies;
  for (char c : std::string("RSET\r\nNOOP\n")) replies += h.send(std::string(1, c));
  CHECK(replies == "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("session: BDAT", "[smtp][session][bdat]") {
  Harness h;
  open_transaction(h);
  SECTION("chunks, then LAST") {
    CHECK(h.send("BDAT 5\r\nhello") == "250 2.0.0 Ok: 5 octets\r\n");
    CHECK(h.send("BDAT 8 LAST\r\n world\r\n") == "250 2.0.0 Ok: queued as S1.1\r\n");
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].data == "hello world\r\n");
    CHECK(h.sink.messages[0].chunked);
  }
  SECTION("BDAT 0 LAST ends a chunked message; binary bytes are kept") {
    const std::string chunk("a\r\n.\r\n\0b\n", 9);
    CHECK(h.send("BDAT 9\r\n" + chunk) == "250 2.0.0 Ok: 9 octets\r\n");
    CHECK(h.send("BDAT 0 LAST\r\n") == "250 2.0.0 Ok: queued as S1.1\r\n");
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].data == chunk);
  }
  SECTION("a chunk split across feeds, one byte at a time") {
    std::string replies;
    for (char c : std::string("BDAT 4 last\r\nabcdNOOP\r\n")) replies += h.send(std::string(1, c));
    CHECK(replies == "250 2.0.0 Ok: queued as S1.1\r\n250 2.0.0 Ok\r\n");
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].data == "abcd");
  }
  SECTION("pipelined chunks in one feed") {
    CHECK(h.send("BDAT 3\r\nabcBDAT 3 LAST\r\ndefQUIT\r\n") ==
          "250 2.0.0 Ok: 3 octets\r\n250 2.0.0 Ok: queued as S1.1\r\n221 2.0.0 Bye\r\n");
    CHECK(h.sink.messages.at(0).data == "abcdef");
  }
  SECTION("DATA after BDAT is refused") {
    CHECK(h.send("BDAT 3\r\nabc") == "250 2.0.0 Ok: 3 octets\r\n");
    CHECK(h.line("DATA") ==
          "503 5.5.1 Error: DATA and BDAT cannot be mixed in one transaction\r\n");
  }
  SECTION("bad syntax") {
    CHECK(h.line("BDAT") == "501 5.5.4 Syntax: BDAT count [LAST]\r\n");
    CHECK(h.line("BDAT x") == "501 5.5.4 Syntax: BDAT count [LAST]\r\n");
    CHECK(h.line("BDAT -1") == "501 5.5.4 Syntax: BDAT count [LAST]\r\n");
    CHECK(h.line("BDAT 3 MORE") == "501 5.5.4 Syntax: BDAT count [LAST]\r\n");
    CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");
  }
}

TEST_CASE("session: BDAT errors still consume the chunk", "[smtp][session][bdat]") {
  SECTION("no MAIL") {
    Harness h;
    h.start();
    h.line("EHLO c");
    CHECK(h.send("BDAT 6 LAST\r\nNOOP\r\nNOOP\r\n") ==
          "503 5.5.1 Error: need MAIL command\r\n250 2.0.0 Ok\r\n");
  }
  SECTION("no RCPT") {
    Harness h;
    h.start();
    h.line("EHLO c");
    h.line("MAIL FROM:<a@b.example>");
    CHECK(h.send("BDAT 4\r\nRSET") == "503 5.5.1 Error: need RCPT command\r\n");
    CHECK(h.line("RCPT TO:<c@d.example>") == "250 2.1.5 Ok\r\n");
  }
  SECTION("too big: 552, then the transaction is failed until LAST") {
    Harness h([](SessionConfig& c) { c.limits.message_size = 10; });
    open_transaction(h);
    CHECK(h.send("BDAT 8\r\n12345678") == "250 2.0.0 Ok: 8 octets\r\n");
    CHECK(h.send("BDAT 8\r\n12345678") == "552 5.3.4 Error: message file too big\r\n");
    CHECK(h.send("BDAT 2 LAST\r\nab") == "503 5.5.1 Error: BDAT transaction failed, send RSET\r\n");
    CHECK(h.sink.messages.empty());
    CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  }
}

TEST_CASE("session: RSET ends the transaction", "[smtp][session]") {
  Harness h;
  open_transaction(h);
  CHECK(h.line("RSET") == "250 2.0.0 Ok\r\n");
  CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
  CHECK(h.line("RSET now") == "501 5.5.4 Syntax: this command takes no arguments\r\n");
}

TEST_CASE("session: sequence and syntax errors", "[smtp][session]") {
  Harness h;
  h.start();
  auto [line, reply] = GENERATE(table<std::string, std::string>({
      {"MAIL FROM:<a@b.example>", "503 5.5.1 Error: send HELO/EHLO first\r\n"},
      {"RCPT TO:<a@b.example>", "503 5.5.1 Error: need MAIL command\r\n"},
      {"DATA", "503 5.5.1 Error: need MAIL command\r\n"},
      {"EHLO", "501 5.5.4 Syntax: EHLO hostname\r\n"},
      {"HELO", "501 5.5.4 Syntax: HELO hostname\r\n"},
      {"VRFY", "501 5.5.4 Syntax: VRFY address\r\n"},
      {"VRFY bob", "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n"},
      {"EXPN staff", "502 5.5.1 Error: EXPN is not supported\r\n"},
      {"AUTH PLAIN", "502 5.5.1 Error: authentication not enabled\r\n"},
      {"HELP",
       "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP VRFY QUIT STARTTLS "
       "AUTH\r\n"},
      {"NOOP", "250 2.0.0 Ok\r\n"},
      {"XYZZY", "502 5.5.2 Error: command not recognized\r\n"},
      {"", "502 5.5.2 Error: command not recognized\r\n"},
      {"STARTTLS", "502 5.5.1 Error: command not implemented\r\n"},
  }));
  CAPTURE(line);
  CHECK(h.line(line) == reply);
}

TEST_CASE("session: transaction sequence errors", "[smtp][session]") {
  Harness h;
  h.start();
  h.line("EHLO c");
  CHECK(h.line("MAIL FROM:a@b.example") == "250 2.1.0 Ok\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "503 5.5.1 Error: nested MAIL command\r\n");
  CHECK(h.line("DATA") == "503 5.5.1 Error: need RCPT command\r\n");
  CHECK(h.line("RCPT TO:<>") == "501 5.1.3 Bad recipient address syntax\r\n");
  // As in Postfix: once any RCPT was tried, an empty transaction has "no valid recipients".
  CHECK(h.line("DATA") == "554 5.5.1 Error: no valid recipients\r\n");
  CHECK(h.line("RCPT TO:<c@d.example> FOO=1") == "555 5.5.4 Error: parameter not recognized\r\n");
  CHECK(h.line("RCPT TO:<c@d.example> NOTIFY=x") == "501 5.5.4 Error: bad parameter value\r\n");
  CHECK(h.line("RCPT TO:c@d.example") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("DATA now") == "501 5.5.4 Syntax: this command takes no arguments\r\n");
  CHECK(h.line("RSET") == "250 2.0.0 Ok\r\n");
  CHECK(h.line("MAIL TO:<a@b.example>") == "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  CHECK(h.line("MAIL FROM:<a>") == "501 5.1.7 Bad sender address syntax\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example> SIZE=x") == "501 5.5.4 Error: bad parameter value\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example> X=1") == "555 5.5.4 Error: parameter not recognized\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  CHECK(h.line("RCPT TO:c@d") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("RCPT FROM:<c@d.example>") == "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
}

TEST_CASE("session: only rejected recipients: 554 at DATA", "[smtp][session]") {
  Harness h(
      {}, [](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = reply_with(550, "5.1.1", "no"); });
  h.start();
  h.line("EHLO c");
  h.line("MAIL FROM:<a@b.example>");
  CHECK(h.line("RCPT TO:<c@d.example>") == "550 5.1.1 no\r\n");
  CHECK(h.line("DATA") == "554 5.5.1 Error: no valid recipients\r\n");
  CHECK(h.send("BDAT 1 LAST\r\nx") == "554 5.5.1 Error: no valid recipients\r\n");
}

TEST_CASE("session: an overlong command line is answered and skipped", "[smtp][session]") {
  Harness h;
  h.start();
  SECTION("in one piece") {
    CHECK(h.line(std::string(600, 'x')) == "500 5.5.2 Error: line too long\r\n");
    CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");
  }
  SECTION("the longest allowed line passes, one more byte does not") {
    CHECK(h.line("NOOP " + std::string(505, 'x')) == "250 2.0.0 Ok\r\n");
    CHECK(h.line("NOOP " + std::string(506, 'x')) == "500 5.5.2 Error: line too long\r\n");
  }
  SECTION("10 MB without LF in pieces: consumed, memory bounded") {
    const std::string piece(4096, 'A');
    Output out;
    std::size_t buffered = 0;
    for (int i = 0; i < 10 * 256; ++i) {
      out.clear();
      const auto n = h.feed(piece, out);
      CHECK(n == piece.size());
      CHECK(out.now.empty());
      buffered += piece.size() - n;
    }
    CHECK(buffered == 0);
    out.clear();
    const std::string tail = "AAAA\r\nNOOP\r\n";
    CHECK(h.feed(tail, out) == tail.size());
    CHECK(out.now == "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
  }
  SECTION("small pieces through a transport buffer stay under the line limit") {
    std::string replies;
    std::size_t most = 0;
    for (int i = 0; i < 10000; ++i) {
      replies += h.send(std::string(100, 'B'));
      most = std::max(most, h.pending());
    }
    CHECK(most < 512);
    replies += h.send("\r\nNOOP\r\n");
    CHECK(replies == "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
  }
}

TEST_CASE("session: too many errors: 421 4.7.0 and close", "[smtp][session]") {
  Harness h([](SessionConfig& c) { c.limits.hard_errors = 3; });
  h.start();
  CHECK(h.send("FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n") ==
        "502 5.5.2 Error: command not recognized\r\n502 5.5.2 Error: command not recognized\r\n"
        "502 5.5.2 Error: command not recognized\r\n421 4.7.0 mx.test Error: too many errors\r\n");
  CHECK(h.last.then == Output::Then::close);
  CHECK(h.session->closed());
  Output out;
  CHECK(h.feed("NOOP\r\n", out) == 6);
  CHECK(out.now.empty());
}

TEST_CASE("session: too many commands closes", "[smtp][session]") {
  Harness h([](SessionConfig& c) { c.limits.commands_per_session = 2; });
  h.start();
  CHECK(h.send("NOOP\r\nNOOP\r\nNOOP\r\n") ==
        "250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n421 4.7.0 mx.test Error: too many errors\r\n");
  CHECK(h.session->closed());
}

TEST_CASE("session: too many recipients: 452 4.5.3", "[smtp][session]") {
  Harness h([](SessionConfig& c) { c.limits.recipients = 2; });
  h.start();
  h.line("EHLO c");
  h.line("MAIL FROM:<a@b.example>");
  CHECK(h.line("RCPT TO:<1@d.example>") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("RCPT TO:<2@d.example>") == "250 2.1.5 Ok\r\n");
  CHECK(h.line("RCPT TO:<3@d.example>") == "452 4.5.3 Error: too many recipients\r\n");
  CHECK(h.send("DATA\r\nx\r\n.\r\n").ends_with("250 2.0.0 Ok: queued as S1.1\r\n"));
  CHECK(h.sink.messages.at(0).rcpts.size() == 2);
}

TEST_CASE("session: message size limits", "[smtp][session]") {
  Harness h([](SessionConfig& c) { c.limits.message_size = 100; });
  h.start();
  CHECK(h.line("EHLO c").find("250-SIZE 100\r\n") != std::string::npos);
  SECTION("SIZE= over the limit") {
    CHECK(h.line("MAIL FROM:<a@b.example> SIZE=101") ==
          "552 5.3.4 Message size exceeds fixed limit\r\n");
    CHECK(h.line("MAIL FROM:<a@b.example> SIZE=100") == "250 2.1.0 Ok\r\n");
  }
  SECTION("oversize DATA: read to the end, then 552") {
    h.line("MAIL FROM:<a@b.example>");
    h.line("RCPT TO:<c@d.example>");
    CHECK(h.line("DATA") == "354 End data with <CR><LF>.<CR><LF>\r\n");
    std::string replies;
    for (int i = 0; i < 100; ++i) replies += h.line(std::string(50, 'x'));
    CHECK(replies.empty());
    CHECK(h.line(".") == "552 5.3.4 Error: message file too big\r\n");
    CHECK(h.sink.messages.empty());
    CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
    CHECK(h.policy.replies.back().second == "552 5.3.4 Error: message file too big\r\n");
  }
}

TEST_CASE("session: bare LF rejected by policy", "[smtp][session]") {
  Harness h([](SessionConfig& c) { c.bare_lf = BareLfPolicy::reject; });
  open_transaction(h);
  h.line("DATA");
  CHECK(h.send("a\nb\r\n.\nstill data\r\n.\r\n") ==
        "550 5.6.0 Error: bare <LF> received; lines must end with <CR><LF>\r\n");
  CHECK(h.sink.messages.empty());
  CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");
}

TEST_CASE("session: bare LF in DATA never ends the message (smuggling)", "[smtp][session]") {
  Harness h;
  open_transaction(h);
  h.line("DATA");
  CHECK(h.send("a\r\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<v@d.example>\r\nDATA\r\n") == "");
  CHECK(h.send("b\n.\r\nc\r\n.\r\n") == "250 2.0.0 Ok: queued as S1.1\r\n");
  REQUIRE(h.sink.messages.size() == 1);
  for (const auto& seen : h.policy.seen) CHECK(seen.from != "evil@x.example");
}

TEST_CASE("session: STARTTLS", "[smtp][session][tls]") {
  Harness h([](SessionConfig& c) { c.tls_available = true; });
  h.start();
  const auto caps = h.line("EHLO c");
  CHECK(caps.find("250-STARTTLS\r\n") != std::string::npos);
  SECTION("pipelined plaintext after STARTTLS is discarded (CVE-2011-0411)") {
    Output out;
    const std::string batch = "STARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<v@d.example>\r\n";
    CHECK(h.feed(batch, out) == batch.size());
    CHECK(out.now == "220 2.0.0 Ready to start TLS\r\n");
    CHECK(out.then == Output::Then::start_tls);
    CHECK_FALSE(h.policy.saw(EventKind::mail));
    h.tls_started();
    CHECK(h.session->facts().tls);
    CHECK(h.session->facts().tls_version == "TLSv1.3");
    CHECK(h.session->facts().helo.empty());
    CHECK_FALSE(h.session->facts().esmtp);
    CHECK(h.line("MAIL FROM:<a@b.example>") == "503 5.5.1 Error: send HELO/EHLO first\r\n");
    const auto caps_tls = h.line("EHLO c");
    CHECK(caps_tls.find("STARTTLS") == std::string::npos);
    CHECK(caps_tls.ends_with("250 VRFY\r\n"));
    CHECK(h.line("STARTTLS") == "554 5.5.1 Error: TLS already active\r\n");
    open_transaction(h);
    h.send("DATA\r\nx\r\n.\r\n");
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].tls);
    CHECK(h.sink.messages[0].tls_cipher == "TLS_AES_128_GCM_SHA256");
  }
  SECTION("STARTTLS resets a transaction in progress") {
    h.line("MAIL FROM:<a@b.example>");
    h.line("STARTTLS");
    REQUIRE(h.tls_pending);
    h.tls_started();
    h.line("EHLO c");
    CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
  }
  SECTION("STARTTLS takes no argument") {
    CHECK(h.line("STARTTLS now") == "501 5.5.4 Syntax: this command takes no arguments\r\n");
  }
}

TEST_CASE("session: TLS required", "[smtp][session][tls]") {
  Harness h([](SessionConfig& c) {
    c.tls_available = true;
    c.tls = Requirement::required;
  });
  h.start();
  h.line("EHLO c");
  CHECK(h.line("MAIL FROM:<a@b.example>") == "530 5.7.0 Must issue a STARTTLS command first\r\n");
}

TEST_CASE("session: QUIT, timeout and shutdown close", "[smtp][session]") {
  Harness h;
  h.start();
  SECTION("QUIT") {
    CHECK(h.line("QUIT") == "221 2.0.0 Bye\r\n");
    CHECK(h.last.then == Output::Then::close);
    CHECK(h.session->closed());
  }
  SECTION("idle timeout") {
    Output out;
    h.session->timeout(out);
    CHECK(out.now == "421 4.4.2 mx.test Error: timeout exceeded\r\n");
    CHECK(out.then == Output::Then::close);
    CHECK(h.session->closed());
    out.clear();
    h.session->timeout(out);
    CHECK(out.now.empty());
  }
  SECTION("timeout in the middle of DATA") {
    open_transaction(h);
    h.send("DATA\r\npartial");
    Output out;
    h.session->timeout(out);
    CHECK(out.now == "421 4.4.2 mx.test Error: timeout exceeded\r\n");
    CHECK(h.sink.messages.empty());
  }
  SECTION("shutdown") {
    Output out;
    h.session->shutdown(out);
    CHECK(out.now == "421 4.3.2 mx.test Service shutting down, closing transmission channel\r\n");
    CHECK(h.session->closed());
  }
}

TEST_CASE("session: transcript records lines in and replies out", "[smtp][session]") {
  Harness h;
  h.start();
  h.line("EHLO c");
  h.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\n");
  const auto& t = h.transcript.lines;
  REQUIRE(t.size() >= 11);
  CHECK(t[0] == std::pair<bool, std::string>{false, "220 mx.test ESMTP Bounceback\r\n"});
  CHECK(t[1] == std::pair<bool, std::string>{true, "EHLO c"});
  CHECK(t[3] == std::pair<bool, std::string>{true, "MAIL FROM:<a@b.example>"});
  CHECK(t[9] == std::pair<bool, std::string>{true, "[message: 4 octets]"});
  CHECK(t[10] == std::pair<bool, std::string>{false, "250 2.0.0 Ok: queued as S1.1\r\n"});
}

TEST_CASE("session: too many messages in one session", "[smtp][session]") {
  Harness h([](SessionConfig& c) { c.limits.messages_per_session = 1; });
  open_transaction(h);
  h.send("DATA\r\nx\r\n.\r\n");
  CHECK(h.line("MAIL FROM:<a@b.example>") ==
        "421 4.7.0 mx.test Error: too many messages in one session\r\n");
  CHECK(h.session->closed());
}
