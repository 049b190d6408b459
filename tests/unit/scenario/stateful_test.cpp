// Stateful conditions under a ManualClock: greylisting, attempts, quotas, rate limits.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;

TEST_CASE("greylisting: held until retry_after, then passes until expire", "[scenario][state]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
greylist = { retry_after = "2s", expire = "4h" }
reply = "451 4.7.1 <{rcpt}>: Recipient address rejected: Greylisted"
)");
  Client c;
  c.from = "a@sender.test";
  CHECK(code_of(h.rcpt(c, "u@x.test")) == 451);
  h.clock->advance(1s);
  CHECK(code_of(h.rcpt(c, "u@x.test")) == 451);  // too early
  CHECK(code_of(h.rcpt(c, "v@x.test")) == 451);  // another triplet starts its own wait
  h.clock->advance(1s);
  CHECK(h.rcpt(c, "u@x.test").proceeds());  // 2s after the first attempt
  h.clock->advance(1h);
  CHECK(h.rcpt(c, "u@x.test").proceeds());  // still known
  Client other("198.51.100.7", 2);
  other.from = "a@sender.test";
  CHECK(code_of(h.rcpt(other, "u@x.test")) == 451);  // the client IP is part of the triplet
  h.clock->advance(4h + 1s);
  CHECK(code_of(h.rcpt(c, "u@x.test")) == 451);  // unused for longer than expire: forgotten
  h.engine.reset_state();
  h.clock->advance(1s);
  CHECK(code_of(h.rcpt(c, "v@x.test")) == 451);  // reset forgets passed triplets too
}

TEST_CASE("attempts \"1-2\" fail, the third passes; counted whatever the reply",
          "[scenario][state]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rcpt = "retry-me@*"
attempts = "1-2"
reply = "421 4.3.2 Service not available, closing transmission channel"
disconnect = true
)");
  Client c;
  c.from = "a@sender.test";
  auto first = h.rcpt(c, "retry-me@x.test");
  CHECK(code_of(first) == 421);
  CHECK(first.disconnect);
  Client c2("192.0.2.10", 2);  // a new connection; the counter is per (from, rcpt)
  c2.from = "A@Sender.test";   // compared case-insensitively
  CHECK(code_of(h.rcpt(c2, "Retry-Me@x.test")) == 421);
  Client c3("192.0.2.11", 3);
  c3.from = "a@sender.test";
  CHECK(h.rcpt(c3, "retry-me@x.test").proceeds());
  CHECK(h.rcpt(c3, "retry-me@x.test").proceeds());  // 4th
  c3.from = "b@sender.test";
  CHECK(code_of(h.rcpt(c3, "retry-me@x.test")) == 421);  // another sender: its own count
}

TEST_CASE("attempts at message: the attempt its recipient is at, counted at RCPT",
          "[scenario][state]") {
  // What `bounceback import` writes for "451 ... (in reply to end of DATA command)" twice,
  // then delivered: the message is refused at the 1st and 2nd attempt of the recipient.
  Harness h(R"(
[[rule]]
on = "message"
rcpt = "late@x.test"
attempts = "1-2"
reply = "451 4.3.0 Try again later"
)");
  Client c;
  c.from = "a@sender.test";
  for (int attempt = 1; attempt <= 3; ++attempt) {
    INFO("attempt " << attempt);
    CHECK(h.rcpt(c, "other@x.test").proceeds());
    CHECK(h.rcpt(c, "late@x.test").proceeds());
    const auto d = h.message(c, "Subject: x\r\n\r\nhi\r\n");
    CHECK(code_of(d) == (attempt <= 2 ? 451 : 0));
  }
  // Without a `rcpt` matcher, any recipient at an attempt in range makes it hold.
  Harness any(R"(
[[rule]]
on = "message"
attempts = "2"
reply = "451 4.3.0 Try again later"
)");
  Client d;
  d.from = "a@sender.test";
  CHECK(any.rcpt(d, "fresh@x.test").proceeds());
  CHECK(any.message(d, "x").proceeds());
  CHECK(any.rcpt(d, "new@x.test").proceeds());
  CHECK(any.rcpt(d, "fresh@x.test").proceeds());
  CHECK(code_of(any.message(d, "x")) == 451);
}

