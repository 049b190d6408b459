// The decision seam: reply overrides at each event, delays and drips (Output.paused), drop,
// hang, disconnect, 421, store failures, and what the Policy is shown.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
using namespace std::chrono_literals;

namespace {

// The commands that lead to an event, and the one that raises it.
struct Path {
  EventKind kind;
  std::vector<std::string> before;
  std::string trigger;  // sent as is (CRLF included)
};

std::vector<Path> paths() {
  const std::vector<std::string> tx = {"EHLO c\r\n", "MAIL FROM:<a@b.example>\r\n",
                                       "RCPT TO:<c@d.example>\r\n"};
  auto with = [&](std::vector<std::string> extra) {
    auto v = tx;
    v.insert(v.end(), extra.begin(), extra.end());
    return v;
  };
  return {
      {EventKind::helo, {}, "EHLO c\r\n"},
      {EventKind::mail, {"EHLO c\r\n"}, "MAIL FROM:<a@b.example>\r\n"},
      {EventKind::rcpt, {"EHLO c\r\n", "MAIL FROM:<a@b.example>\r\n"}, "RCPT TO:<c@d.example>\r\n"},
      {EventKind::data, tx, "DATA\r\n"},
      {EventKind::message, with({"DATA\r\n", "hello\r\n"}), ".\r\n"},
      {EventKind::message, with({"BDAT 2\r\nhi"}), "BDAT 0 LAST\r\n"},
      {EventKind::rset, {"EHLO c\r\n"}, "RSET\r\n"},
      {EventKind::noop, {}, "NOOP\r\n"},
      {EventKind::vrfy, {}, "VRFY bob\r\n"},
      {EventKind::unknown, {}, "XYZZY\r\n"},
      {EventKind::quit, {}, "QUIT\r\n"},
  };
}

void replay(Harness& h, const Path& p) {
  h.start();
  for (const auto& s : p.before) h.send(s);
}

}  // namespace

TEST_CASE("policy: a reply override at each event", "[smtp][policy]") {
  for (const auto& p : paths()) {
    CAPTURE(to_string(p.kind), p.trigger);
    SECTION("negative " + std::string(to_string(p.kind)) + " " + p.trigger) {
      Harness h({}, [&](ScriptedPolicy& pol) {
        pol.decisions[p.kind] = reply_with(550, "5.7.1", "Refused by test");
      });
      replay(h, p);
      CHECK(h.send(p.trigger) == "550 5.7.1 Refused by test\r\n");
      CHECK(h.sink.messages.empty());
    }
    SECTION("positive " + std::string(to_string(p.kind)) + " " + p.trigger) {
      Harness h({}, [&](ScriptedPolicy& pol) {
        pol.decisions[p.kind] = reply_with(250, "2.0.0", "Custom\nsecond");
      });
      replay(h, p);
      CHECK(h.send(p.trigger) == "250-2.0.0 Custom\r\n250 2.0.0 second\r\n");
    }
  }
}

TEST_CASE("policy: a DATA reply via the event: BDAT 0 LAST at the data event",
          "[smtp][policy][bdat]") {
  Harness h({}, [](ScriptedPolicy& p) {
    p.decisions[EventKind::data] = reply_with(451, "4.7.1", "later");
  });
  h.start();
  h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
  CHECK(h.send("BDAT 3\r\nabc") == "451 4.7.1 later\r\n");
  CHECK(h.send("BDAT 0 LAST\r\n") == "503 5.5.1 Error: BDAT transaction failed, send RSET\r\n");
  CHECK(h.sink.messages.empty());
}

