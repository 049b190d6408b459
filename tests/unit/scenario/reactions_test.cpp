// Reactions later, by mail: the dsn, auto_reply and complaint keys, their errors, and the plan
// the engine hands its Reactor after a 250 (NOTIFY per recipient, null sender, address-encoded
// forms, NOTIFY=SUCCESS).
#include <catch2/catch.hpp>

#include "scenario/address_encoded.hpp"
#include "support.hpp"

using namespace test;
using report::Action;
using scenario::ReactionKind;

namespace {

// Records the plans it is given, with the recipients they name.
struct Recorder final : scenario::Reactor {
  struct Seen {
    ReactionKind kind;
    std::string rcpt;
    Action action;
    std::string reply;
    std::chrono::milliseconds after;
    report::Style style;
  };
  std::vector<Seen> seen;
  report::Style style = report::Style::postfix;
  void react(const smtp::Event& e, scenario::ReactionPlan&& plan) override {
    style = plan.style;
    for (const auto& r : plan.reactions)
      seen.push_back({r.kind, e.rcpts[r.rcpt], r.action, r.reply.summary(), r.after, r.style});
  }
};

// Sends one message from `from` to `rcpts` (with their NOTIFY) through the engine.
std::vector<Recorder::Seen> send(const std::string& toml, std::string from,
                                 std::vector<std::string> rcpts,
                                 std::vector<std::string> notify = {},
                                 report::Style* style = nullptr) {
  Harness h(toml);
  Recorder recorder;
  h.engine.set_reactor(&recorder);
  Client c;
  c.from = std::move(from);
  c.rcpts = std::move(rcpts);
  std::vector<smtp::RcptParams> params(c.rcpts.size());
  for (std::size_t i = 0; i < notify.size(); ++i) params[i].notify = notify[i];
  c.message = "Subject: x\r\n\r\nbody\r\n";
  auto e = c.event(EventKind::message);
  e.rcpt_params = params;
  const auto d = h.engine.decide(e);
  h.engine.replied(e, d.reply ? d.reply->wire() : "250 2.0.0 Ok: queued as Q\r\n", d);
  if (style) *style = recorder.style;
  return recorder.seen;
}

const std::string rules = R"(
[server]
dsn_style = "gmail"

[[rule]]
on = "message"
rcpt = "gone@*"
dsn = { action = "failed", reply = "550 5.1.1 <{rcpt}>: User unknown", after = "30s" }

[[rule]]
on = "message"
rcpt = "slow@*"
dsn = [{ action = "delayed", reply = "451 4.4.1 No answer from host", after = "10m" },
       { action = "failed",  reply = "550 5.4.1 Giving up", after = "1h" }]

[[rule]]
on = "message"
rcpt = "away@*"
auto_reply = { after = "1s", subject = "Out of office", text = "Back on Monday." }

[[rule]]
on = "message"
rcpt = "complains@*"
complaint = { after = "5s", feedback_type = "fraud" }
)";

}  // namespace

TEST_CASE("the reaction keys load, and the rule's recipients get them", "[scenario][reactions]") {
  report::Style style{};
  auto seen = send(rules, "s@example.test", {"other@x.test", "gone@x.test"}, {}, &style);
  CHECK(style == report::Style::gmail);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].kind == ReactionKind::dsn);
  CHECK(seen[0].rcpt == "gone@x.test");
  CHECK(seen[0].action == Action::failed);
  CHECK(seen[0].reply == "550 5.1.1 <gone@x.test>: User unknown");
  CHECK(seen[0].after == std::chrono::seconds(30));

  seen = send(rules, "s@example.test", {"slow@x.test"});
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].action == Action::delayed);
  CHECK(seen[0].after == std::chrono::minutes(10));
  CHECK(seen[1].action == Action::failed);
  CHECK(seen[1].after == std::chrono::hours(1));

  seen = send(rules, "s@example.test", {"away@x.test"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].kind == ReactionKind::auto_reply);
  seen = send(rules, "s@example.test", {"complains@x.test"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].kind == ReactionKind::complaint);
}

