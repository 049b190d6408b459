// The attempt log: every RCPT recorded with time, client and session, completed with the final
// reply, filtered by (from, rcpt), with the gap since the previous attempt.
#include <catch2/catch.hpp>

#include "smtp/command.hpp"
#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;

TEST_CASE("attempts are logged with the reply given", "[scenario][log]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
greylist = { retry_after = "5m", expire = "1d" }
reply = "451 4.7.1 Greylisted"
)");
  Client first("192.0.2.1", 1);
  first.from = "a@sender.test";
  h.rcpt(first, "u@x.test");
  h.clock->advance(6min);
  Client second("192.0.2.1", 2);
  second.from = "a@sender.test";
  h.rcpt(second, "u@x.test");
  h.message(second, "Subject: x\r\n\r\nhi\r\n");
  Client noise("192.0.2.9", 3);
  noise.from = "b@sender.test";
  h.rcpt(noise, "u@x.test");

  auto all = h.engine.attempts("", "");
  CHECK(all.size() == 3);
  auto log = h.engine.attempts("A@Sender.test", "u@x.test");
  REQUIRE(log.size() == 2);
  CHECK(log[0].reply == "451 4.7.1 Greylisted");
  CHECK(log[0].session_id == "s1");
  CHECK(log[0].client_ip == "192.0.2.1");
  CHECK_FALSE(log[0].gap);
  CHECK(log[0].outcome == scenario::Outcome::refused);
  CHECK(log[1].reply == "250 2.0.0 Ok: queued");  // the final reply after the message
  CHECK(log[1].outcome == scenario::Outcome::accepted);
  CHECK(log[1].stage == EventKind::message);
  CHECK(log[1].session_id == "s2");
  REQUIRE(log[1].gap);
  CHECK(*log[1].gap == 6min);
  CHECK(log[1].at - log[0].at == 6min);
  CHECK(h.engine.attempts("", "nobody@x.test").empty());
  h.engine.reset_state();
  CHECK(h.engine.attempts("", "").empty());
}

TEST_CASE("a rejected message completes its recipients' records", "[scenario][log]") {
  Harness h(R"(
[[rule]]
on = "message"
reply = ["554-5.7.1 first", "554 5.7.1 rejected"]
)");
  Client c;
  c.from = "a@sender.test";
  h.rcpt(c, "u@x.test");
  h.rcpt(c, "v@x.test");
  h.message(c, "x");
  auto log = h.engine.attempts("", "");
  REQUIRE(log.size() == 2);
  CHECK(log[0].reply == "554 5.7.1 first / rejected");
  CHECK(log[1].reply == "554 5.7.1 first / rejected");
  CHECK(log[1].outcome == scenario::Outcome::refused);
  CHECK(log[1].stage == EventKind::message);
}

TEST_CASE("a RCPT dropped or hung is logged with no reply", "[scenario][log]") {
  const std::string action = GENERATE(std::string("drop"), std::string("hang"));
  Harness h("[[rule]]\non = \"rcpt\"\nrcpt = \"gone@*\"\n" + action + " = true\n");
  Client c;
  c.from = "a@sender.test";
  h.rcpt(c, "u@x.test");
  h.rcpt(c, "gone@x.test");
  const auto log = h.engine.attempts("", "");
  REQUIRE(log.size() == 2);
  const auto expected = action == "drop" ? scenario::Outcome::dropped : scenario::Outcome::hung;
  // The earlier recipient got its 250 and then nothing more: its message was not accepted.
  CHECK(log[0].rcpt == "u@x.test");
  CHECK(log[0].reply == "250 2.1.5 Ok");
  CHECK(log[0].outcome == expected);
  CHECK(log[0].stage == EventKind::rcpt);
  CHECK(log[1].rcpt == "gone@x.test");
  CHECK(log[1].reply.empty());
  CHECK(log[1].outcome == expected);
}