TEST_CASE("policy: consequences of refusals", "[smtp][policy]") {
  SECTION("refused MAIL: no transaction") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::mail] = reply_with(451, "4.7.1", "greylisted");
    });
    h.start();
    h.line("EHLO c");
    CHECK(h.line("MAIL FROM:<a@b.example>") == "451 4.7.1 greylisted\r\n");
    CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
    REQUIRE(h.policy.replies.size() == 1);
    CHECK(h.policy.replies[0].first == EventKind::mail);
    CHECK(h.policy.replies[0].second == "451 4.7.1 greylisted\r\n");
  }
  SECTION("refused DATA: the body is read as commands") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::data] = reply_with(554, "5.7.1", "no");
    });
    h.start();
    h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
    CHECK(h.line("DATA") == "554 5.7.1 no\r\n");
    CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");
  }
  SECTION("refused message: never stored, transaction reset") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::message] = reply_with(550, "5.7.1", "spam");
    });
    h.start();
    h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
    CHECK(h.send("DATA\r\nSubject: spam\r\n\r\nx\r\n.\r\n").ends_with("550 5.7.1 spam\r\n"));
    CHECK(h.sink.messages.empty());
    CHECK(h.session->facts().messages == 0);
    CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
    const auto& seen = h.policy.seen.back();
    CHECK(seen.kind == EventKind::message);
    CHECK(seen.message == "Subject: spam\r\n\r\nx\r\n");
    CHECK(seen.size == seen.message.size());
    CHECK(seen.from == "a@b.example");
    CHECK(seen.rcpts == 1);
  }
}

TEST_CASE("policy: the events carry the envelope", "[smtp][policy]") {
  Harness h;
  h.start();
  h.send(
      "EHLO c\r\nMAIL FROM:<a@b.example> SIZE=42\r\nRCPT TO:<c@d.example>\r\nDATA\r\nx\r\n.\r\n");
  const auto& s = h.policy.seen;
  REQUIRE(s.size() == 6);
  CHECK(s[0].kind == EventKind::connect);
  CHECK(s[1].kind == EventKind::helo);
  CHECK(s[1].argument == "c");
  CHECK(s[2].kind == EventKind::mail);
  CHECK(s[2].from == "a@b.example");
  CHECK(s[2].size == 42);
  CHECK(s[3].kind == EventKind::rcpt);
  CHECK(s[3].rcpt == "c@d.example");
  CHECK(s[3].rcpts == 0);
  CHECK(s[4].kind == EventKind::data);
  CHECK(s[4].rcpts == 1);
  CHECK(s[5].kind == EventKind::message);
  CHECK(s[5].size == 3);
  REQUIRE(h.policy.replies.size() == 4);  // mail, rcpt, data, message
  CHECK(h.policy.replies[3].second == "250 2.0.0 Ok: queued as S1.1\r\n");
}

TEST_CASE("policy: delay pauses the session with a paced reply", "[smtp][policy]") {
  Decision d;
  d.delay = 5s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
  h.start();
  const std::string first = "EHLO c\r\nMAIL FROM:<a@b.example>\r\n";
  const std::string rest = "RCPT TO:<c@d.example>\r\nNOOP\r\n";
  Output out;
  const auto used = h.feed(first + rest, out);
  CHECK(used == first.size());  // feed stops consuming once paused
  CHECK(out.paused());
  CHECK(out.now.starts_with("250-mx.test"));
  CHECK(out.paced == "250 2.1.0 Ok\r\n");
  CHECK(out.delay == 5s);
  CHECK(out.then == Output::Then::read);
  out.clear();
  CHECK(h.feed(rest, out) == rest.size());
  CHECK(out.now == "250 2.1.5 Ok\r\n250 2.0.0 Ok\r\n");
}

