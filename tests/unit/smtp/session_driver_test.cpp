// The session driver, carried out by the in-memory executor on a fake clock: delays and
// drips in time, hang and close, no feeding while an effect is pending, the STARTTLS drop,
// timeouts, the lazy buffer, and that how input is cut into reads changes nothing.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "harness.hpp"

using namespace bounceback::smtp;
using namespace bounceback::smtp::test;
using namespace std::chrono_literals;
using Kind = Effect::Kind;

namespace {

// The write records of the executor's log, in order.
std::vector<MemoryExecutor::Record> writes(const Harness& h) {
  std::vector<MemoryExecutor::Record> out;
  for (const auto& r : h.executor->log)
    if (r.kind == Kind::write) out.push_back(r);
  return out;
}

const std::string tx = "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";

}  // namespace

TEST_CASE("driver: a scripted delay is a pause of that length before the reply", "[smtp][driver]") {
  Decision d;
  d.delay = 2s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
  h.start();
  CHECK(h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nNOOP\r\n")
            .ends_with("250 2.1.0 Ok\r\n250 2.0.0 Ok\r\n"));
  const auto w = writes(h);
  REQUIRE(w.size() == 4);  // banner, EHLO reply, then after the pause: MAIL reply, NOOP reply
  CHECK(w[1].at == 0ms);
  CHECK(w[1].bytes.starts_with("250-mx.test"));
  CHECK(w[2].bytes == "250 2.1.0 Ok\r\n");
  CHECK(w[2].at == 2s);
  CHECK(w[3].bytes == "250 2.0.0 Ok\r\n");  // the NOOP pipelined behind it waited too
  CHECK(w[3].at == 2s);
  CHECK(h.executor->clock == 2s);
}

TEST_CASE("driver: a dripped reply is written one byte per interval", "[smtp][driver]") {
  Decision d;
  d.drip = 100ms;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::helo] = d; });
  h.start();
  CHECK(h.line("HELO c") == "250 mx.test\r\n");
  const auto w = writes(h);
  const std::string reply = "250 mx.test\r\n";
  REQUIRE(w.size() == 1 + reply.size());
  for (std::size_t i = 0; i < reply.size(); ++i) {
    CHECK(w[1 + i].bytes == reply.substr(i, 1));
    CHECK(w[1 + i].at == std::chrono::milliseconds(100 * i));
  }
  CHECK(h.executor->clock == std::chrono::milliseconds(100 * reply.size()));
  CHECK(h.line("NOOP") == "250 2.0.0 Ok\r\n");  // then back to normal
}

TEST_CASE("driver: hang and drop end the conversation; disconnect closes after the reply",
          "[smtp][driver]") {
  SECTION("hang: nothing is said, the transport is asked to hang") {
    Decision d;
    d.hang = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
    h.start();
    CHECK(h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\nNOOP\r\n").find("2.1.0") ==
          std::string::npos);
    CHECK(h.executor->waiting_on() == Kind::hang);
    CHECK(h.executor->log.back().kind == Kind::hang);
    CHECK(h.send("NOOP\r\n").empty());
  }
  SECTION("drop after a delay: the wait, then close, no reply") {
    Decision d;
    d.drop = true;
    d.delay = 3s;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = d; });
    h.start();
    h.send(tx);
    CHECK(h.executor->waiting_on() == Kind::close);
    const auto& log = h.executor->log;
    REQUIRE(log.size() >= 2);
    CHECK(log[log.size() - 2].kind == Kind::wait);
    CHECK(log[log.size() - 2].interval == 3s);
    CHECK(log.back().at == 3s);
  }
  SECTION("disconnect: the reply, then close") {
    Decision d;
    d.disconnect = true;
    Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::helo] = d; });
    h.start();
    CHECK(h.send("HELO c\r\nNOOP\r\n") == "250 mx.test\r\n");
    CHECK(h.executor->waiting_on() == Kind::close);
    CHECK(h.executor->log.back().kind == Kind::close);
  }
}