TEST_CASE("a scenario swapped in between the decision and the 250 does not choose the reaction",
          "[scenario][reactions]") {
  // The message's rule 0 sends a failed DSN; the new scenario's rule 0 an auto-reply, and its
  // style is another. The swap lands while the message is being stored (a spool's fsync).
  Harness h(R"(
[[rule]]
on = "message"
dsn = { action = "failed", reply = "550 5.1.1 <{rcpt}>: User unknown" }
)");
  Recorder recorder;
  h.engine.set_reactor(&recorder);
  Client c;
  c.from = "s@x.test";
  c.rcpts = {"anyone@x.test"};
  c.message = "Subject: x\r\n\r\nbody\r\n";
  const auto e = c.event(EventKind::message);
  const auto d = h.engine.decide(e);
  h.engine.set_scenario(load(R"(
[server]
dsn_style = "microsoft"

[[rule]]
on = "message"
auto_reply = { subject = "Away" }
)"));
  h.engine.replied(e, "250 2.0.0 Ok: queued as Q\r\n", d);
  REQUIRE(recorder.seen.size() == 1);
  CHECK(recorder.seen[0].kind == ReactionKind::dsn);
  CHECK(recorder.seen[0].reply == "550 5.1.1 <anyone@x.test>: User unknown");
  CHECK(recorder.style == report::Style::postfix);

  // A decision by a rule without reactions is no rule's: the new rule 0 does not react either.
  Harness plain(R"(
[[rule]]
on = "message"
reply = "250 2.0.0 Taken"
)");
  Recorder none;
  plain.engine.set_reactor(&none);
  const auto taken = plain.engine.decide(e);
  REQUIRE(taken.rule == 0);
  plain.engine.set_scenario(load(R"(
[[rule]]
on = "message"
complaint = {}
)"));
  plain.engine.replied(e, "250 2.0.0 Taken\r\n", taken);
  CHECK(none.seen.empty());
}

TEST_CASE("a rule's dsn may name its own style, over [server] dsn_style", "[scenario][reactions]") {
  const std::string toml = R"(
[server]
dsn_style = "gmail"

[[rule]]
on = "message"
rcpt = "hotmail@*"
dsn = [{ action = "delayed", reply = "451 4.4.1 Later", style = "microsoft" },
       { action = "failed", reply = "550 5.1.1 Gone", after = "1h" }]

[[rule]]
on = "message"
rcpt = "encoded@*"
)";
  report::Style plan_style{};
  const auto seen = send(toml, "s@x.test", {"hotmail@x.test"}, {}, &plan_style);
  CHECK(plan_style == report::Style::gmail);
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].style == report::Style::microsoft);  // its own
  CHECK(seen[1].style == report::Style::gmail);      // the scenario's
  // An address-encoded DSN takes the scenario's.
  const auto encoded = send(toml, "s@x.test", {"dsn-550-5.1.1@reply.test"});
  REQUIRE(encoded.size() == 1);
  CHECK(encoded[0].style == report::Style::gmail);
}

TEST_CASE("NOTIFY decides which DSNs a recipient gets (RFC 3461)", "[scenario][reactions]") {
  // NEVER: none; SUCCESS only: not the failure; DELAY only: the delay, not the failure.
  CHECK(send(rules, "s@x.test", {"gone@x.test"}, {"NEVER"}).empty());
  CHECK(send(rules, "s@x.test", {"gone@x.test"}, {"SUCCESS"}).empty());
  const auto seen = send(rules, "s@x.test", {"slow@x.test"}, {"DELAY"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].action == Action::delayed);
  // An auto-reply is not a DSN: NOTIFY=NEVER does not stop it.
  CHECK(send(rules, "s@x.test", {"away@x.test"}, {"NEVER"}).size() == 1);
}

TEST_CASE("NOTIFY=SUCCESS gets a delivered DSN unless the scenario turns it off",
          "[scenario][reactions]") {
  auto seen = send("", "s@x.test", {"a@x.test", "b@x.test"}, {"SUCCESS,FAILURE", ""});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].rcpt == "a@x.test");
  CHECK(seen[0].action == Action::delivered);
  CHECK(seen[0].reply == "250 2.0.0 Ok: queued as Q");
  CHECK(send("[server]\nsuccess_dsn = false\n", "s@x.test", {"a@x.test"}, {"SUCCESS"}).empty());
  // A recipient whose rule sends a failure gets that, not a success.
  seen = send(rules, "s@x.test", {"gone@x.test"}, {"SUCCESS,FAILURE"});
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].action == Action::failed);
}

