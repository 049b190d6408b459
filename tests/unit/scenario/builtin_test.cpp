// The built-in scenarios: all load, are documented, and behave as their headers say.
#include "scenario/builtin.hpp"

#include <catch2/catch.hpp>
#include <set>

#include "catalog/catalog.hpp"
#include "support.hpp"

using namespace test;

namespace {
std::shared_ptr<const scenario::Scenario> builtin(std::string_view name) {
  auto r = scenario::load_scenario(name);
  INFO(r.error_text());
  REQUIRE(r.ok());
  return r.scenario;
}
}  // namespace

TEST_CASE("every built-in scenario loads, named and described", "[scenario][builtin]") {
  const auto all = scenario::builtin_scenarios();
  std::vector<std::string> names;
  for (const auto& b : all) {
    INFO(b.name);
    auto r = scenario::load_scenario_text(b.text, "builtin:" + std::string(b.name));
    INFO(r.error_text());
    REQUIRE(r.ok());
    CHECK(r.scenario->name == b.name);
    CHECK_FALSE(r.scenario->description.empty());
    CHECK(b.text.substr(0, 2 + b.name.size()) == "# " + std::string(b.name));  // header comment
    names.emplace_back(b.name);
  }
  for (auto expected : {"accept-all", "greylisting", "unknown-user", "mailbox-full",
                        "policy-reject", "rate-limited", "flaky", "slow-server", "disconnects",
                        "tls-required", "auth-required", "gmail", "outlook", "yahoo", "orange"}) {
    INFO(expected);
    CHECK(std::find(names.begin(), names.end(), expected) != names.end());
  }
}

TEST_CASE("built-in: gmail persona replies", "[scenario][builtin]") {
  Harness h;
  h.engine.set_scenario(builtin("gmail"));
  CHECK(h.engine.scenario()->server.hostname == "mx.google.com");
  Client c;
  c.from = "me@sender.test";
  auto d = h.rcpt(c, "nosuchuser@gmail.com");
  REQUIRE(d.reply);
  const auto wire = d.reply->wire();
  INFO(wire);
  CHECK_THAT(wire, Catch::StartsWith("550-5.1.1 The email account that you tried to reach does "
                                     "not exist. Please try\r\n"));
  CHECK_THAT(wire, Catch::Matches(
                       "(550-5\\.1\\.1 [^\r]*\r\n){3}550 5\\.1\\.1  https://support\\.google\\.com/"
                       "mail/\\?p=NoSuchUser [0-9a-f]{16} - gsmtp\r\n"));
  // Accepted in Google's words (the persona's [server] replies).
  const auto accepted = [](const bounceback::smtp::Decision& ok) {
    return ok.rule == bounceback::smtp::Decision::server_reply && ok.reply &&
           ok.reply->code == 250 && ok.reply->text.ends_with(" - gsmtp");
  };
  CHECK(accepted(h.rcpt(c, "friend@gmail.com")));
  c.facts.tls = true;
  CHECK(accepted(h.message(c, "Subject: x\r\n\r\nhi\r\n")));
  h.rcpt(c, "notls@gmail.com");
  CHECK(accepted(h.message(c, "x")));  // over TLS: fine
  c.facts.tls = false;
  h.rcpt(c, "notls@gmail.com");
  CHECK(code_of(h.message(c, "x")) == 421);
}

TEST_CASE("built-in: greylisting and unknown-user", "[scenario][builtin]") {
  Harness h;
  h.engine.set_scenario(builtin("greylisting"));
  Client c;
  c.from = "a@sender.test";
  CHECK(code_of(h.rcpt(c, "u@x.test")) == 451);
  h.clock->advance(std::chrono::seconds(61));
  CHECK(h.rcpt(c, "u@x.test").proceeds());

  h.engine.set_scenario(builtin("unknown-user"));
  auto d = h.rcpt(c, "bob@unknown.example");
  CHECK(code_of(d) == 550);
  CHECK(d.reply->enhanced == "5.1.1");
  CHECK(d.reply->text ==
        "<bob@unknown.example>: Recipient address rejected: User unknown in "
        "virtual mailbox table");
  CHECK(code_of(h.rcpt(c, "x@nxdomain.example")) == 450);
  CHECK(h.rcpt(c, "bob@known.example").proceeds());
}

