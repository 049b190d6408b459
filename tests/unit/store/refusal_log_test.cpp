// The refusal log: replies read into code, enhanced code and text; only 4xx/5xx kept; newest
// first, filtered by class, paged; bounded in refusals and in bytes per field.
#include "store/refusal_log.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using bounceback::smtp::Event;
using bounceback::smtp::EventKind;
using bounceback::smtp::SessionFacts;
using bounceback::store::read_refusal_reply;
using bounceback::store::Refusal;
using bounceback::store::RefusalClass;
using bounceback::store::RefusalLog;

namespace {

struct Fixture {
  SessionFacts facts;
  std::vector<std::string> rcpts{"a@example.test", "b@example.test"};
  Event event(EventKind kind, std::string_view rcpt = {}) {
    facts.id = "s-1";
    facts.client_ip = "192.0.2.7";
    Event ev;
    ev.kind = kind;
    ev.session = &facts;
    ev.from = "app@example.test";
    ev.rcpt = rcpt;
    ev.rcpts = rcpts;
    return ev;
  }
};

}  // namespace

TEST_CASE("a reply is read into its code, enhanced code and one line of text", "[store]") {
  Refusal r;
  REQUIRE(read_refusal_reply("550 5.1.1 <u@example.test>: User unknown\r\n", r));
  CHECK(r.code == 550);
  CHECK(r.enhanced == "5.1.1");
  CHECK(r.text == "<u@example.test>: User unknown");
  REQUIRE(read_refusal_reply("451-4.7.1 Greylisted\r\n451 4.7.1 try again later\r\n", r));
  CHECK(r.code == 451);
  CHECK(r.enhanced == "4.7.1");
  CHECK(r.text == "Greylisted / try again later");
  REQUIRE(read_refusal_reply("554 no enhanced code here\r\n", r));
  CHECK(r.enhanced.empty());
  CHECK(r.text == "no enhanced code here");
  REQUIRE(read_refusal_reply("421", r));
  CHECK(r.text.empty());
  CHECK_FALSE(read_refusal_reply("250 2.0.0 Ok\r\n", r));
  CHECK_FALSE(read_refusal_reply("", r));
  CHECK_FALSE(read_refusal_reply("5x0 nope\r\n", r));
}

TEST_CASE("only refusals are recorded, with the stage, recipient, client and session", "[store]") {
  Fixture f;
  RefusalLog log;
  CHECK(log.record(f.event(EventKind::rcpt, "ok@example.test"), "250 2.1.5 Ok\r\n") == 0);
  CHECK(log.record(f.event(EventKind::rcpt, "ok@example.test"), "") == 0);  // a drop
  const auto id = log.record(f.event(EventKind::rcpt, "x@example.test"),
                             "550 5.1.1 <x@example.test>: User unknown\r\n");
  CHECK(id == 1);
  Refusal copy;
  CHECK(log.record(f.event(EventKind::message), "452 4.2.2 Mailbox full\r\n", &copy) == 2);
  CHECK(copy.rcpt == "a@example.test, b@example.test");
  CHECK(copy.recipients == 2);
  const auto page = log.newest_first(RefusalClass::any, 0, 10);
  REQUIRE(page.total == 2);
  CHECK(page.refusals[0].id == 2);  // newest first
  const Refusal& r = page.refusals[1];
  CHECK(r.stage == EventKind::rcpt);
  CHECK(r.rcpt == "x@example.test");
  CHECK(r.recipients == 1);
  CHECK(r.from == "app@example.test");
  CHECK(r.client_ip == "192.0.2.7");
  CHECK(r.session_id == "s-1");
}