TEST_CASE("a null reverse path gets no reaction at all", "[scenario][reactions]") {
  CHECK(send(rules, "", {"gone@x.test", "away@x.test", "complains@x.test"}).empty());
  CHECK(send("", "", {"dsn-550-5.1.1@reply.test", "ooo@reply.test"}, {"SUCCESS"}).empty());
}

TEST_CASE("address-encoded reactions", "[scenario][reactions]") {
  const auto seen = send("", "s@x.test",
                         {"dsn-550-5.1.1@reply.test", "DSN-451-4.2.2@Reply.Test", "ooo@reply.test",
                          "complaint@reply.test", "dsn-550@reply.test", "dsn-x@reply.test"});
  REQUIRE(seen.size() == 5);
  CHECK(seen[0].action == Action::failed);
  CHECK(seen[0].reply.starts_with("550 5.1.1 "));
  CHECK(seen[1].action == Action::delayed);
  CHECK(seen[1].reply.starts_with("451 4.2.2 "));
  CHECK(seen[2].kind == ReactionKind::auto_reply);
  CHECK(seen[3].kind == ReactionKind::complaint);
  CHECK(seen[4].reply.starts_with("550 5.1.1 "));  // the catalogue's enhanced code for 550
  CHECK(!scenario::parse_encoded_reaction("dsn-550-2times@reply.test", "reply.test"));
  CHECK(!scenario::parse_encoded_reaction("dsn-550-5.1.1@other.test", "reply.test"));
  // At RCPT they are ordinary addresses: accepted.
  Harness h;
  Client c;
  c.from = "s@x.test";
  CHECK(code_of(h.rcpt(c, "dsn-550-5.1.1@reply.test")) == 0);
}

TEST_CASE("reaction keys: errors name the key and what was expected", "[scenario][reactions]") {
  struct Case {
    std::string toml, message;
  };
  const Case cases[] = {
      {"[[rule]]\non = \"rcpt\"\ndsn = { action = \"failed\" }\n",
       "rule[0].dsn: does not apply at rcpt; it applies at: message"},
      {"[[rule]]\non = \"message\"\ndsn = { action = \"bounced\" }\n",
       "rule[0].dsn.action: expected one of failed, delayed, delivered, relayed, got \"bounced\""},
      {"[[rule]]\non = \"message\"\ndsn = { action = \"failed\", reply = \"451 4.4.1 x\" }\n",
       "rule[0].dsn.reply: a failed DSN reports a 5xx reply, got 451"},
      {"[[rule]]\non = \"message\"\ndsn = [{ action = \"delayed\" }, { after = \"soon\" }]\n",
       "rule[0].dsn[1].after: "},
      {"[[rule]]\non = \"message\"\ndsn = { action = \"failed\", color = 1 }\n",
       "rule[0].dsn.color: "},
      {"[[rule]]\non = \"message\"\ndsn = []\n", "rule[0].dsn: expected at least one DSN"},
      {"[[rule]]\non = \"message\"\ncomplaint = { feedback_type = \"spam\" }\n",
       "rule[0].complaint.feedback_type: expected one of abuse, fraud, virus, other, not-spam"},
      {"[[rule]]\non = \"message\"\nauto_reply = \"yes\"\n",
       "rule[0].auto_reply: expected a table like"},
      {"[[rule]]\non = \"message\"\nreply = \"550 5.7.1 no\"\ncomplaint = {}\n",
       "rule[0]: dsn, auto_reply and complaint follow an accepted message"},
      {"[server]\ndsn_style = \"yahoo\"\n",
       "server.dsn_style: expected \"postfix\", \"gmail\" or \"microsoft\", got \"yahoo\""},
      {"[[rule]]\non = \"message\"\ndsn = [{ action = \"failed\" }, { style = \"exim\" }]\n",
       "rule[0].dsn[1].style: expected one of postfix, gmail, microsoft, got \"exim\""},
  };
  for (const auto& c : cases) {
    INFO(c.toml);
    const auto e = first_error(c.toml);
    CHECK_THAT(e.message, Catch::StartsWith(c.message));
    CHECK(e.line > 0);
  }
}