TEST_CASE("policy: drip, delay at DATA end, and a delayed banner", "[smtp][policy]") {
  SECTION("drip") {
    Decision d;
    d.drip = 100ms;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::helo] = d; });
    h.start();
    Output out;
    h.feed("HELO c\r\n", out);
    CHECK(out.paced == "250 mx.test\r\n");
    CHECK(out.drip == 100ms);
    CHECK(out.paused());
  }
  SECTION("delay after the final dot") {
    Decision d;
    d.delay = 30s;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::message] = d; });
    h.start();
    h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
    Output out;
    CHECK(h.feed("x\r\n.\r\nQUIT\r\n", out) == 6);
    CHECK(out.paced == "250 2.0.0 Ok: queued as S1.1\r\n");
    CHECK(h.sink.messages.size() == 1);  // stored before the (late) 250
  }
  SECTION("banner delay") {
    Decision d;
    d.delay = 2s;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::connect] = d; });
    Output out;
    h.session->start(out);
    CHECK(out.paced == "220 mx.test ESMTP Bounceback\r\n");
    CHECK(out.delay == 2s);
  }
}

TEST_CASE("policy: drop, hang and disconnect", "[smtp][policy]") {
  SECTION("drop at RCPT closes without a reply") {
    Decision d;
    d.drop = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = d; });
    h.start();
    Output out;
    const std::string batch =
        "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nNOOP\r\n";
    h.feed(batch, out);
    CHECK(out.now.ends_with("250 2.1.0 Ok\r\n"));
    CHECK(out.then == Output::Then::close);
    CHECK(h.session->closed());
  }
  SECTION("hang at DATA never replies") {
    Decision d;
    d.hang = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::data] = d; });
    h.start();
    h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
    CHECK(h.line("DATA").empty());
    CHECK(h.last.then == Output::Then::hang);
    CHECK(h.session->closed());
  }
  SECTION("drop at connect sends no banner") {
    Decision d;
    d.drop = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::connect] = d; });
    CHECK(h.start().empty());
    CHECK(h.last.then == Output::Then::close);
  }
  SECTION("disconnect after the reply") {
    Decision d = reply_with(250, "2.1.0", "Ok, but bye");
    d.disconnect = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
    h.start();
    CHECK(h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n")
              .ends_with("250 2.1.0 Ok, but bye\r\n"));
    CHECK(h.last.then == Output::Then::close);
    CHECK(h.session->closed());
  }
  SECTION("a 421 reply closes") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::noop] = reply_with(421, "4.3.2", "bye");
    });
    h.start();
    CHECK(h.send("NOOP\r\nNOOP\r\n") == "421 4.3.2 bye\r\n");
    CHECK(h.session->closed());
  }
  SECTION("a 421 at the first BDAT, even BDAT 0 LAST, closes") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::data] = reply_with(421, "4.3.2", "bye");
    });
    h.start();
    h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
    CHECK(h.send("BDAT 0 LAST\r\nNOOP\r\n") == "421 4.3.2 bye\r\n");
    CHECK(h.session->closed());
    CHECK(h.last.then == Output::Then::close);
  }
}

TEST_CASE("policy: the banner", "[smtp][policy]") {
  SECTION("554 refuses everything but QUIT") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::connect] = reply_with(554, "5.7.1", "go away");
    });
    CHECK(h.start() == "554 5.7.1 go away\r\n");
    CHECK(h.line("EHLO c") == "503 5.5.1 Error: no SMTP service here, send QUIT\r\n");
    CHECK(h.line("MAIL FROM:<a@b.example>") ==
          "503 5.5.1 Error: no SMTP service here, send QUIT\r\n");
    CHECK(h.line("QUIT") == "221 2.0.0 Bye\r\n");
    CHECK(h.session->closed());
  }
  SECTION("421 closes at once") {
    Harness h({}, [](ScriptedPolicy& p) {
      p.decisions[EventKind::connect] = reply_with(421, "4.7.0", "busy");
    });
    CHECK(h.start() == "421 4.7.0 busy\r\n");
    CHECK(h.last.then == Output::Then::close);
    CHECK(h.session->closed());
  }
}

