// The attempt log as the session, its driver and the transport make it: the rule engine is the
// session's Policy, the in-memory executor carries out the effects on a fake clock that is
// also the engine's. Paced replies are stamped when written, and marked when no client read
// them; transactions that end without a message take a final outcome; the session's own
// RCPT refusals are logged; drop, hang and delay at `message` follow one storing rule.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "../smtp/harness.hpp"
#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;
using Session = bounceback::smtp::test::Harness;
using scenario::Outcome;

namespace {

const auto epoch = std::chrono::system_clock::time_point{std::chrono::hours(24 * 365 * 54)};

// The engine's clock is the executor's: a reply written after a 3 s delay is stamped 3 s later.
class ExecutorClock final : public scenario::Clock {
 public:
  const std::chrono::milliseconds* ms = nullptr;
  std::chrono::system_clock::time_point now() const override { return epoch + *ms; }
};

// A session served by the engine under `toml`, on the executor's clock.
struct Served {
  std::shared_ptr<ExecutorClock> clock = std::make_shared<ExecutorClock>();
  scenario::Engine engine{clock};
  Session h;

  explicit Served(const std::string& toml,
                  const std::function<void(smtp::SessionConfig&)>& tweak = {})
      : h(tweak, {}, &engine) {
    clock->ms = &h.executor->clock;
    if (!toml.empty()) engine.set_scenario(load(toml));
    h.start();
    REQUIRE(h.line("EHLO client.test").starts_with("250-"));
  }
  std::vector<scenario::AttemptRecord> log() { return engine.attempts("", ""); }
  // One message to u@x.test; what the client read after the final dot.
  std::string send_message() {
    h.line("MAIL FROM:<a@x.test>");
    h.line("RCPT TO:<u@x.test>");
    CHECK(h.line("DATA").starts_with("354"));
    return h.send("Subject: x\r\n\r\nhi\r\n.\r\n");
  }
  std::chrono::milliseconds sent_after(const scenario::AttemptRecord& r) const {
    REQUIRE(r.sent_at);
    return std::chrono::duration_cast<std::chrono::milliseconds>(*r.sent_at - epoch);
  }
};

const std::string slow_rcpt = "[[rule]]\non = \"rcpt\"\nrcpt = \"slow@*\"\ndelay = \"3s\"\n";

}  // namespace

TEST_CASE("session log: a delayed reply is stamped when it is written", "[scenario][log]") {
  Served s(slow_rcpt);
  CHECK(s.h.line("MAIL FROM:<a@x.test>") == "250 2.1.0 Ok\r\n");
  CHECK(s.h.line("RCPT TO:<slow@x.test>") == "250 2.1.5 Ok\r\n");
  const auto log = s.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].at == epoch);  // decided when the RCPT came
  CHECK(s.sent_after(log[0]) == 3s);
  CHECK_FALSE(log[0].client_gone);
  CHECK(log[0].outcome == Outcome::pending);
}

TEST_CASE("session log: a dripped reply is stamped at its last byte", "[scenario][log]") {
  Served s("[[rule]]\non = \"rcpt\"\ndrip = \"100ms\"\n");
  s.h.line("MAIL FROM:<a@x.test>");
  CHECK(s.h.line("RCPT TO:<u@x.test>") == "250 2.1.5 Ok\r\n");
  const auto log = s.log();
  REQUIRE(log.size() == 1);
  CHECK(s.sent_after(log[0]) == 100ms * 13);  // 14 bytes, one interval between each
}

TEST_CASE("session log: a late reply written after the client left reached no one",
          "[scenario][log]") {
  const bool reset = GENERATE(false, true);  // the write succeeds (FIN seen) or fails (RST)
  Served s(slow_rcpt);
  s.h.line("MAIL FROM:<a@x.test>");
  CHECK(s.h.line("RCPT TO:<u@x.test>") == "250 2.1.5 Ok\r\n");
  s.h.executor->client_leaves_at = 1s;  // its timeout: 1 s
  s.h.executor->writes_fail_after_leaving = reset;
  CHECK(s.h.line("RCPT TO:<slow@x.test>").empty());
  CHECK(s.h.stopped());
  const auto log = s.log();
  REQUIRE(log.size() == 2);
  CHECK(log[1].reply == "250 2.1.5 Ok");  // what the server meant
  CHECK(log[1].client_gone);
  CHECK(s.sent_after(log[1]) == 3s);
  CHECK(log[1].outcome == Outcome::dropped);
  // The first recipient's transaction ended when the client left.
  CHECK(log[0].outcome == Outcome::dropped);
  CHECK_FALSE(log[0].client_gone);
  CHECK(log[0].stage == EventKind::rcpt);
}

TEST_CASE("session log: a shutdown during a delay sends nothing", "[scenario][log]") {
  Served s(slow_rcpt);
  s.h.line("MAIL FROM:<a@x.test>");
  s.h.executor->interrupt_waits = true;
  CHECK(s.h.line("RCPT TO:<slow@x.test>").empty());
  CHECK(s.h.stopped());
  const auto log = s.log();
  REQUIRE(log.size() == 1);
  CHECK_FALSE(log[0].sent_at);
  CHECK_FALSE(log[0].client_gone);
  CHECK(log[0].outcome == Outcome::dropped);
}

