// dsn = { action, reply, after, style } or a list of them; auto_reply = { after, subject, text };
// complaint = { after, feedback_type }.
#include "scenario/reaction_loader.hpp"

namespace bounceback::scenario {

namespace {

const toml::table* table_of(const toml::node& n, const std::string& key, std::string_view example,
                            ErrorSink& errors) {
  const auto* t = n.as_table();
  if (!t)
    errors.add(n.source(), key,
               "expected a table like " + std::string(example) + ", got " + describe(n));
  return t;
}

bool read_after(const toml::table& t, const std::string& key, std::chrono::milliseconds& after,
                ErrorSink& errors) {
  const auto* v = t.get("after");
  if (!v) return true;
  const auto d = read_duration(*v, key + ".after", errors);
  if (d) after = *d;
  return d.has_value();
}

// The reply a DSN reports when the rule gives none.
std::string_view default_reply(report::Action a) {
  switch (a) {
    case report::Action::failed:
      return "550 5.0.0 <{rcpt}>: delivery failed";
    case report::Action::delayed:
      return "451 4.0.0 <{rcpt}>: delivery delayed, still trying";
    case report::Action::delivered:
      return "250 2.0.0 <{rcpt}>: delivered to mailbox";
    case report::Action::relayed:
      return "250 2.0.0 <{rcpt}>: relayed to a server without DSN support";
  }
  return {};
}

constexpr std::string_view dsn_example =
    "{ action = \"failed\", reply = \"550 5.1.1 <{rcpt}>: User unknown\", after = \"30s\" }";

bool read_step(const toml::node& n, Reactions& out, const std::string& key, ErrorSink& errors) {
  const auto* t = table_of(n, key, dsn_example, errors);
  if (!t) return false;
  reject_unknown_keys(*t, key, {"action", "reply", "after", "style"}, errors);
  DsnStep step;
  bool ok = read_after(*t, key, step.after, errors);
  if (const auto* v = t->get("style")) {  // this rule's DSNs in another provider's words
    const auto name = read_string(*v, key + ".style", errors);
    step.style = name ? report::parse_style(*name) : std::nullopt;
    if (name && !step.style)
      errors.add(v->source(), key + ".style",
                 "expected one of postfix, gmail, microsoft, got \"" + *name + "\"");
    ok = step.style.has_value() && ok;
  }
  if (const auto* v = t->get("action")) {
    const auto name = read_string(*v, key + ".action", errors);
    const auto action = name ? report::parse_action(*name) : std::nullopt;
    if (name && !action)
      errors.add(v->source(), key + ".action",
                 "expected one of failed, delayed, delivered, relayed, got \"" + *name + "\"");
    ok = action.has_value() && ok;
    if (action) step.action = *action;
  }
  std::string text(default_reply(step.action));
  const toml::node* reply = t->get("reply");
  if (reply) {
    if (const auto s = read_string(*reply, key + ".reply", errors))
      text = *s;
    else
      return false;
  }
  std::string error;
  auto parsed = ReplyTemplate::parse(text, error);
  const toml::source_region& where = reply ? reply->source() : n.source();
  if (!parsed) {
    errors.add(where, key + ".reply", error);
    return false;
  }
  // The reply's class says what happened: 5xx failed, 4xx delayed, 2xx delivered or relayed.
  const int klass = parsed->raw().code / 100;
  const int wanted = step.action == report::Action::failed    ? 5
                     : step.action == report::Action::delayed ? 4
                                                              : 2;
  if (klass != wanted) {
    errors.add(where, key + ".reply",
               "a " + std::string(report::to_string(step.action)) + " DSN reports a " +
                   std::to_string(wanted) + "xx reply, got " + std::to_string(parsed->raw().code));
    return false;
  }
  step.reply = std::move(*parsed);
  if (ok) out.dsn.push_back(std::move(step));
  return ok;
}

}  // namespace

bool read_dsn(const toml::node& n, Reactions& out, const std::string& key, ErrorSink& errors) {
  const auto* arr = n.as_array();
  if (!arr) return read_step(n, out, key, errors);
  if (arr->empty()) {
    errors.add(n.source(), key, "expected at least one DSN, like " + std::string(dsn_example));
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < arr->size(); ++i)
    ok = read_step((*arr)[i], out, key + "[" + std::to_string(i) + "]", errors) && ok;
  return ok;
}

bool read_auto_reply(const toml::node& n, Reactions& out, const std::string& key,
                     ErrorSink& errors) {
  const auto* t = table_of(
      n, key, "{ after = \"1s\", subject = \"Out of office\", text = \"Back on Monday.\" }",
      errors);
  if (!t) return false;
  reject_unknown_keys(*t, key, {"after", "subject", "text"}, errors);
  AutoReplySpec spec;
  bool ok = read_after(*t, key, spec.after, errors);
  for (auto [name, slot] : {std::pair{"subject", &spec.subject}, std::pair{"text", &spec.text}})
    if (const auto* v = t->get(name)) {
      const auto s = read_string(*v, key + "." + name, errors);
      ok = s.has_value() && ok;
      if (s) *slot = *s;
    }
  out.auto_reply = std::move(spec);
  return ok;
}

bool read_complaint(const toml::node& n, Reactions& out, const std::string& key,
                    ErrorSink& errors) {
  const auto* t = table_of(n, key, "{ after = \"5s\", feedback_type = \"abuse\" }", errors);
  if (!t) return false;
  reject_unknown_keys(*t, key, {"after", "feedback_type"}, errors);
  ComplaintSpec spec;
  bool ok = read_after(*t, key, spec.after, errors);
  if (const auto* v = t->get("feedback_type")) {
    const auto s = read_string(*v, key + ".feedback_type", errors);
    if (s && !report::valid_feedback_type(*s)) {
      errors.add(
          v->source(), key + ".feedback_type",
          "expected one of abuse, fraud, virus, other, not-spam (RFC 5965), got \"" + *s + "\"");
      ok = false;
    } else if (s) {
      spec.feedback_type = *s;
    } else {
      ok = false;
    }
  }
  out.complaint = std::move(spec);
  return ok;
}

}  // namespace bounceback::scenario