TEST_CASE("a transaction that ends at DATA or the message takes how it ended", "[scenario][log]") {
  const std::string stage = GENERATE(std::string("data"), std::string("message"));
  const std::string action = GENERATE(std::string("drop = true"), std::string("hang = true"),
                                      std::string("reply = \"421 4.3.2 going away\""));
  CAPTURE(stage, action);
  Harness h("[[rule]]\non = \"" + stage + "\"\n" + action + "\n");
  Client c;
  c.from = "a@sender.test";
  h.rcpt(c, "u@x.test");
  h.rcpt(c, "v@x.test");
  if (stage == "data")
    h.event(c, EventKind::data, "354 go on\r\n");
  else
    h.message(c, "x");
  const auto log = h.engine.attempts("", "");
  REQUIRE(log.size() == 2);
  for (const auto& r : log) {
    CHECK(r.stage == smtp::parse_event_kind(stage));
    if (action.starts_with("reply")) {
      CHECK(r.reply == "421 4.3.2 going away");
      CHECK(r.outcome == scenario::Outcome::refused);
    } else {
      CHECK(r.reply == "250 2.1.5 Ok");
      CHECK(r.outcome ==
            (action.starts_with("drop") ? scenario::Outcome::dropped : scenario::Outcome::hung));
    }
  }
}

TEST_CASE("a 421 or a disconnect at a later RCPT ends the earlier recipients' transaction",
          "[scenario][log]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rcpt = "busy@*"
reply = "421 4.3.2 Service not available"

[[rule]]
on = "rcpt"
rcpt = "bye@*"
disconnect = true
)");
  Client c;
  c.from = "a@sender.test";
  h.rcpt(c, "u@x.test");
  h.rcpt(c, "busy@x.test");
  Client d("192.0.2.11", 2);
  d.from = "a@sender.test";
  h.rcpt(d, "v@x.test");
  h.rcpt(d, "bye@x.test");  // 250, then the connection closes
  const auto log = h.engine.attempts("", "");
  REQUIRE(log.size() == 4);
  CHECK(log[0].reply == "421 4.3.2 Service not available");  // what the client got last
  CHECK(log[0].outcome == scenario::Outcome::refused);
  CHECK(log[1].outcome == scenario::Outcome::refused);
  CHECK(log[2].reply == "250 2.1.5 Ok");
  CHECK(log[2].outcome == scenario::Outcome::dropped);
  CHECK(log[3].reply == "250 2.1.5 Ok");
  CHECK(log[3].outcome == scenario::Outcome::dropped);
}

TEST_CASE("an accepted RCPT stays pending until its message is answered", "[scenario][log]") {
  Harness h;
  Client c;
  c.from = "a@sender.test";
  h.rcpt(c, "u@x.test");
  CHECK(h.engine.attempts("", "").at(0).outcome == scenario::Outcome::pending);
  h.event(c, EventKind::data, "354 go on\r\n");
  CHECK(h.engine.attempts("", "").at(0).outcome == scenario::Outcome::pending);
  h.message(c, "x");
  CHECK(h.engine.attempts("", "").at(0).outcome == scenario::Outcome::accepted);
}