TEST_CASE("built-in: disconnects by phase", "[scenario][builtin]") {
  Harness h;
  h.engine.set_scenario(builtin("disconnects"));
  Client c;
  c.from = "a@sender.test";
  CHECK(h.rcpt(c, "drop-at-rcpt@x.test").drop);
  CHECK(h.rcpt(c, "hang-at-rcpt@x.test").hang);
  CHECK(h.rcpt(c, "drop-at-message@x.test").proceeds());
  CHECK(h.message(c, "x").drop);
  Client loop2("127.0.0.2", 2);
  CHECK(h.engine.decide(loop2.event(EventKind::connect)).drop);
  Client normal("127.0.0.1", 3);
  CHECK(h.engine.decide(normal.event(EventKind::connect)).proceeds());
}

TEST_CASE("built-in: server settings of tls-required and auth-required", "[scenario][builtin]") {
  CHECK(builtin("tls-required")->server.tls == scenario::Requirement::required);
  auto auth = builtin("auth-required");
  CHECK(auth->server.auth == scenario::Requirement::required);
  REQUIRE(auth->server.users);
  CHECK(auth->server.users->at("alice") == "secret");
}

TEST_CASE("built-in: flaky is seeded", "[scenario][builtin]") {
  auto s = builtin("flaky");
  CHECK(s->seed_given);
  auto run = [&] {
    Harness h;
    h.engine.set_scenario(s);
    int rejected = 0;
    std::vector<bool> out;
    for (std::uint64_t i = 1; i <= 1000; ++i) {
      Client c("192.0.2.1", i);
      const bool r = code_of(h.engine.decide(c.event(EventKind::rcpt, "u@x.test"))) == 451;
      rejected += r;
      out.push_back(r);
    }
    CHECK(rejected > 150);
    CHECK(rejected < 250);
    return out;
  };
  CHECK(run() == run());
}

// `bounceback explain` must explain whatever a built-in scenario answers, so a new persona
// cannot ship a code the catalogue lacks (issue 11: 4.7.651, 5.7.606 were missing).
TEST_CASE("every reply code of every built-in scenario is in the catalogue",
          "[scenario][builtin][catalog]") {
  std::size_t replies = 0;
  for (const auto& b : scenario::builtin_scenarios()) {
    auto r = scenario::load_scenario_text(b.text, "builtin:" + std::string(b.name));
    REQUIRE(r.ok());
    for (const auto& rule : r.scenario->rules) {
      if (!rule.reply) continue;
      const auto& reply = rule.reply->raw();
      INFO(b.name << " rule " << rule.index + 1 << ": " << reply.code << ' ' << reply.enhanced);
      ++replies;
      CHECK(catalog::find_basic(reply.code) != nullptr);
      if (!reply.enhanced.empty()) {
        CHECK(catalog::find_enhanced(reply.enhanced) != nullptr);
        const auto x = catalog::explain(std::to_string(reply.code) + " " + reply.enhanced);
        REQUIRE(x);
        CHECK(x->warning.empty());  // the two codes agree in class
      }
    }
  }
  CHECK(replies > 50);
}

// The catalogue's provider rows describe what the personas send: each one is sent by some
// built-in scenario, so the fidelity suite classifies it through a real Postfix.
TEST_CASE("every provider reply of the catalogue is sent by a built-in persona",
          "[scenario][builtin][catalog]") {
  std::set<const catalog::ProviderReply*> sent;
  for (const auto& b : scenario::builtin_scenarios()) {
    auto r = scenario::load_scenario_text(b.text, "builtin:" + std::string(b.name));
    REQUIRE(r.ok());
    for (const auto& rule : r.scenario->rules)
      if (rule.reply) {
        const auto& reply = rule.reply->raw();
        if (const auto* row = catalog::find_provider_reply(reply.code, reply.enhanced, reply.text))
          sent.insert(row);
      }
  }
  for (const auto& row : catalog::provider_replies()) {
    INFO(row.provider << ' ' << row.code << ' ' << row.enhanced << " " << row.markers);
    CHECK(sent.count(&row) == 1);
  }
}
