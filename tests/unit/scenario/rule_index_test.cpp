// The rule index by literal domain: which patterns it files, and that it picks the same rule
// as a walk of every rule of the event, in file order, for many generated scenarios.
#include "scenario/rule_index.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "scenario/match.hpp"
#include "support.hpp"

using namespace test;
using scenario::Pattern;

namespace {

std::optional<std::string> domain_of(std::string_view spec) {
  std::string error;
  const auto p = Pattern::compile(spec, error);
  REQUIRE(p.valid());
  return p.literal_domain();
}

constexpr std::array<EventKind, 5> kinds{EventKind::helo, EventKind::mail, EventKind::rcpt,
                                         EventKind::data, EventKind::message};

// The first rule of `kind` that matches `e`, by the index and by a walk of all of them; also
// counts the rules each looked at.
struct Outcome {
  std::optional<std::uint32_t> indexed, walked;
  std::size_t indexed_tried = 0, walked_tried = 0;
};
Outcome both_ways(const scenario::Scenario& s, const smtp::Event& e) {
  const auto k = static_cast<std::size_t>(e.kind);
  Outcome o;
  const auto holds = [&](std::size_t& tried) {
    return [&](std::uint32_t index) {
      ++tried;
      scenario::MatchInfo info;
      scenario::BodyRegexes::Search body(s.body_regexes, e.message);
      return scenario::matches_stateless(s.rules[index], e, s.seed, body, info);
    };
  };
  o.indexed = s.by_domain[k].first(e, holds(o.indexed_tried));
  for (const auto index : s.by_event[k])
    if (holds(o.walked_tried)(index)) {
      o.walked = index;
      break;
    }
  return o;
}

bool non_ascii_domain(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  for (const char c : address.substr(at + 1))
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// Whether `rule` can have matched `e` only through RE2's Unicode case folding (U+212A onto k,
// U+017F onto s) of a pattern with a literal ASCII domain: the index's fallback case.
bool by_folding(const scenario::Rule& rule, const smtp::Event& e) {
  return (e.kind == EventKind::rcpt && rule.rcpt && rule.rcpt->literal_domain() &&
          non_ascii_domain(e.rcpt)) ||
         (rule.from && rule.from->literal_domain() && non_ascii_domain(e.from));
}

}  // namespace

TEST_CASE("literal domains of patterns", "[scenario][rule_index]") {
  CHECK(domain_of("*@domain42.invalid") == "domain42.invalid");
  CHECK(domain_of("bob@X.Test") == "x.test");
  CHECK(domain_of("b?b@x.test") == "x.test");
  CHECK(domain_of("a@b@c.test") == "c.test");  // the last '@'
  CHECK(domain_of("*@") == "");                // matches only addresses ending in '@'
  CHECK_FALSE(domain_of("*@*.test"));
  CHECK_FALSE(domain_of("bob@x.t?st"));
  CHECK_FALSE(domain_of("*@x.test*"));
  CHECK_FALSE(domain_of("nobody"));
  CHECK_FALSE(domain_of("*@d\xc3\xb6main.test"));  // non-ASCII: RE2 folds it its own way
  CHECK_FALSE(domain_of(R"(re:@x\.test$)"));
}

TEST_CASE("the index keeps first-match order between filed and unfiled rules",
          "[scenario][rule_index]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rcpt = "re:^bob@"
reply = "451 4.3.0 unfiled first"
[[rule]]
on = "rcpt"
rcpt = "*@a.test"
reply = "550 5.1.1 filed second"
[[rule]]
on = ["rcpt", "message"]
reply = "452 4.2.2 catch-all"
)");
  Client c;
  CHECK(h.rcpt(c, "bob@A.TEST").rule == 0);
  CHECK(h.rcpt(c, "alice@A.Test").rule == 1);
  CHECK(h.rcpt(c, "alice@b.test").rule == 2);
  CHECK(h.rcpt(c, "no-domain").rule == 2);

  Harness g(R"(
[[rule]]
on = "rcpt"
rcpt = "*@a.test"
reply = "550 5.1.1 filed first"
[[rule]]
on = "rcpt"
rcpt = "re:^bob@"
reply = "451 4.3.0 unfiled second"
)");
  CHECK(g.rcpt(c, "bob@a.test").rule == 0);
  CHECK(g.rcpt(c, "bob@b.test").rule == 1);
}

