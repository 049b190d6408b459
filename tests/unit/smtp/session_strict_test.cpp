// Postfix's strict policies, as options of the pure session: bare LF in command lines and in
// messages (smtpd_forbid_bare_newline: reject, and 3.8.4's 521-and-close), and improper
// pipelining (smtpd_forbid_unauth_pipelining: 554 5.5.0 and close, the command not run).
#include <catch2/catch.hpp>
#include <string>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;

namespace {

const std::string rejected = "550 5.5.2 mx.test Error: bare <LF> received\r\n";
const std::string disconnected = "521 5.5.2 mx.test Error: bare <LF> received\r\n";
const std::string sync_error = "554 5.5.0 Error: SMTP protocol synchronization\r\n";

auto bare_lf(BareLfPolicy p) {
  return [p](SessionConfig& c) { c.bare_lf = p; };
}
void strict_pipelining(SessionConfig& c) {
  c.forbid_improper_pipelining = true;
}

bool saw_from(const Harness& h, const std::string& from) {
  for (const auto& s : h.policy.seen)
    if (s.kind == EventKind::mail && s.argument.find(from) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("strict: a command ending in a bare LF", "[smtp][session][bare-lf]") {
  SECTION("normalize and keep run it as if it ended in CRLF (the default, as before)") {
    for (const auto p : {BareLfPolicy::normalize, BareLfPolicy::keep}) {
      Harness h(bare_lf(p));
      h.start();
      CHECK(h.send("HELO client.test\n") == "250 mx.test\r\n");
      CHECK_FALSE(h.stopped());
    }
  }
  SECTION("reject: Postfix's 550 5.5.2 and close, the command not run") {
    Harness h(bare_lf(BareLfPolicy::reject));
    h.start();
    CHECK(h.send("EHLO client.test\n") == rejected);
    CHECK(h.stopped());
    CHECK_FALSE(h.policy.saw(EventKind::helo));
  }
  SECTION("disconnect: 521 5.5.2 and close, after the lines before it ran") {
    Harness h(bare_lf(BareLfPolicy::disconnect));
    h.start();
    CHECK(h.send("NOOP\r\nMAIL FROM:<evil@x.example>\nRCPT TO:<v@d.example>\r\n") ==
          "250 2.0.0 Ok\r\n" + disconnected);
    CHECK(h.stopped());
    CHECK_FALSE(saw_from(h, "evil@x.example"));
  }
  SECTION("an empty line is a bare LF too") {
    Harness h(bare_lf(BareLfPolicy::reject));
    h.start();
    CHECK(h.send("\n") == rejected);
  }
  SECTION("CR CR LF ends in CR LF: not a bare LF (the stray CR is part of the command)") {
    Harness h(bare_lf(BareLfPolicy::reject));
    h.start();
    CHECK(h.send("NOOP\r\r\n") == "502 5.5.2 Error: command not recognized\r\n");
    CHECK_FALSE(h.stopped());
  }
  SECTION("a SASL response too, and the secret is not logged") {
    Harness h([](SessionConfig& c) {
      c.bare_lf = BareLfPolicy::reject;
      c.auth = Requirement::optional;
      c.auth_plaintext = true;
    });
    h.start();
    h.line("EHLO client.test");
    CHECK(h.line("AUTH PLAIN") == "334 \r\n");
    CHECK(h.send("AGFsaWNlAHNlY3JldA==\n") == rejected);
    CHECK(h.stopped());
    for (const auto& [inbound, text] : h.transcript.lines)
      CHECK(text.find("AGFsaWNl") == std::string::npos);
  }
}

TEST_CASE("strict: a message with a bare LF under disconnect", "[smtp][session][bare-lf]") {
  Harness h(bare_lf(BareLfPolicy::disconnect));
  h.start();
  h.line("EHLO client.test");
  h.line("MAIL FROM:<a@b.example>");
  h.line("RCPT TO:<c@d.example>");
  CHECK(h.line("DATA") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  // The smuggling attempt is data, read to the real end; then 521 and close, nothing stored.
  CHECK(h.send("a\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<v@d.example>\r\n") == "");
  CHECK(h.send("DATA\r\nb\r\n.\r\nQUIT\r\n") == disconnected);
  CHECK(h.stopped());
  CHECK(h.sink.messages.empty());
  CHECK_FALSE(saw_from(h, "evil@x.example"));
  REQUIRE_FALSE(h.policy.replies.empty());
  CHECK(h.policy.replies.back() == std::make_pair(EventKind::message, disconnected));
}

TEST_CASE("strict: improper pipelining", "[smtp][session][pipelining]") {
  SECTION("allowed by default: a body sent before 354 is read as the message") {
    Harness h;
    h.start();
    h.line("EHLO client.test");
    CHECK(h.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\n") ==
          "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
          "250 2.0.0 Ok: queued as S1.1\r\n");
  }
  SECTION("allowed by default: a refused DATA runs the body lines as commands") {
    Harness h(
        [](SessionConfig&) {},
        [](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = reply_with(550, "5.1.1", "no"); });
    h.start();
    h.line("EHLO client.test");
    h.line("MAIL FROM:<a@b.example>");
    h.line("RCPT TO:<c@d.example>");
    const auto out = h.send("DATA\r\nRSET\r\nMAIL FROM:<evil@x.example>\r\n");
    CHECK(out.starts_with("554 5.5.1 Error: no valid recipients\r\n"));
    CHECK(saw_from(h, "evil@x.example"));  // what the option is for
  }
  SECTION("forbidden: DATA with the body behind it is not run; 554 5.5.0 and close") {
    Harness h(strict_pipelining, [](ScriptedPolicy& p) {
      p.decisions[EventKind::rcpt] = reply_with(550, "5.1.1", "no");
    });
    h.start();
    h.line("EHLO client.test");
    // MAIL and RCPT may be pipelined after EHLO (RFC 2920).
    CHECK(h.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n") ==
          "250 2.1.0 Ok\r\n550 5.1.1 no\r\n");
    CHECK(h.send("DATA\r\nRSET\r\nMAIL FROM:<evil@x.example>\r\n") == sync_error);
    CHECK(h.stopped());
    CHECK_FALSE(h.policy.saw(EventKind::data));
    CHECK_FALSE(saw_from(h, "evil@x.example"));
  }
  SECTION("forbidden: after each command that must end a group") {
    for (const std::string first :
         {"EHLO client.test", "HELO client.test", "NOOP", "VRFY x", "EXPN x", "DATA"}) {
      INFO(first);
      Harness h(strict_pipelining);
      h.start();
      if (first != "EHLO client.test" && first != "HELO client.test") h.line("EHLO client.test");
      CHECK(h.send(first + "\r\nRSET\r\n") == sync_error);
      CHECK(h.stopped());
    }
  }
  SECTION("forbidden: any pipelining before EHLO, or after HELO (no PIPELINING there)") {
    Harness h(strict_pipelining);
    h.start();
    CHECK(h.line("HELO client.test") == "250 mx.test\r\n");
    CHECK(h.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n") == sync_error);
    CHECK(h.stopped());
  }
  SECTION("a lock-step client, pipelined groups and mail after the end of data pass") {
    Harness h(strict_pipelining);
    h.start();
    h.line("EHLO client.test");
    CHECK(h.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n") ==
          "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
    CHECK(h.send("hi\r\n.\r\nMAIL FROM:<e@f.example>\r\nRCPT TO:<g@h.example>\r\n") ==
          "250 2.0.0 Ok: queued as S1.1\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
    CHECK(h.send("BDAT 2 LAST\r\nhiRSET\r\nQUIT\r\n") ==
          "250 2.0.0 Ok: queued as S1.2\r\n250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n");
    CHECK(h.sink.messages.size() == 2);
  }
  SECTION("without PIPELINING offered: no command may be pipelined, whatever the option") {
    const auto no_pipelining = [](SessionConfig& c) {
      c.extensions = {Extension::size, Extension::chunking, Extension::enhancedstatuscodes};
    };
    Harness h(no_pipelining);
    h.start();
    CHECK(h.line("EHLO client.test").find("PIPELINING") == std::string::npos);
    // Lock-step passes, a BDAT with its chunk behind it too (the chunk is not a command).
    CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
    CHECK(h.line("RCPT TO:<c@d.example>") == "250 2.1.5 Ok\r\n");
    CHECK(h.send("BDAT 2 LAST\r\nhi") == "250 2.0.0 Ok: queued as S1.1\r\n");
    CHECK(h.send("MAIL FROM:<e@f.example>\r\nRCPT TO:<g@h.example>\r\n") == sync_error);
    CHECK(h.stopped());
    CHECK_FALSE(saw_from(h, "e@f.example"));
    CHECK(h.sink.messages.size() == 1);
  }
}