TEST_CASE("policy: a store failure answers 451 4.3.0", "[smtp][policy]") {
  Harness h;
  h.sink.fail = true;
  h.start();
  h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
  CHECK(h.send("DATA\r\nx\r\n.\r\n").ends_with("451 4.3.0 Error: queue file write error\r\n"));
  CHECK(h.session->facts().messages == 0);
  CHECK(h.line("RCPT TO:<c@d.example>") == "503 5.5.1 Error: need MAIL command\r\n");
  h.sink.fail = false;
  h.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n");
  CHECK(h.send("DATA\r\ny\r\n.\r\n").ends_with("250 2.0.0 Ok: queued as S1.2\r\n"));
}

TEST_CASE("policy: STARTTLS refused by the policy keeps plaintext", "[smtp][policy][tls]") {
  Harness h([](SessionConfig& c) { c.tls_available = true; },
            [](ScriptedPolicy& p) {
              p.decisions[EventKind::starttls] = reply_with(454, "4.7.0", "not now");
            });
  h.start();
  h.line("EHLO c");
  CHECK(h.send("STARTTLS\r\nNOOP\r\n") == "454 4.7.0 not now\r\n250 2.0.0 Ok\r\n");
  CHECK_FALSE(h.tls_pending);
}

TEST_CASE("policy: a delayed STARTTLS still discards pipelined plaintext", "[smtp][policy][tls]") {
  Decision d;
  d.delay = 1s;
  Harness h([](SessionConfig& c) { c.tls_available = true; },
            [&](ScriptedPolicy& p) { p.decisions[EventKind::starttls] = d; });
  h.start();
  h.line("EHLO c");
  Output out;
  const std::string batch = "STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n";
  CHECK(h.feed(batch, out) == batch.size());
  CHECK(out.paced == "220 2.0.0 Ready to start TLS\r\n");
  CHECK(out.then == Output::Then::start_tls);
  CHECK_FALSE(h.policy.saw(EventKind::mail));
}

TEST_CASE("policy: delay and disconnect apply to unknown commands too", "[smtp][policy]") {
  Decision d;
  d.delay = 3s;
  d.disconnect = true;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::unknown] = d; });
  h.start();
  Output out;
  h.feed("XYZZY\r\nNOOP\r\n", out);
  CHECK(out.paced == "502 5.5.2 Error: command not recognized\r\n");
  CHECK(out.delay == 3s);
  CHECK(out.then == Output::Then::close);
  CHECK(h.session->closed());
}

// Found by fuzzing (tests/fuzz/corpus/session/regress-354-disconnect-left-data-phase).
TEST_CASE("policy: disconnect at data sends 354 and closes; the message is not read",
          "[smtp][policy]") {
  Harness h({}, [](ScriptedPolicy& p) {
    Decision d;
    d.disconnect = true;
    p.decisions[EventKind::data] = d;
  });
  h.start();
  h.line("EHLO c.example");
  h.line("MAIL FROM:<a@c.example>");
  h.line("RCPT TO:<b@mx.test>");
  CHECK(h.line("DATA") == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(h.last.then == Output::Then::close);
  CHECK(h.session->closed());
  Output after;
  h.feed("Subject: x\r\n\r\nbody\r\n.\r\n", after);
  CHECK(after.now.empty());
  CHECK(h.sink.messages.empty());
}

TEST_CASE("policy: a data decision at BDAT shapes the first chunk's reply",
          "[smtp][policy][bdat]") {
  const std::string tx = "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";
  SECTION("delay and a 2xx text: the first chunk's reply, not the later ones") {
    Decision d;
    d.delay = 5s;
    d.reply = Reply{250, "2.0.0", "slowly accepted"};
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::data] = d; });
    h.start();
    h.send(tx);
    Output out;
    CHECK(h.feed("BDAT 3\r\nabcBDAT 2\r\nde", out) == 11);  // paused after the chunk
    CHECK(out.paced == "250 2.0.0 slowly accepted\r\n");
    CHECK(out.delay == 5s);
    CHECK(h.send("BDAT 2\r\ndeBDAT 0 LAST\r\n") ==
          "250 2.0.0 Ok: 5 octets\r\n250 2.0.0 Ok: queued as S1.1\r\n");
    CHECK(h.last.delay == 0s);
    REQUIRE(h.sink.messages.size() == 1);
    CHECK(h.sink.messages[0].data == "abcde");
  }
  SECTION("disconnect: the first chunk is answered, then the channel closes, nothing stored") {
    Decision d;
    d.disconnect = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::data] = d; });
    h.start();
    h.send(tx);
    CHECK(h.send("BDAT 3\r\nabcBDAT 0 LAST\r\n") == "250 2.0.0 Ok: 3 octets\r\n");
    CHECK(h.last.then == Output::Then::close);
    CHECK(h.session->closed());
    CHECK(h.sink.messages.empty());
  }
  SECTION("BDAT n LAST first: the final reply is paced, unless a message rule paces it") {
    Decision data;
    data.drip = 100ms;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::data] = data; });
    h.start();
    h.send(tx);
    Output out;
    h.feed("BDAT 2 LAST\r\nhi", out);
    CHECK(out.paced == "250 2.0.0 Ok: queued as S1.1\r\n");
    CHECK(out.drip == 100ms);

    Decision message;
    message.delay = 1s;
    Harness g({}, [&](ScriptedPolicy& p) {
      p.decisions[EventKind::data] = data;
      p.decisions[EventKind::message] = message;
    });
    g.start();
    g.send(tx);
    Output own;
    g.feed("BDAT 2 LAST\r\nhi", own);
    CHECK(own.delay == 1s);
    CHECK(own.drip == 0ms);
  }
}