TEST_CASE("refusals before RCPT are logged per client and sender", "[scenario][log]") {
  Harness h(R"(
[[rule]]
on = "connect"
attempts = "1"
reply = "421 4.3.2 not now"

[[rule]]
on = "helo"
client_ip = "192.0.2.1/32"
reply = "550 5.7.1 go away"

[[rule]]
on = "mail"
from = "spam@*"
drop = true
)");
  Client first("192.0.2.1", 1);
  h.event(first, EventKind::connect, "220 ok\r\n");
  h.clock->advance(30s);
  Client second("192.0.2.1", 2);
  h.event(second, EventKind::connect, "220 ok\r\n");  // accepted: not an attempt
  h.event(second, EventKind::helo, "250 ok\r\n");
  Client third("192.0.2.2", 3);
  third.from = "spam@x.test";
  h.event(third, EventKind::mail, "250 2.1.0 Ok\r\n");
  third.from = "ham@x.test";
  h.event(third, EventKind::mail, "250 2.1.0 Ok\r\n");  // accepted: not an attempt

  const auto log = h.engine.attempts("", "");
  REQUIRE(log.size() == 3);
  CHECK(log[0].stage == EventKind::connect);
  CHECK(log[0].reply == "421 4.3.2 not now");
  CHECK(log[0].outcome == scenario::Outcome::refused);
  CHECK(log[0].rcpt.empty());
  CHECK(log[0].client_ip == "192.0.2.1");
  CHECK_FALSE(log[0].gap);
  CHECK(log[1].stage == EventKind::helo);
  CHECK(log[1].reply == "550 5.7.1 go away");
  REQUIRE(log[1].gap);  // the same client's previous refusal before MAIL
  CHECK(*log[1].gap == 30s);
  CHECK(log[2].stage == EventKind::mail);
  CHECK(log[2].from == "spam@x.test");
  CHECK(log[2].reply.empty());
  CHECK(log[2].outcome == scenario::Outcome::dropped);
  CHECK_FALSE(log[2].gap);  // another client and sender
}

TEST_CASE("the attempt log is bounded", "[scenario][log]") {
  scenario::AttemptLog log(10);
  for (int i = 0; i < 25; ++i) {
    scenario::AttemptRecord r;
    r.at = std::chrono::system_clock::time_point{std::chrono::seconds(i)};
    r.from = "a@x";
    r.rcpt = "b@y";
    r.client_ip = "192.0.2.1";
    r.session_id = "s" + std::to_string(i);
    r.reply = "250 2.1.5 Ok";
    log.record(r, i % 2 == 0);  // the even ones paced: their entries are bounded too
  }
  auto all = log.query("", "");
  REQUIRE(all.size() == 10);
  CHECK(all.front().session_id == "s15");
  log.complete("s23", "b@y",
               {"550 5.0.0 late", scenario::Outcome::refused, EventKind::message, {}});
  CHECK(log.query("", "").at(8).reply == "550 5.0.0 late");
  log.complete("s1", "b@y",
               {"550 5.0.0 gone",
                scenario::Outcome::refused,
                EventKind::message,
                {}});  // dropped already: ignored
  log.sent("s24", {}, smtp::Sent::client_gone);
  CHECK(log.query("", "").back().client_gone);
  log.sent("s2", {}, smtp::Sent::client_gone);  // dropped already: ignored
}