TEST_CASE("the index: several '@', non-ASCII domains, from, any recipient at message",
          "[scenario][rule_index]") {
  Harness h(R"(
[[rule]]
on = "rcpt"
rcpt = "*@b.test"
reply = "550 5.1.1 b"
[[rule]]
on = "rcpt"
rcpt = "*@k.test"
reply = "550 5.1.1 k"
[[rule]]
on = ["mail", "rcpt", "message"]
from = "*@s.test"
reply = "553 5.7.1 sender"
[[rule]]
on = "message"
rcpt = "*@b.test"
reply = "554 5.7.1 any recipient"
)");
  Client c;
  CHECK(h.rcpt(c, "x@c.test@b.test").rule == 0);
  CHECK(h.rcpt(c, "x@b.test@c.test").rule == -1);
  // RE2 folds U+212A KELVIN SIGN onto k: the index must not hide rule 1 from this address.
  std::string error;
  REQUIRE(Pattern::compile("*@k.test", error).matches("x@\xe2\x84\xaa.test"));
  CHECK(h.rcpt(c, "x@\xe2\x84\xaa.test").rule == 1);
  CHECK(h.rcpt(c, "x@\xe2\x84\xaa.invalid").rule == -1);
  // U+017F LONG S folds onto s, in the sender.
  c.from = "me@\xc5\xbf.test";
  CHECK(h.engine.decide(c.event(EventKind::mail)).rule == 2);
  CHECK(h.rcpt(c, "x@b.test").rule == 0);  // by rcpt domain, before the from rule
  CHECK(h.rcpt(c, "x@c.test").rule == 2);
  c.from = "me@S.TEST";
  CHECK(h.engine.decide(c.event(EventKind::mail)).rule == 2);
  c.from = "me@t.test";
  CHECK(h.engine.decide(c.event(EventKind::mail)).rule == -1);
  // At message `rcpt` holds when any recipient matches, not only the first.
  c.rcpts = {"y@c.test", "z@B.test"};
  CHECK(h.message(c, "Subject: x\r\n\r\nbody\r\n").rule == 3);
  c.rcpts = {"y@c.test"};
  CHECK(h.message(c, "Subject: x\r\n\r\nbody\r\n").rule == -1);
}

TEST_CASE("the index picks the same rule as a walk of all rules (generated scenarios)",
          "[scenario][rule_index]") {
  // Patterns: filed ones with the domains below in several cases, and unfiled ones (regexes,
  // wildcard domains, no '@') that match the same addresses.
  const std::vector<std::string> patterns{
      "*@a.test",     "*@A.TEST", "bob@a.test", "b?b@b.test", "*@k.test",
      "*@s.test",     "*@b.test", "x@y@a.test", "*@",         "re:@a\\.test$",
      "re:(?i)^bob@", "*@*.test", "bob@*",      "*",          "*@a.test*"};
  const std::vector<std::string> locals{"bob", "BOB", "x", "x@y",
                                        "b\xc3\xb6"
                                        "b"};
  const std::vector<std::string> domains{
      "a.test", "A.TeSt", "b.test", "k.test", "\xe2\x84\xaa.test", "\xc5\xbf.test", "c.test", ""};
  std::mt19937 rng(20261125);
  const auto pick = [&](const auto& v) { return v[rng() % v.size()]; };
  const auto address = [&]() -> std::string {
    switch (rng() % 8) {
      case 0:
        return "";
      case 1:
        return pick(locals);  // no '@'
      default:
        return pick(locals) + "@" + pick(domains);
    }
  };

  std::size_t events = 0, matched = 0, skipped = 0, folded = 0;
  for (int n = 0; n < 300; ++n) {
    std::string toml = "seed = 1\n";
    const int rules = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < rules; ++i) {
      toml += "[[rule]]\n";
      const bool rcpt = rng() % 2, from = rng() % 2;
      // Keys only where they apply: rcpt at rcpt/data/message, from at mail..message.
      std::string on = rcpt   ? R"(["rcpt", "message"])"
                       : from ? R"(["mail", "rcpt", "data"])"
                              : R"("*")";
      if (rng() % 3 == 0) on = rcpt ? R"("rcpt")" : from ? R"("mail")" : R"(["helo", "rcpt"])";
      toml += "on = " + on + "\n";
      if (rcpt) toml += "rcpt = '" + pick(patterns) + "'\n";
      if (from) toml += "from = '" + pick(patterns) + "'\n";
      if (rng() % 4 == 0) toml += "probability = 0.5\n";
      toml += "reply = \"550 5.7.1 rule " + std::to_string(i) + "\"\n";
    }
    const auto s = load(toml);
    for (int j = 0; j < 40; ++j) {
      Client c;
      c.from = address();
      c.rcpts.resize(rng() % 3);
      for (auto& r : c.rcpts) r = address();
      const std::string rcpt = address();
      const auto e = c.event(pick(kinds), rcpt);
      const auto o = both_ways(*s, e);
      INFO(toml << "event " << smtp::to_string(e.kind) << " from <" << e.from << "> rcpt <" << rcpt
                << ">");
      REQUIRE(o.indexed == o.walked);
      ++events;
      if (o.walked) ++matched;
      if (o.indexed_tried < o.walked_tried) ++skipped;
      if (o.walked && by_folding(s->rules[*o.walked], e)) ++folded;
    }
  }
  // The generator must exercise both outcomes, the skipping and the non-ASCII fallback.
  CHECK(matched > events / 4);
  CHECK(events - matched > events / 4);
  CHECK(skipped > events / 10);
  CHECK(folded > 20);
}