TEST_CASE("attempts at connect count connections of a client IP", "[scenario][state]") {
  Harness h(R"(
[[rule]]
on = "connect"
attempts = "2"
reply = "421 4.7.0 Try again later, closing connection."
)");
  Client a1("192.0.2.1", 1), a2("192.0.2.1", 2), a3("192.0.2.1", 3), b1("192.0.2.2", 4);
  CHECK(h.engine.decide(a1.event(EventKind::connect)).proceeds());
  CHECK(code_of(h.engine.decide(a2.event(EventKind::connect))) == 421);
  CHECK(h.engine.decide(b1.event(EventKind::connect)).proceeds());
  CHECK(h.engine.decide(a3.event(EventKind::connect)).proceeds());
}

TEST_CASE("quota: holds once accepted bytes plus this message exceed it", "[scenario][state]") {
  Harness h(R"(
[[rule]]
on = ["rcpt", "message"]
quota = "10KiB"
reply = "552 5.2.2 <{rcpt}>: mailbox full"
)");
  Client c;
  c.from = "a@sender.test";
  const std::string six_k(6 * 1024, 'x');
  REQUIRE(h.rcpt(c, "box@x.test").proceeds());
  CHECK(h.message(c, six_k).proceeds());  // 6 KiB accepted
  REQUIRE(h.rcpt(c, "box@x.test").proceeds());
  auto full = h.message(c, six_k);  // 12 KiB > 10 KiB
  CHECK(code_of(full) == 552);
  CHECK(full.reply->text == "<box@x.test>: mailbox full");
  REQUIRE(h.rcpt(c, "box@x.test").proceeds());
  CHECK(h.message(c, std::string(4 * 1024, 'y')).proceeds());  // exactly 10 KiB: not over
  // Now full: RCPT with a SIZE= is refused up front, without SIZE= it is still accepted.
  c.size = 1;
  CHECK(code_of(h.rcpt(c, "box@x.test")) == 552);
  c.size = 0;
  CHECK(h.rcpt(c, "box@x.test").proceeds());
  // A rejected message did not count, and other recipients have their own quota.
  c.rcpts.clear();
  CHECK(h.rcpt(c, "other@x.test").proceeds());
  CHECK(h.message(c, six_k).proceeds());
  h.engine.reset_state();
  c.size = 1;
  CHECK(h.rcpt(c, "box@x.test").proceeds());
}

TEST_CASE("rate limit: past max within the window, then a new window", "[scenario][state]") {
  Harness h(R"(
[[rule]]
on = "mail"
rate_limit = { max = 3, per = "1m", key = "client_ip" }
reply = "421 4.7.0 Error: too many messages from [{client_ip}]"
)");
  Client a("192.0.2.1", 1), b("192.0.2.2", 2);
  for (int i = 0; i < 3; ++i) CHECK(h.engine.decide(a.event(EventKind::mail)).proceeds());
  auto over = h.engine.decide(a.event(EventKind::mail));
  CHECK(code_of(over) == 421);
  CHECK(over.reply->text == "Error: too many messages from [192.0.2.1]");
  CHECK(h.engine.decide(b.event(EventKind::mail)).proceeds());  // per key
  h.clock->advance(59s);
  CHECK(code_of(h.engine.decide(a.event(EventKind::mail))) == 421);
  h.clock->advance(1s);  // the window is over
  CHECK(h.engine.decide(a.event(EventKind::mail)).proceeds());
}

TEST_CASE("rate limit keyed by sender", "[scenario][state]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rate_limit = { max = 1, per = "1h", key = "from" }
reply = "450 4.2.1 The user you are trying to contact is receiving mail too quickly."
)");
  Client a("192.0.2.1", 1), b("192.0.2.2", 2);
  a.from = b.from = "bulk@sender.test";
  CHECK(h.rcpt(a, "u@x.test").proceeds());
  CHECK(code_of(h.rcpt(b, "v@x.test")) == 450);  // same sender from another client
  b.from = "other@sender.test";
  CHECK(h.rcpt(b, "v@x.test").proceeds());
}

TEST_CASE("stateful tables stay bounded", "[scenario][state]") {
  scenario::GreylistTable g(64);
  scenario::GreylistSpec spec{2s, 4h};
  const auto now = std::chrono::system_clock::now();
  for (std::uint64_t i = 0; i < 10000; ++i) g.holds(i * 7919, now, spec);
  CHECK(g.size() <= 64 + scenario::ShardedTable<int>::shard_count);
  // Expired entries are swept as new ones arrive.
  scenario::GreylistTable g2(1 << 16);
  for (std::uint64_t i = 0; i < 1000; ++i) g2.holds(i, now, spec);
  for (std::uint64_t i = 0; i < 1000; ++i) g2.holds(100000 + i, now + 5h, spec);
  CHECK(g2.size() < 1500);
}