TEST_CASE("a page of the attempt log is that slice of the whole list, gaps included",
          "[scenario][log]") {
  scenario::AttemptLog log(1000);
  const char* senders[] = {"a@x", "A@X", "c@x"};  // a@x and A@X are one sender
  for (int i = 0; i < 60; ++i) {
    scenario::AttemptRecord r;
    r.at = std::chrono::system_clock::time_point{std::chrono::seconds(i * i)};
    r.from = senders[i % 3];
    r.rcpt = i % 4 ? "b@y" : "d@y";
    r.client_ip = "192.0.2.1";
    r.session_id = "s" + std::to_string(i);
    r.reply = "451 4.7.1 later";
    r.outcome = scenario::Outcome::refused;
    log.record(r);
  }
  const std::string from = GENERATE(std::string(""), std::string("a@x"));
  const auto all = log.query(from, "");
  REQUIRE(all.size() == (from.empty() ? 60 : 40));
  for (const std::size_t start : {0, 1, 7, 39, 59, 80}) {
    for (const std::size_t limit : {0, 1, 5, 100}) {
      CAPTURE(from, start, limit);
      const auto page = log.query(
          [&](const scenario::AttemptRecord& r) {
            return from.empty() || smtp::iequals(r.from, from);
          },
          start, limit);
      CHECK(page.total == all.size());
      const std::size_t end =
          std::min(all.size(), std::max(start, std::min(all.size(), start + limit)));
      REQUIRE(page.records.size() == (start < all.size() ? end - start : 0));
      for (std::size_t i = 0; i < page.records.size(); ++i) {
        CHECK(page.records[i].session_id == all[start + i].session_id);
        CHECK(page.records[i].gap == all[start + i].gap);
      }
    }
  }
  // The gaps themselves: s0 (a@x, d@y) is first; s4 (A@X, d@y) is the same pair 16 s later.
  CHECK_FALSE(all[0].gap);
  const auto later = log.query(
      [](const scenario::AttemptRecord& r) {
        return smtp::iequals(r.from, "a@x") && r.rcpt == "d@y";
      },
      1, 1);
  REQUIRE(later.records.size() == 1);
  CHECK(later.records[0].session_id == "s4");
  CHECK(later.records[0].gap == std::chrono::milliseconds(16'000));
}

namespace {

// --state's listener, as redis/capture_log.hpp hears the log: what it was told, in order.
struct HeardChanges : scenario::AttemptListener {
  std::vector<std::string> heard;
  std::vector<scenario::AttemptRecord> records;  // of finished() and shared_as_it_stands()
  int holdings = 0;
  void recorded(const scenario::AttemptRecord& r, bool) override {
    heard.push_back("recorded " + r.rcpt);
  }
  void completed(std::string_view, std::string_view rcpt, const scenario::Completion&) override {
    heard.push_back("completed " + std::string(rcpt));
  }
  void sent(std::string_view, std::chrono::system_clock::time_point, smtp::Sent) override {
    heard.push_back("sent");
  }
  void cleared() override { heard.push_back("cleared"); }
  void finished(const scenario::AttemptRecord& r, bool) override {
    heard.push_back("finished " + r.rcpt);
    records.push_back(r);
  }
  void shared_as_it_stands(const scenario::AttemptRecord& r) override {
    heard.push_back("as it stands " + r.rcpt);
    records.push_back(r);
  }
  void holding() override { ++holdings; }
};

scenario::AttemptRecord pending(std::string session, std::string rcpt) {
  scenario::AttemptRecord r;
  r.session_id = std::move(session);
  r.from = "a@sender.test";
  r.rcpt = std::move(rcpt);
  r.reply = "250 2.1.5 Ok\r\n";
  return r;
}

scenario::Completion accepted() {
  scenario::Completion c;
  c.reply = "250 2.0.0 Ok: queued as X\r\n";
  c.outcome = scenario::Outcome::accepted;
  c.stage = EventKind::message;
  c.stored = true;
  return c;
}

}  // namespace

TEST_CASE("shared (--state): an attempt held from its RCPT is shared once, completed",
          "[scenario][log]") {
  scenario::AttemptLog log(100);
  HeardChanges l;
  log.share_with(&l);
  log.record(pending("s1", "u@x.test"), false, true);
  log.record(pending("s1", "v@x.test"), false, true);
  CHECK(l.holdings == 1);  // one sweep armed for both
  CHECK(l.heard.empty());
  CHECK(log.complete("s1", "U@x.test", accepted()));  // addresses compare case-insensitively
  REQUIRE(l.heard == std::vector<std::string>{"finished u@x.test"});
  CHECK(l.records[0].outcome == scenario::Outcome::accepted);
  CHECK(l.records[0].reply == "250 2.0.0 Ok: queued as X\r\n");
  CHECK(l.records[0].stored);
  CHECK(l.records[0].stage == EventKind::message);
  // Completed once: a second completion finds nothing, shares nothing.
  CHECK_FALSE(log.complete("s1", "u@x.test", accepted()));
  CHECK(l.heard.size() == 1);
  // The log lists it completed, as without a listener.
  const auto all = log.query("", "");
  REQUIRE(all.size() == 2);
  CHECK(all[0].outcome == scenario::Outcome::accepted);
  CHECK(all[1].outcome == scenario::Outcome::pending);
}

TEST_CASE(
    "shared (--state): an attempt still open after a whole sweep period is shared as it stands",
    "[scenario][log]") {
  scenario::AttemptLog log(100);
  HeardChanges l;
  log.share_with(&l);
  log.record(pending("s1", "u@x.test"), false, true);
  CHECK(l.holdings == 1);
  CHECK(log.share_held());  // held since this period began: not yet, and the sweeps go on
  CHECK(l.heard.empty());
  log.record(pending("s2", "w@x.test"), false, true);  // a sweep is due already
  CHECK(l.holdings == 1);
  CHECK(log.share_held());  // u's second sweep: shared pending; w's first
  REQUIRE(l.heard == std::vector<std::string>{"as it stands u@x.test"});
  CHECK(l.records[0].outcome == scenario::Outcome::pending);
  // Its completion is not held any more: the caller shares it as a change of its own.
  CHECK_FALSE(log.complete("s1", "u@x.test", accepted()));
  CHECK(log.query("", "u@x.test").at(0).outcome == scenario::Outcome::accepted);
  CHECK_FALSE(log.share_held());  // w shared; none held: the sweeps stop
  CHECK(l.heard.back() == "as it stands w@x.test");
  // The next hold arms them again.
  log.record(pending("s3", "z@x.test"), false, true);
  CHECK(l.holdings == 2);
}

TEST_CASE("shared (--state): what the log does not hold is not shared by it", "[scenario][log]") {
  scenario::AttemptLog log(2);
  HeardChanges l;
  log.share_with(&l);
  // Not held: the caller shares it (paced, or without `hold`).
  log.record(pending("s1", "paced@x.test"), true, true);
  log.record(pending("s1", "plain@x.test"), false, false);
  CHECK(l.holdings == 0);
  CHECK_FALSE(log.complete("s1", "plain@x.test", accepted()));
  // The same pair again: the older held one goes as it stands, the newer is held.
  log.record(pending("s2", "u@x.test"), false, true);
  log.record(pending("s2", "u@x.test"), false, true);
  REQUIRE(l.heard == std::vector<std::string>{"as it stands u@x.test"});
  CHECK(log.complete("s2", "u@x.test", accepted()));
  CHECK(l.heard.back() == "finished u@x.test");
  // A clear drops what is held.
  log.record(pending("s5", "c@x.test"), false, true);
  log.clear();
  CHECK_FALSE(log.complete("s5", "c@x.test", accepted()));
  CHECK_FALSE(log.share_held());
  CHECK(l.heard.size() == 2);
}

TEST_CASE("shared (--state): a held attempt dropped from the bounded log is not shared",
          "[scenario][log]") {
  for (const bool pruned : {false, true}) {
    scenario::AttemptLog log(3);
    HeardChanges l;
    log.share_with(&l);
    log.record(pending("s1", "gone@x.test"), false, true);
    CHECK(log.share_held());  // its first sweep
    for (int i = 0; i < 3; ++i) {
      // Pending ones (the index pruned of dropped records) or refusals (not pruned).
      auto r = pending("s2", "r" + std::to_string(i) + "@x.test");
      if (!pruned) r.outcome = scenario::Outcome::refused;
      log.record(std::move(r), false, false);
    }
    CHECK_FALSE(log.share_held());  // dropped: not shared, and none held any more
    CHECK(l.heard.empty());
    CHECK_FALSE(log.complete("s1", "gone@x.test", accepted()));
    CHECK(l.heard.empty());
  }
}

TEST_CASE(
    "shared (--state): the engine's attempts are held by its log, shared with their completion",
    "[scenario][log]") {
  Harness h("");
  HeardChanges l;
  h.engine.set_attempt_listener(&l);
  Client c;
  c.from = "a@sender.test";
  h.rcpt(c, "u@x.test");
  h.rcpt(c, "v@x.test");
  CHECK(l.heard.empty());  // held, not heard
  CHECK(l.holdings == 1);
  h.message(c, "Subject: x\r\n\r\nhi\r\n");
  CHECK(l.heard == std::vector<std::string>{"finished u@x.test", "finished v@x.test"});
  REQUIRE(l.records.size() == 2);
  CHECK(l.records[1].outcome == scenario::Outcome::accepted);
  CHECK(l.records[1].session_id == "s1");
  CHECK(l.records[1].stored);
}