TEST_CASE("driver: nothing is fed while a store is pending", "[smtp][driver][store]") {
  Harness h;
  h.executor->defer_stores();
  h.start();
  // A whole pipelined transaction by BDAT, then another one behind it.
  const std::string first = tx + "BDAT 5 LAST\r\nhello";
  const std::string second = "MAIL FROM:<x@y.example>\r\nRCPT TO:<z@y.example>\r\nQUIT\r\n";
  const std::string before = h.send(first + second);
  CHECK(before.find("queued") == std::string::npos);
  REQUIRE(h.executor->waiting_on() == Kind::store);
  const auto events = h.policy.seen.size();
  CHECK(h.policy.seen.back().kind == EventKind::message);
  CHECK(h.driver->input() == second);
  h.send("NOOP\r\n");  // more input meanwhile is not fed either
  CHECK(h.policy.seen.size() == events);
  CHECK(h.executor->unread == "NOOP\r\n");

  h.executor->complete_store(true);
  REQUIRE(h.sink.messages.size() == 1);
  const std::string& wire = h.executor->wire;
  const auto queued = wire.find("250 2.0.0 Ok: queued as S1.1\r\n");
  REQUIRE(queued != std::string::npos);
  // The pipelined commands ran only after the 250, in order; NOOP after QUIT is not run.
  CHECK(wire.substr(queued) ==
        "250 2.0.0 Ok: queued as S1.1\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n221 2.0.0 Bye\r\n");
  CHECK(h.executor->waiting_on() == Kind::close);
}

TEST_CASE("driver: an in-memory store answers in the same write as the replies before it",
          "[smtp][driver][store]") {
  Harness h;
  h.start();
  const auto writes_before = writes(h).size();
  CHECK(h.send(tx + "BDAT 5 LAST\r\nhelloNOOP\r\n")
            .ends_with("250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as S1.1\r\n250 2.0.0 Ok\r\n"));
  CHECK(writes(h).size() == writes_before + 1);
  CHECK(h.sink.messages.size() == 1);
}

TEST_CASE("driver: plaintext pipelined after STARTTLS is dropped, never run",
          "[smtp][driver][tls]") {
  Harness h([](SessionConfig& c) { c.tls_available = true; });
  h.start();
  h.line("EHLO c");
  CHECK(h.send("STARTTLS\r\nMAIL FROM:<inject@evil.example>\r\nRSET\r\n") ==
        "220 2.0.0 Ready to start TLS\r\n");
  CHECK(h.executor->waiting_on() == Kind::start_tls);
  CHECK(h.pending() == 0);
  h.tls_started();
  CHECK_FALSE(h.policy.saw(EventKind::mail));
  CHECK_FALSE(h.policy.saw(EventKind::rset));
  CHECK(h.session->facts().tls);
  CHECK(h.line("EHLO c").starts_with("250-mx.test"));
}

TEST_CASE("driver: a timeout or shutdown is one 421, then close", "[smtp][driver]") {
  Harness h;
  h.start();
  h.send("EHLO c\r\nNOO");
  const std::size_t mark = h.executor->wire.size();
  SECTION("timeout") {
    h.executor->timeout();
    CHECK(h.executor->wire.substr(mark).starts_with("421 4.4.2"));
  }
  SECTION("shutdown") {
    h.executor->shutdown();
    CHECK(h.executor->wire.substr(mark).starts_with("421 4.3.2"));
  }
  CHECK(h.executor->waiting_on() == Kind::close);
  CHECK(h.session->closed());
}

TEST_CASE("driver: the read buffer is allocated only once input arrives", "[smtp][driver]") {
  Harness h;
  h.start();
  CHECK_FALSE(h.driver->has_buffer());
  CHECK(h.executor->waiting_on() == Kind::read);
  h.line("NOOP");
  CHECK(h.driver->has_buffer());
}

