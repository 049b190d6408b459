// The engine with shared state (--state), as replicas use it: two engines, each the Policy of
// its own session, ask one store that evaluates their StateRequests as the Lua script does
// (a reference written from the tables in memory). The session pauses for the Inquiry and
// decides the same event again; what a stateless scenario decides never asks the store; a
// failed round trip decides from memory (open) or answers 451 4.3.0 (closed).
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <string>

#include "../smtp/harness.hpp"
#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;
using Session = bounceback::smtp::test::Harness;

namespace {

const auto epoch = std::chrono::system_clock::time_point{std::chrono::hours(24 * 365 * 54)};

// A reference store: the decide script's semantics over maps, answering at once.
class ReferenceStore final : public scenario::SharedState {
 public:
  bool down = false;
  int calls = 0;

  void decide(std::shared_ptr<scenario::StateCall> call) override {
    ++calls;
    auto& q = call->request;
    auto& a = call->answer;
    if (down) {
      a.failed = true;
      a.error = "down";
      return call->done();
    }
    const auto now = q.now;
    for (const auto key : q.counters) {
      auto& c = counters_[key];
      if (c.second <= now) c = {0, now};
      if (q.count == scenario::StateRequest::Count::add) c = {c.first + 1, now + q.counter_idle};
      a.counts.push_back(c.first);
    }
    for (std::size_t i = 0; i < q.checks.size(); ++i) {
      const auto& c = q.checks[i];
      bool holds = true;
      std::uint32_t who = 0;
      if (c.attempts) {
        holds = false;
        for (std::size_t j = 0; j < a.counts.size(); ++j)
          if ((c.attempts_of == 0 || c.attempts_of == j + 1) && c.attempts->contains(a.counts[j])) {
            holds = true;
            who = static_cast<std::uint32_t>(j + 1);
            break;
          }
      }
      if (holds && c.quota) {
        holds = false;
        for (std::size_t j = 0; j < q.quotas.size(); ++j)
          if (quota_[q.quotas[j]] + q.size > *c.quota) {
            holds = true;
            who = static_cast<std::uint32_t>(j + 1);
            break;
          }
      }
      if (holds && c.rate_limit) {
        auto& r = rates_[c.rate_key];
        if (r.second <= now) r = {0, now + c.rate_limit->per};
        holds = ++r.first > c.rate_limit->max;
      }
      if (holds && c.greylist) {
        auto& g = greylist_[c.triplet];
        if (g.expires <= now) {
          g = {now, false, now + c.greylist->expire};
        } else if (!g.passed && now - g.first < c.greylist->retry_after) {
        } else {
          g.passed = true;
          g.expires = now + c.greylist->expire;
          holds = false;
        }
      }
      if (holds) {
        a.matched = static_cast<std::uint32_t>(i + 1);
        a.recipient = who;
        break;
      }
    }
    call->done();
  }
  void add_quota(std::vector<std::uint64_t> rcpts, std::uint64_t bytes, scenario::TimePoint,
                 std::chrono::milliseconds) override {
    for (const auto r : rcpts) quota_[r] += bytes;
  }
  void clear() override {
    counters_.clear();
    rates_.clear();
    greylist_.clear();
    quota_.clear();
  }
  const scenario::StateCounters& counters() const override { return counts_; }

 private:
  struct Grey {
    scenario::TimePoint first;
    bool passed = false;
    scenario::TimePoint expires;
  };
  std::map<std::uint64_t, std::pair<std::uint64_t, scenario::TimePoint>> counters_, rates_;
  std::map<std::uint64_t, Grey> greylist_;
  std::map<std::uint64_t, std::uint64_t> quota_;
  scenario::StateCounters counts_;
};

// One replica: an engine on the shared store and a session it serves, on a shared clock.
struct Replica {
  std::shared_ptr<scenario::ManualClock> clock;
  scenario::Engine engine;
  Session h;

  Replica(ReferenceStore& store, std::shared_ptr<scenario::ManualClock> c, const std::string& toml,
          scenario::StateFailure failure = scenario::StateFailure::open)
      : clock(c), engine(c), h({}, {}, &engine) {
    engine.set_shared_state(&store, failure);
    engine.set_scenario(load(toml));
    h.start();
    REQUIRE(h.line("EHLO client.test").starts_with("250-"));
  }
  std::string rcpt(const std::string& to) {
    h.line("RSET");
    h.line("MAIL FROM:<a@x.test>");
    return h.line("RCPT TO:<" + to + ">");
  }
};

const std::string greylist =
    "[[rule]]\non = \"rcpt\"\ngreylist = { retry_after = \"5m\" }\n"
    "reply = \"451 4.7.1 Greylisted, try again later\"\n";

}  // namespace

