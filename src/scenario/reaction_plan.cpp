// The reactions of one accepted message, per recipient.
#include "scenario/reaction_plan.hpp"

#include "scenario/address_encoded.hpp"
#include "scenario/match.hpp"

namespace bounceback::scenario {

namespace {

std::string_view notify_of(const smtp::Event& e, std::size_t i) {
  return i < e.rcpt_params.size() ? std::string_view(e.rcpt_params[i].notify) : std::string_view{};
}

void add_dsn(ReactionPlan& plan, const smtp::Event& e, std::size_t i, report::Action action,
             smtp::Reply reply, std::chrono::milliseconds after,
             std::optional<report::Style> style = std::nullopt) {
  if (!report::notify_allows(notify_of(e, i), action)) return;
  PlannedReaction r;
  r.kind = ReactionKind::dsn;
  r.after = after;
  r.rcpt = i;
  r.action = action;
  r.reply = std::move(reply);
  r.style = style.value_or(plan.style);
  plan.reactions.push_back(std::move(r));
}

// A rule's reactions to recipient i.
void add_rule_reactions(ReactionPlan& plan, const Scenario& s, const Rule& rule,
                        const smtp::Event& e, std::size_t i,
                        std::chrono::system_clock::time_point now) {
  const auto& reactions = rule.reactions;
  const auto values = template_values(e, e.rcpts[i], s.seed, now);
  for (const auto& step : reactions.dsn)
    add_dsn(plan, e, i, step.action, step.reply.fill(values), step.after, step.style);
  if (reactions.auto_reply) {
    PlannedReaction r;
    r.kind = ReactionKind::auto_reply;
    r.after = reactions.auto_reply->after;
    r.rcpt = i;
    r.subject = reactions.auto_reply->subject;
    r.text = reactions.auto_reply->text;
    plan.reactions.push_back(std::move(r));
  }
  if (reactions.complaint) {
    PlannedReaction r;
    r.kind = ReactionKind::complaint;
    r.after = reactions.complaint->after;
    r.rcpt = i;
    r.feedback_type = reactions.complaint->feedback_type;
    plan.reactions.push_back(std::move(r));
  }
}

void add_encoded(ReactionPlan& plan, const smtp::Event& e, std::size_t i,
                 const EncodedReaction& enc) {
  if (enc.kind == ReactionKind::dsn) return add_dsn(plan, e, i, enc.action, enc.reply, {});
  PlannedReaction r;
  r.kind = enc.kind;
  r.rcpt = i;
  r.subject = "Out of office";
  r.text = "I am out of the office and will read your message when I am back.";
  r.feedback_type = "abuse";
  plan.reactions.push_back(std::move(r));
}

}  // namespace

ReactionPlan plan_reactions(const Scenario& s, int rule_index, const smtp::Event& e,
                            std::string_view wire, std::chrono::system_clock::time_point now) {
  ReactionPlan plan;
  plan.style = s.server.dsn_style;
  if (e.from.empty()) return plan;  // no DSN, auto-reply or complaint to <> (RFC 3461, 3834)
  const Rule* rule = rule_index >= 0 && static_cast<std::size_t>(rule_index) < s.rules.size()
                         ? &s.rules[static_cast<std::size_t>(rule_index)]
                         : nullptr;
  if (rule && !rule->reactions.any()) rule = nullptr;
  for (std::size_t i = 0; i < e.rcpts.size(); ++i) {
    // The rule's reactions concern the recipients its `rcpt` matches, or all of them.
    bool reported = false;  // a DSN says what became of it (whether NOTIFY lets it be sent)
    if (rule && (!rule->rcpt || rule->rcpt->matches(e.rcpts[i]))) {
      add_rule_reactions(plan, s, *rule, e, i, now);
      reported = !rule->reactions.dsn.empty();
    } else if (!s.server.reply_domain.empty()) {
      if (const auto enc = parse_encoded_reaction(e.rcpts[i], s.server.reply_domain)) {
        add_encoded(plan, e, i, *enc);
        reported = enc->kind == ReactionKind::dsn;
      }
    }
    // A recipient that asked NOTIFY=SUCCESS and has no other fate: delivered, at once.
    if (s.server.success_dsn && !reported &&
        report::notify_allows(notify_of(e, i), report::Action::delivered) &&
        !notify_of(e, i).empty()) {
      smtp::Reply ok;
      if (!smtp::parse_reply(wire, ok)) ok = {250, "2.0.0", "Ok"};
      add_dsn(plan, e, i, report::Action::delivered, std::move(ok), {});
    }
  }
  return plan;
}

}  // namespace bounceback::scenario