TEST_CASE("policy: the session's own refusals are reported, without a decision", "[smtp][policy]") {
  Harness h;
  h.start();
  CHECK(h.line("MAIL FROM:<a@b.example>").starts_with("503 5.5.1"));  // before EHLO
  REQUIRE(h.line("EHLO client.test").starts_with("250-"));
  CHECK(h.line("RCPT TO:<late@d.example>").starts_with("503 5.5.1"));  // before MAIL
  CHECK(h.line("MAIL FROM:<a@b.example> SIZE=999999999999").starts_with("552 5.3.4"));
  CHECK(h.line("MAIL FROM:<a@b.example>") == "250 2.1.0 Ok\r\n");
  CHECK(h.line("RCPT TO:<bad address>").starts_with("501 5.1.3"));
  CHECK(h.line("DATA").starts_with("554 5.5.1"));  // no valid recipients
  CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");     // not a transaction command: not reported

  const auto& r = h.policy.refusals;
  REQUIRE(r.size() == 5);
  CHECK(r[0].kind == EventKind::mail);
  CHECK(r[0].wire.starts_with("503 5.5.1"));
  CHECK(r[1].kind == EventKind::rcpt);
  CHECK(r[1].rcpt == "late@d.example");  // refused before parsing: the address, as it parses
  CHECK(r[2].kind == EventKind::mail);
  CHECK(r[2].wire.starts_with("552 5.3.4"));
  CHECK(r[3].kind == EventKind::rcpt);
  CHECK(r[3].wire.starts_with("501 5.1.3"));
  CHECK(r[3].rcpt == "TO:<bad address>");  // does not parse: the argument as written
  CHECK(r[4].kind == EventKind::data);
  CHECK(r[4].wire.starts_with("554 5.5.1"));
  // Of the transaction, a decision was asked only for the MAIL that passed; refusals never
  // advance the sequence that rules see.
  std::size_t mails = 0;
  for (const auto& seen : h.policy.seen) mails += seen.kind == EventKind::mail;
  CHECK(mails == 1);
  CHECK_FALSE(h.policy.saw(EventKind::rcpt));
  CHECK_FALSE(h.policy.saw(EventKind::data));
  for (const auto& x : r) CHECK(x.sequence == 0);
  CHECK(h.policy.replies.size() == 1);  // replied() only for the decided MAIL
}
