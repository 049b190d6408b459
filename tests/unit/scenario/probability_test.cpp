// Seeded probability: reproducible per (seed, session, event, rule), independent of other
// sessions, and calibrated.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;

namespace {
std::string flaky(int seed, double p) {
  return "seed = " + std::to_string(seed) +
         "\n[[rule]]\non = \"rcpt\"\nprobability = " + std::to_string(p) +
         "\nreply = \"451 4.3.0 flaky\"\n";
}

// Which of `n` sessions (one RCPT each, numbered from 1) are rejected.
std::vector<bool> run(Harness& h, int n, int first = 1) {
  std::vector<bool> out;
  for (int i = 0; i < n; ++i) {
    Client c("192.0.2.1", static_cast<std::uint64_t>(first + i));
    c.sequence = 3;  // EHLO, MAIL before
    out.push_back(code_of(h.engine.decide(c.event(EventKind::rcpt, "u@x.test"))) == 451);
  }
  return out;
}
}  // namespace

TEST_CASE("probability is reproducible with the seed", "[scenario][probability]") {
  Harness a(flaky(42, 0.5)), b(flaky(42, 0.5)), other(flaky(43, 0.5));
  const auto ra = run(a, 200), rb = run(b, 200), ro = run(other, 200);
  CHECK(ra == rb);
  CHECK(ra != ro);
  // A session's draw does not depend on which other sessions ran before it.
  Harness c(flaky(42, 0.5));
  const auto tail = run(c, 100, 101);
  CHECK(std::equal(tail.begin(), tail.end(), ra.begin() + 100));
}

TEST_CASE("probability is roughly calibrated", "[scenario][probability]") {
  for (double p : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    Harness h(flaky(7, p));
    const auto r = run(h, 5000);
    const double rate = static_cast<double>(std::count(r.begin(), r.end(), true)) / 5000.0;
    INFO("p=" << p << " observed " << rate);
    CHECK(rate == Approx(p).margin(0.03));
  }
}

TEST_CASE("draws differ between the rules of one event", "[scenario][probability]") {
  int same = 0;
  for (std::uint32_t session = 1; session <= 1000; ++session) {
    smtp::SessionFacts f;
    f.number = session;
    smtp::Event e;
    e.session = &f;
    e.sequence = 4;
    const bool r0 = scenario::probability_draw(1, e, 0) < 0.5;
    const bool r1 = scenario::probability_draw(1, e, 1) < 0.5;
    same += r0 == r1;
  }
  CHECK(same > 400);
  CHECK(same < 600);
}
