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
  CHECK(log[1].reply == "250 2.0.0 Ok: queued");  // the final reply after the message
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
}

TEST_CASE("the attempt log is bounded", "[scenario][log]") {
  scenario::AttemptLog log(10);
  for (int i = 0; i < 25; ++i)
    log.record_rcpt({std::chrono::system_clock::time_point{std::chrono::seconds(i)},
                     "a@x",
                     "b@y",
                     "192.0.2.1",
                     "s" + std::to_string(i),
                     "250 2.1.5 Ok",
                     {}});
  auto all = log.query("", "");
  REQUIRE(all.size() == 10);
  CHECK(all.front().session_id == "s15");
  log.complete("s24", "b@y", "550 5.0.0 late");
  CHECK(log.query("", "").back().reply == "550 5.0.0 late");
  log.complete("s1", "b@y", "550 5.0.0 gone");  // dropped already: ignored
}

TEST_CASE("a page of the attempt log is that slice of the whole list, gaps included",
          "[scenario][log]") {
  scenario::AttemptLog log(1000);
  const char* senders[] = {"a@x", "A@X", "c@x"};  // a@x and A@X are one sender
  for (int i = 0; i < 60; ++i)
    log.record_rcpt({std::chrono::system_clock::time_point{std::chrono::seconds(i * i)},
                     senders[i % 3],
                     i % 4 ? "b@y" : "d@y",
                     "192.0.2.1",
                     "s" + std::to_string(i),
                     "451 4.7.1 later",
                     {}});
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