TEST_CASE("driver: how the input is cut into reads changes nothing", "[smtp][driver]") {
  const std::string conversation = tx + "DATA\r\n" + "Subject: x\r\n\r\n..dot\r\nbody\r\n.\r\n" +
                                   tx.substr(8) + "BDAT 4\r\nabcdBDAT 2 LAST\r\nefNOOP\r\n" +
                                   "MAIL FROM:<" + std::string(600, 'a') + ">\r\nRSET\r\nQUIT\r\n";
  Decision slow;
  slow.delay = 1s;
  const auto script = [&](ScriptedPolicy& p) { p.decisions[EventKind::rset] = slow; };

  Harness whole({}, script);
  whole.start();
  whole.send(conversation);

  Harness bytes({}, script);
  bytes.start();
  for (char c : conversation) bytes.send(std::string(1, c));

  CHECK(bytes.executor->wire == whole.executor->wire);
  CHECK(bytes.transcript.lines == whole.transcript.lines);
  CHECK(whole.executor->wire.ends_with("221 2.0.0 Bye\r\n"));
  CHECK(bytes.executor->clock == whole.executor->clock);
  REQUIRE(bytes.sink.messages.size() == 2);
  REQUIRE(whole.sink.messages.size() == 2);
  for (std::size_t i = 0; i < 2; ++i)
    CHECK(bytes.sink.messages[i].data == whole.sink.messages[i].data);
  CHECK(whole.sink.messages[1].data == "abcdef");
}

TEST_CASE("driver: a paced reply is reported once, when its last byte is written",
          "[smtp][driver]") {
  Decision d;
  d.drip = 100ms;
  d.delay = 1s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = d; });
  h.start();
  h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  CHECK(h.policy.sents.empty());  // nothing paced yet
  h.line("RCPT TO:<c@d.example>");
  REQUIRE(h.policy.sents.size() == 1);
  CHECK(h.policy.sents[0] == std::pair{std::uint32_t{4}, Sent::delivered});  // connect, EHLO, MAIL
  const auto w = writes(h);
  CHECK(w.back().at == 1s + 100ms * 13);  // "250 2.1.5 Ok\r\n": 14 bytes
  CHECK(w.back().bytes == "\n");
}

TEST_CASE("driver: a paced reply that reaches no one is reported so", "[smtp][driver]") {
  const bool reset = GENERATE(false, true);
  Decision d;
  d.delay = 3s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::rcpt] = d; });
  h.start();
  h.send("EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
  h.executor->client_leaves_at = 1s;
  h.executor->writes_fail_after_leaving = reset;
  CHECK(h.line("RCPT TO:<c@d.example>").empty());
  REQUIRE(h.policy.sents.size() == 1);
  CHECK(h.policy.sents[0].second == Sent::client_gone);
  REQUIRE(h.policy.endings.size() == 1);  // the transaction, with the recipient it accepted
  CHECK(h.policy.endings[0].how == Ending::client_left);
  CHECK(h.policy.endings[0].rcpts == 1);
  CHECK(h.stopped());
}

TEST_CASE("driver: a wait cut short sends nothing and says so", "[smtp][driver]") {
  Decision d;
  d.delay = 3s;
  Harness h({}, [&](ScriptedPolicy& p) { p.decisions[EventKind::mail] = d; });
  h.start();
  h.line("EHLO c");
  h.executor->interrupt_waits = true;
  CHECK(h.line("MAIL FROM:<a@b.example>").empty());
  REQUIRE(h.policy.sents.size() == 1);
  CHECK(h.policy.sents[0].second == Sent::not_sent);
  CHECK(h.policy.endings.empty());  // no recipient: no transaction to end
  CHECK(h.stopped());
}

TEST_CASE("driver: replies sent at once are not reported as paced", "[smtp][driver]") {
  Harness h;
  h.start();
  h.send(tx + "DATA\r\nx\r\n.\r\nQUIT\r\n");
  CHECK(h.policy.sents.empty());
  CHECK(h.policy.endings.empty());  // the message ended the transaction
}