TEST_CASE("a greylisted retry passes on another replica after retry_after", "[shared]") {
  ReferenceStore store;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  Replica one(store, clock, greylist), two(store, clock, greylist);
  CHECK(one.rcpt("u@x.test").starts_with("451 4.7.1"));
  CHECK(two.rcpt("u@x.test").starts_with("451 4.7.1"));  // too early, on either
  clock->advance(6min);
  CHECK(two.rcpt("u@x.test").starts_with("250"));
  CHECK(one.rcpt("u@x.test").starts_with("250"));  // passed, for every replica
  // The session paused and decided the RCPT again: the line ran once (one transcript line).
  const auto& lines = one.h.transcript.lines;
  CHECK(std::count_if(lines.begin(), lines.end(), [](const auto& l) {
          return l.first && l.second == "RCPT TO:<u@x.test>";
        }) == 2);
}

TEST_CASE("attempts count across replicas", "[shared]") {
  ReferenceStore store;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  const std::string toml =
      "[[rule]]\non = \"rcpt\"\nattempts = \"1-2\"\nreply = \"450 4.2.0 Try later\"\n";
  Replica one(store, clock, toml), two(store, clock, toml);
  CHECK(one.rcpt("u@x.test").starts_with("450"));
  CHECK(two.rcpt("u@x.test").starts_with("450"));
  CHECK(one.rcpt("u@x.test").starts_with("250"));  // the third attempt, counted in the store
  CHECK(store.calls == 3);
}

TEST_CASE("address-encoded counts are shared too", "[shared]") {
  ReferenceStore store;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  Replica one(store, clock, ""), two(store, clock, "");
  CHECK(one.rcpt("451-4.7.1-2times@reply.test").starts_with("451"));
  CHECK(two.rcpt("451-4.7.1-2times@reply.test").starts_with("451"));
  CHECK(one.rcpt("451-4.7.1-2times@reply.test").starts_with("250"));
}

TEST_CASE("a stateless scenario never asks the store", "[shared]") {
  ReferenceStore store;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  Replica one(store, clock,
              "[[rule]]\non = \"rcpt\"\nrcpt = \"bad@*\"\nreply = \"550 5.1.1 No such user\"\n");
  CHECK(one.rcpt("bad@x.test").starts_with("550 5.1.1"));
  CHECK(one.rcpt("good@x.test").starts_with("250"));
  CHECK(one.h.line("NOOP").starts_with("250"));
  CHECK(store.calls == 0);
}

TEST_CASE("rate_limit holds across replicas; a quota fills across replicas", "[shared]") {
  ReferenceStore store;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  SECTION("rate") {
    const std::string toml =
        "[[rule]]\non = \"mail\"\nrate_limit = { max = 2, per = \"1m\" }\n"
        "reply = \"450 4.7.0 Too fast\"\n";
    Replica one(store, clock, toml), two(store, clock, toml);
    CHECK(one.h.line("MAIL FROM:<a@x.test>").starts_with("250"));
    CHECK(two.h.line("MAIL FROM:<a@x.test>").starts_with("250"));
    CHECK(one.h.line("RSET").starts_with("250"));
    CHECK(one.h.line("MAIL FROM:<a@x.test>").starts_with("450 4.7.0"));
  }
  SECTION("quota") {
    const std::string toml =
        "[[rule]]\non = \"message\"\nquota = \"20\"\nreply = \"552 5.2.2 Mailbox full\"\n";
    Replica one(store, clock, toml), two(store, clock, toml);
    const auto send = [](Replica& r) {
      r.h.line("MAIL FROM:<a@x.test>");
      r.h.line("RCPT TO:<u@x.test>");
      r.h.line("DATA");
      return r.h.send("Subject: x\r\n\r\nhi\r\n.\r\n");
    };
    CHECK(send(one).starts_with("250"));  // 17 bytes
    CHECK(send(two).starts_with("552 5.2.2"));
  }
}

TEST_CASE("a failed round trip decides from memory (open) or answers 451 4.3.0 (closed)",
          "[shared]") {
  ReferenceStore store;
  store.down = true;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  Replica open(store, clock, greylist, scenario::StateFailure::open);
  CHECK(open.rcpt("u@x.test").starts_with("451 4.7.1"));  // this replica's own greylist
  Replica closed(store, clock, greylist, scenario::StateFailure::closed);
  CHECK(closed.rcpt("u@x.test").starts_with("451 4.3.0 Shared state unavailable"));
  CHECK(closed.h.line("QUIT").starts_with("221"));
}

TEST_CASE("the greeting waits for the store: attempts at connect count across replicas",
          "[shared]") {
  ReferenceStore store;
  auto clock = std::make_shared<scenario::ManualClock>(epoch);
  const std::string toml =
      "[[rule]]\non = \"connect\"\nattempts = \"1\"\n"
      "reply = \"421 4.7.0 Come back later\"\n";
  const auto banner = [&] {
    scenario::Engine engine(clock);
    engine.set_shared_state(&store, scenario::StateFailure::open);
    engine.set_scenario(load(toml));
    Session h({}, {}, &engine);
    return h.start();
  };
  CHECK(banner().starts_with("421 4.7.0"));  // the client's first connection, on one replica
  CHECK(banner().starts_with("220 "));       // its second, on another
  CHECK(store.calls == 2);
}