TEST_CASE("session log: a transaction without a message takes how it ended", "[scenario][log]") {
  struct Case {
    std::string how;
    Outcome outcome;
    EventKind stage;
  };
  const Case c = GENERATE(Case{"RSET", Outcome::abandoned, EventKind::rset},
                          Case{"QUIT", Outcome::abandoned, EventKind::quit},
                          Case{"EHLO again.test", Outcome::abandoned, EventKind::helo},
                          Case{"leave", Outcome::dropped, EventKind::rcpt},
                          Case{"leave in data", Outcome::dropped, EventKind::data},
                          Case{"timeout", Outcome::refused, EventKind::rcpt},
                          Case{"shutdown", Outcome::refused, EventKind::rcpt});
  CAPTURE(c.how);
  Served s("");
  s.h.line("MAIL FROM:<a@x.test>");
  s.h.line("RCPT TO:<u@x.test>");
  s.h.line("RCPT TO:<v@x.test>");
  CHECK(s.log().at(0).outcome == Outcome::pending);  // open: only that is pending
  if (c.how == "leave") {
    s.h.executor->end_of_input();
  } else if (c.how == "leave in data") {
    CHECK(s.h.line("DATA").starts_with("354"));
    s.h.send("Subject: half a message\r\n");
    s.h.executor->end_of_input();
  } else if (c.how == "timeout") {
    s.h.executor->timeout();
  } else if (c.how == "shutdown") {
    s.h.executor->shutdown();
  } else {
    s.h.line(c.how);
  }
  const auto log = s.log();
  REQUIRE(log.size() == 2);
  for (const auto& r : log) {
    CHECK(r.outcome == c.outcome);
    CHECK(r.stage == c.stage);
    if (c.outcome == Outcome::refused)  // the 421 the client got
      CHECK(r.reply.starts_with("421 4."));
    else
      CHECK(r.reply == "250 2.1.5 Ok");
  }
  CHECK(s.h.sink.messages.empty());
}

TEST_CASE("session log: the session's own RCPT refusals are attempts", "[scenario][log]") {
  Served s("", [](smtp::SessionConfig& c) { c.limits.recipients = 1; });
  CHECK(s.h.line("RCPT TO:<early@x.test>").starts_with("503 5.5.1"));
  s.h.line("MAIL FROM:<a@x.test>");
  CHECK(s.h.line("RCPT TO:<bad address>").starts_with("501 5.1.3"));
  CHECK(s.h.line("RCPT TO:<u@x.test>") == "250 2.1.5 Ok\r\n");
  CHECK(s.h.line("RCPT TO:<v@x.test>").starts_with("452 4.5.3"));
  CHECK(s.h.line("MAIL FROM:<a@x.test> BODY=odd").starts_with("503 5.5.1"));  // nested
  const auto log = s.log();
  REQUIRE(log.size() == 5);
  CHECK(log[0].rcpt == "early@x.test");
  CHECK(log[0].from.empty());
  CHECK(log[0].reply.starts_with("503 5.5.1"));
  CHECK(log[1].rcpt == "TO:<bad address>");  // it does not parse: the argument as written
  CHECK(log[1].reply.starts_with("501 5.1.3"));
  CHECK(log[2].outcome == Outcome::pending);
  CHECK(log[3].rcpt == "v@x.test");
  CHECK(log[3].from == "a@x.test");
  CHECK(log[3].reply.starts_with("452 4.5.3"));
  CHECK(log[4].stage == EventKind::mail);
  CHECK(log[4].from == "a@x.test");  // the refused MAIL's own sender, its parameters aside
  CHECK(log[4].rcpt.empty());
  for (const std::size_t i : {0, 1, 3, 4}) {
    CHECK(log[i].outcome == Outcome::refused);
    CHECK(log[i].sent_at == log[i].at);
  }
}

TEST_CASE("session log: drop, hang and delay at message store the message", "[scenario][log]") {
  const std::string action = GENERATE(std::string("drop = true"), std::string("hang = true"),
                                      std::string("delay = \"30s\""));
  CAPTURE(action);
  Served s("[[rule]]\non = \"message\"\n" + action + "\n");
  s.h.executor->client_leaves_at = 10s;    // a client that waits 10 s for the final reply
  CHECK(s.send_message().empty());         // no reply reached the client
  REQUIRE(s.h.sink.messages.size() == 1);  // stored all the same: it may come again
  const auto log = s.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].stored);
  CHECK(log[0].stage == EventKind::message);
  if (action.starts_with("delay")) {
    CHECK(log[0].reply.starts_with("250 2.0.0 Ok: queued as "));
    CHECK(log[0].client_gone);
    CHECK(s.sent_after(log[0]) == 30s);
    CHECK(log[0].outcome == Outcome::dropped);
  } else {
    CHECK(log[0].reply == "250 2.1.5 Ok");  // the last reply the client got
    CHECK(log[0].outcome == (action.starts_with("drop") ? Outcome::dropped : Outcome::hung));
  }
}

TEST_CASE("session log: a delayed 250 the client waits for is accepted", "[scenario][log]") {
  Served s("[[rule]]\non = \"message\"\ndelay = \"3s\"\n");
  CHECK(s.send_message().starts_with("250 2.0.0 Ok: queued as "));
  const auto log = s.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].outcome == Outcome::accepted);
  CHECK(log[0].stored);
  CHECK_FALSE(log[0].client_gone);
  CHECK(s.sent_after(log[0]) == 3s);
  CHECK(s.h.sink.messages.size() == 1);
}

TEST_CASE("session log: a message refused by the scenario is not stored", "[scenario][log]") {
  Served s("[[rule]]\non = \"message\"\nreply = \"554 5.7.1 No\"\ndelay = \"1s\"\n");
  CHECK(s.send_message().starts_with("554 5.7.1 No"));
  CHECK(s.h.sink.messages.empty());
  const auto log = s.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].outcome == Outcome::refused);
  CHECK_FALSE(log[0].stored);
  CHECK(s.sent_after(log[0]) == 1s);
}
