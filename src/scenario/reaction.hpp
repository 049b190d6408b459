// Reactions to an accepted message that come later, by mail (docs/scenarios.md, "Accepted now,
// bounced later"): the rule actions dsn, auto_reply and complaint, and the plan the engine
// makes of them for one message, which the application's queue carries out on the clock.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "report/report.hpp"
#include "scenario/reply_template.hpp"
#include "smtp/event.hpp"

namespace bounceback::scenario {

// One DSN a rule sends: `dsn = { action = "failed", reply = "550 5.1.1 ...", after = "30s" }`.
struct DsnStep {
  report::Action action = report::Action::failed;
  ReplyTemplate reply;  // the remote reply the DSN reports
  std::chrono::milliseconds after{0};
  std::optional<report::Style> style;  // unset: the scenario's [server] dsn_style
};

struct AutoReplySpec {
  std::chrono::milliseconds after{0};
  std::string subject;  // "" gives "Auto: " + the original's subject
  std::string text = "I am away and will read your message when I am back.";
};

struct ComplaintSpec {
  std::chrono::milliseconds after{0};
  std::string feedback_type = "abuse";
};

// A rule's reactions; empty for most rules.
struct Reactions {
  std::vector<DsnStep> dsn;
  std::optional<AutoReplySpec> auto_reply;
  std::optional<ComplaintSpec> complaint;
  bool any() const { return !dsn.empty() || auto_reply || complaint; }
};

enum class ReactionKind : std::uint8_t { dsn, auto_reply, complaint };

// One reaction to one recipient of an accepted message.
struct PlannedReaction {
  ReactionKind kind = ReactionKind::dsn;
  std::chrono::milliseconds after{0};
  std::size_t rcpt = 0;                            // index into the message's recipients
  report::Action action = report::Action::failed;  // dsn
  smtp::Reply reply;                               // dsn: filled
  report::Style style = report::Style::postfix;    // dsn: the rule's, else the plan's
  std::string subject, text;                       // auto_reply
  std::string feedback_type;                       // complaint
};

// What to send about one accepted message, in the style of the scenario in force (each DSN
// names its own: a rule may set another).
struct ReactionPlan {
  report::Style style = report::Style::postfix;
  std::vector<PlannedReaction> reactions;
};

// What became of reactions, for /metrics: written by the application's queue.
struct ReactionCounters {
  std::atomic<std::uint64_t> scheduled{0};   // reactions queued (a DSN for several recipients: one)
  std::atomic<std::uint64_t> generated{0};   // messages generated and stored
  std::atomic<std::uint64_t> refused{0};     // not queued: the queue was full
  std::atomic<std::uint64_t> suppressed{0};  // auto-replies not sent (RFC 3834 §2)
  std::atomic<std::uint64_t> cleared{0};     // dropped by POST /api/v1/scenario/reset
  std::atomic<std::uint64_t> pending{0};     // queued now
};

// Carries plans out (the application's queue). Called from the session's thread right after
// the 250, with the message's event; the message itself is in the store under its queue id.
class Reactor {
 public:
  virtual ~Reactor() = default;
  virtual void react(const smtp::Event& message, ReactionPlan&& plan) = 0;
};

}  // namespace bounceback::scenario