TEST_CASE("refusals are filtered by class and paged, total counting the class", "[store]") {
  Fixture f;
  RefusalLog log;
  for (int i = 0; i < 10; ++i)
    log.record(f.event(EventKind::rcpt, "r@example.test"),
               i % 2 ? "550 5.1.1 no\r\n" : "451 4.7.1 later\r\n");
  const auto temporary = log.newest_first(RefusalClass::temporary, 1, 2);
  CHECK(temporary.total == 5);
  REQUIRE(temporary.refusals.size() == 2);
  CHECK(temporary.refusals[0].id == 7);  // ids 9, 7, 5, 3, 1: skip one
  CHECK(temporary.refusals[1].id == 5);
  const auto permanent = log.newest_first(RefusalClass::permanent, 0, 100);
  CHECK(permanent.total == 5);
  for (const auto& r : permanent.refusals) CHECK(r.code == 550);
  CHECK(log.newest_first(RefusalClass::any, 20, 5).refusals.empty());
  log.clear();
  CHECK(log.newest_first(RefusalClass::any, 0, 5).total == 0);
  CHECK(log.record(f.event(EventKind::mail), "421 4.3.2 bye\r\n") == 11);  // ids go on
}

TEST_CASE("the log keeps the newest refusals within its capacity, fields cut", "[store]") {
  Fixture f;
  RefusalLog log(3);
  for (int i = 0; i < 7; ++i) log.record(f.event(EventKind::rcpt, "r@x"), "550 5.1.1 no\r\n");
  CHECK(log.size() == 3);
  const auto page = log.newest_first(RefusalClass::any, 0, 10);
  REQUIRE(page.refusals.size() == 3);
  CHECK(page.refusals[0].id == 7);
  CHECK(page.refusals[2].id == 5);
  // A long text and address are cut at a character, never inside one.
  std::string text = "550 5.7.1 ";
  for (int i = 0; i < 400; ++i) text += "\xc3\xa9";  // é, two bytes each
  const std::string rcpt(1000, 'a');
  Refusal copy;
  log.record(f.event(EventKind::rcpt, rcpt), text + "\r\n", &copy);
  CHECK(copy.text.size() <= RefusalLog::max_text);
  CHECK(copy.text.size() % 2 == 0);
  CHECK(copy.rcpt.size() == RefusalLog::max_address);
}

TEST_CASE("a drop, a reset or a hang is kept without a reply, as temporary", "[store]") {
  using bounceback::store::RefusalOutcome;
  Fixture f;
  RefusalLog log;
  CHECK(log.record_silence(f.event(EventKind::rcpt, "x@example.test"), RefusalOutcome::reply) == 0);
  log.record(f.event(EventKind::rcpt, "x@example.test"), "550 5.1.1 no\r\n");
  Refusal copy;
  CHECK(log.record_silence(f.event(EventKind::data), RefusalOutcome::hang, &copy) == 2);
  CHECK(copy.outcome == RefusalOutcome::hang);
  CHECK(copy.code == 0);
  CHECK(copy.text.empty());
  CHECK(copy.rcpt == "a@example.test, b@example.test");
  log.record_silence(f.event(EventKind::connect), RefusalOutcome::reset);
  const auto temporary = log.newest_first(RefusalClass::temporary, 0, 10);
  REQUIRE(temporary.total == 2);
  CHECK(temporary.refusals[0].outcome == RefusalOutcome::reset);
  CHECK(bounceback::store::to_string(temporary.refusals[1].outcome) == "hang");
  CHECK(log.newest_first(RefusalClass::permanent, 0, 10).refusals[0].outcome ==
        RefusalOutcome::reply);
  // A slot that held a reply and is reused for a drop keeps no code or text of it.
  RefusalLog small(1);
  small.record(f.event(EventKind::rcpt, "x@example.test"), "550 5.1.1 no\r\n");
  small.record_silence(f.event(EventKind::mail), RefusalOutcome::drop, &copy);
  CHECK((copy.code == 0 && copy.enhanced.empty() && copy.text.empty()));
}

TEST_CASE("a page keeps only what the filter keeps, total counting those", "[store]") {
  Fixture f;
  RefusalLog log;
  for (int i = 0; i < 6; ++i)
    log.record(f.event(EventKind::rcpt, i % 3 ? "other@example.test" : "me@example.test"),
               "550 5.1.1 no\r\n");
  const auto mine = log.newest_first(RefusalClass::any, 1, 5,
                                     [](const Refusal& r) { return r.rcpt == "me@example.test"; });
  CHECK(mine.total == 2);
  REQUIRE(mine.refusals.size() == 1);
  CHECK(mine.refusals[0].id == 1);  // ids 4, 1: the second
}
