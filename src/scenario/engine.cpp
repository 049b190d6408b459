// decide(): rules indexed by event kind and address domain, stateless matchers, then stateful
// ones, then the actions; no lock and no allocation for an event no rule listens to (the RCPT
// attempt counter excepted: attempts are counted whatever the scenario).
#include "scenario/engine.hpp"

#include "scenario/address_encoded.hpp"
#include "scenario/engine_active.hpp"
#include "scenario/hash.hpp"
#include "scenario/reaction_plan.hpp"

namespace bounceback::scenario {

using smtp::EventKind;

namespace {
// The recipients a per-recipient condition looks at: the one being added, or all of them.
template <class F>
bool any_rcpt(const smtp::Event& e, MatchInfo& info, F f) {
  if (e.kind == EventKind::rcpt) {
    info.rcpt = e.rcpt;
    return f(e.rcpt);
  }
  for (const auto& r : e.rcpts)
    if (f(r)) {
      info.rcpt = r;
      return true;
    }
  return false;
}

// The reply's one-line summary, from its wire form.
std::string summary_of(std::string_view wire) {
  smtp::Reply r;
  return smtp::parse_reply(wire, r) ? r.summary() : std::string(wire.substr(0, wire.find('\r')));
}

bool is_positive(std::string_view wire) {
  return !wire.empty() && (wire[0] == '2' || wire[0] == '3');
}

}  // namespace

Engine::Engine(std::shared_ptr<const Clock> clock, Settings settings)
    : clock_(std::move(clock)),
      active_(std::make_shared<const Active>(std::make_shared<const Scenario>())),
      greylist_(settings.greylist_entries),
      attempts_(settings.attempt_entries, settings.attempts_expire),
      quotas_(settings.quota_entries, settings.quota_expire),
      rates_(settings.rate_entries),
      log_(settings.attempt_log_records),
      attempts_expire_(settings.attempts_expire),
      quota_expire_(settings.quota_expire) {}

void Engine::set_scenario(std::shared_ptr<const Scenario> scenario) {
  if (!scenario) scenario = std::make_shared<const Scenario>();
  active_.store(std::make_shared<const Active>(std::move(scenario)));
}

std::shared_ptr<const Scenario> Engine::scenario() const {
  return active_.load()->scenario;
}

void Engine::reset_state() {
  greylist_.clear();
  attempts_.clear();
  quotas_.clear();
  rates_.clear();
  log_.clear();
  if (attempt_listener_) attempt_listener_->cleared();
  if (shared_) shared_->clear();
}

std::vector<AttemptRecord> Engine::attempts(std::string_view from_filter,
                                            std::string_view rcpt_filter) const {
  auto records = log_.query(from_filter, rcpt_filter);
  for (auto& r : records) r.reply = summary_of(r.reply);  // the log keeps the wire form
  return records;
}

AttemptPage Engine::attempts(const std::function<bool(const AttemptRecord&)>& matches,
                             std::size_t start, std::size_t limit) const {
  auto page = log_.query(matches, start, limit);
  for (auto& r : page.records) r.reply = summary_of(r.reply);
  return page;
}

std::vector<std::uint64_t> Engine::rule_hits() const {
  const auto active = active_.load();
  std::vector<std::uint64_t> out(active->scenario->rules.size());
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = active->hits[i].load();
  return out;
}

smtp::Decision Engine::decide_local(const smtp::Event& e) {
  return decide_local(e, *active_.load());
}

smtp::Decision Engine::decide_local(const smtp::Event& e, const Active& a) {
  const Active* const active = &a;
  const Scenario& s = *active->scenario;
  const auto k = static_cast<std::size_t>(e.kind);
  const auto& rules = s.by_event[k];
  const bool encoded_event =
      (e.kind == EventKind::rcpt || e.kind == EventKind::message) && !s.server.reply_domain.empty();
  const bool own_reply = s.server.replies.for_event[k];  // [server] replies words a success
  if (rules.empty() && !encoded_event && e.kind != EventKind::rcpt && !own_reply) return {};

  const TimePoint now = clock_->now();
  std::uint64_t attempt = 0;
  if (e.kind == EventKind::rcpt)
    attempt = attempts_.count(keys::pair(e.from, e.rcpt), now);
  else if (e.kind == EventKind::connect && s.counts_connections)
    attempt = attempts_.count(keys::client(e), now);

  // First match in file order; the index skips rules whose address domain cannot match.
  MatchInfo info;
  BodyRegexes::Search body(s.body_regexes, e.message);
  const auto holds = [&](std::uint32_t index) {
    const Rule& rule = s.rules[index];
    info = {};
    return matches_stateless(rule, e, s.seed, body, info) &&
           (!s.stateful_event[k] || matches_stateful(s, rule, e, attempt, now, info));
  };
  if (const auto index = s.by_domain[k].first(e, holds)) {
    active->hits[*index].fetch_add(1, std::memory_order_relaxed);
    const Rule& rule = s.rules[*index];
    auto d = act(s, rule, e, info, now);
    // Its reactions are planned after the 250, maybe under another scenario: keep this one.
    if (e.kind == EventKind::message && rule.reactions.any()) d.pinned = active->scenario;
    return d;
  }
  if (encoded_event)
    if (auto d = address_encoded(s, e, attempt); !d.proceeds()) return d;
  return own_reply ? server_reply(s, e, now) : smtp::Decision{};
}

// The scenario's wording of a success ([server] replies), when nothing else decided.
smtp::Decision Engine::server_reply(const Scenario& s, const smtp::Event& e, TimePoint now) const {
  smtp::Decision d;
  if (const ReplyTemplate* t = s.server.replies.find(e)) {
    d.rule = smtp::Decision::server_reply;
    d.reply = t->fill(template_values(s, e, {}, now));
  }
  return d;
}

TemplateValues Engine::template_values(const Scenario& s, const smtp::Event& e,
                                       const MatchInfo& info, TimePoint now) {
  const std::string_view rcpt = !info.rcpt.empty() ? info.rcpt
                                : !e.rcpt.empty()  ? e.rcpt
                                : !e.rcpts.empty() ? std::string_view(e.rcpts.front())
                                                   : std::string_view{};
  return scenario::template_values(e, rcpt, s.seed, now);
}

bool Engine::matches_stateful(const Scenario&, const Rule& rule, const smtp::Event& e,
                              std::uint64_t attempt, TimePoint now, MatchInfo& info) {
  if (rule.attempts) {
    // At data and message: the attempt a recipient of the transaction is at, counted at its
    // RCPT (the one `rcpt` matched, or any), as address-encoded "data-451-1time" counts.
    const bool in_range =
        e.kind == EventKind::rcpt || e.kind == EventKind::connect ? rule.attempts->contains(attempt)
        : !info.rcpt.empty()
            ? rule.attempts->contains(attempts_.current(keys::pair(e.from, info.rcpt), now))
            : any_rcpt(e, info, [&](std::string_view r) {
                return rule.attempts->contains(attempts_.current(keys::pair(e.from, r), now));
              });
    if (!in_range) return false;
  }
  if (rule.quota) {
    const bool over = any_rcpt(e, info, [&](std::string_view r) {
      return quotas_.used(keys::quota(r), now) + e.size > *rule.quota;
    });
    if (!over) return false;
  }
  if (rule.rate_limit) {
    if (!rates_.over_limit(keys::rate(rule, e), now, *rule.rate_limit)) return false;
  }
  // Last, so a triplet is only entered once everything else about the rule holds.
  if (rule.greylist) {
    if (!greylist_.holds(keys::triplet(e), now, *rule.greylist)) return false;
  }
  return true;
}

smtp::Decision Engine::act(const Scenario& s, const Rule& rule, const smtp::Event& e,
                           const MatchInfo& info, TimePoint now) const {
  smtp::Decision d;
  d.rule = static_cast<int>(rule.index);
  d.delay = rule.delay;
  d.drip = rule.drip;
  d.disconnect = rule.disconnect;
  d.drop = rule.drop;
  d.hang = rule.hang;
  d.fault = rule.fault;
  if (rule.reply) d.reply = rule.reply->fill(template_values(s, e, info, now));
  return d;
}

smtp::Decision Engine::address_encoded(const Scenario& s, const smtp::Event& e,
                                       std::uint64_t attempt,
                                       std::span<const std::uint64_t> counts) {
  const auto decide_for = [&](std::string_view rcpt,
                              std::uint64_t nth) -> std::optional<smtp::Decision> {
    const auto enc = parse_encoded_address(rcpt, s.server.reply_domain);
    if (!enc || enc->at_message != (e.kind == EventKind::message) || !applies(*enc, nth))
      return std::nullopt;
    smtp::Decision d;
    d.reply = encoded_reply(*enc);
    // RFC 5321 §4.2's "421 <domain> Service not available", as Postfix says it.
    if (d.reply->code == 421 && !e.server_name.empty())
      d.reply->text = std::string(e.server_name) + ' ' + d.reply->text;
    return d;
  };
  std::optional<smtp::Decision> d;
  if (e.kind == EventKind::rcpt) {
    d = decide_for(e.rcpt, attempt);
  } else {
    for (std::size_t i = 0; i < e.rcpts.size(); ++i) {
      const auto& r = e.rcpts[i];
      // Only addresses at the reply domain pay for the counter lookup.
      if (!parse_encoded_address(r, s.server.reply_domain)) continue;
      const auto nth =
          i < counts.size() ? counts[i] : attempts_.current(keys::pair(e.from, r), clock_->now());
      if ((d = decide_for(r, nth))) break;
    }
  }
  if (!d) return {};
  encoded_hits_.fetch_add(1, std::memory_order_relaxed);
  return *d;
}

// What the client got, for the attempt log (docs/api.md, Attempts). A drop or hang comes with
// an empty `wire`. The accepted-RCPT path stays one record: the outcome is a byte. A paced
// reply (delay, drip) has no sent_at until sent() says it was written.
void Engine::replied(const smtp::Event& e, std::string_view wire, const smtp::Decision& d) {
  const bool positive = is_positive(wire);
  // The session closes after this reply: the transaction ends here, with no message.
  const bool closes = d.drop || d.hang || d.disconnect || wire.starts_with("421");
  const bool paced = !wire.empty() && (d.delay.count() > 0 || d.drip.count() > 0);
  switch (e.kind) {
    case EventKind::rcpt:
      record_rcpt(e, wire,
                  closes     ? ended_outcome(wire, d)
                  : positive ? Outcome::pending
                             : Outcome::refused,
                  paced);
      if (closes) end_transaction(e, wire, d);
      break;
    case EventKind::data:
      if (positive && !closes) break;  // 354: the final reply comes after the message
      end_transaction(e, wire, d);
      break;
    case EventKind::message: {
      if (!positive) {
        end_transaction(e, wire, d);
        break;
      }
      // One read of the clock and of the scenario for the log, the quotas and the reactions.
      const TimePoint now = clock_->now();
      const auto active = active_.load();
      complete_all(e, {wire, Outcome::accepted, EventKind::message, now, paced, true},
                   active->scenario.get());
      if (reactor_ && !e.from.empty()) {  // DSNs, auto-replies, complaints: later, by mail
        // A rule with reactions pinned the scenario that decided (a swap since must not make
        // d.rule another scenario's rule); any other decision reacts as no rule did.
        const auto* decided = static_cast<const Scenario*>(d.pinned.get());
        auto plan = decided ? plan_reactions(*decided, d.rule, e, wire, now)
                            : plan_reactions(*active->scenario, -1, e, wire, now);
        if (!plan.reactions.empty()) reactor_->react(e, std::move(plan));
      }
      break;
    }
    case EventKind::connect:
    case EventKind::helo:
    case EventKind::mail:
      if (!positive || closes) record_refusal(e, wire, ended_outcome(wire, d), paced);
      if (closes) end_transaction(e, wire, d);  // a HELO inside a transaction
      break;
    default:  // a close at another command (NOOP, QUIT, ...) ends an open transaction
      if (closes) end_transaction(e, wire, d);
      break;
  }
}

// The session refused RCPT or MAIL on its own (syntax, too many recipients, sequence).
void Engine::refused(const smtp::Event& e, std::string_view wire) {
  if (e.kind == EventKind::rcpt)
    record_rcpt(e, wire, Outcome::refused, false);
  else if (e.kind == EventKind::mail)
    record_refusal(e, wire, Outcome::refused, false);
}

// The transaction ended unanswered: abandoned by the client, or the connection ended under it
// (a refusal when the server's last words were a 4xx/5xx, a timeout's 421).
void Engine::ended(const smtp::Event& e, smtp::Ending how, std::string_view wire) {
  Completion c;
  c.at = clock_->now();
  c.stage = e.kind;
  if (how == smtp::Ending::abandoned) {
    c.outcome = Outcome::abandoned;
  } else if (how == smtp::Ending::closed && !wire.empty() && !is_positive(wire)) {
    c.outcome = Outcome::refused;
    c.reply = wire;
  } else {
    c.outcome = Outcome::dropped;
  }
  complete_all(e, c);
}

void Engine::sent(const smtp::Event& e, smtp::Sent how) {
  if (!e.session) return;
  const auto now = clock_->now();
  log_.sent(e.session->id, now, how);
  if (attempt_listener_) attempt_listener_->sent(e.session->id, now, how);
}

// A drop or hang is what the client got; otherwise a 4xx/5xx refuses, and any other reply
// followed by a close (a disconnect after it) leaves the transaction dropped.
Outcome Engine::ended_outcome(std::string_view wire, const smtp::Decision& d) {
  if (d.drop) return Outcome::dropped;
  if (d.hang) return Outcome::hung;
  return is_positive(wire) ? Outcome::dropped : Outcome::refused;
}

// The transaction's accepted recipients take how it ended: a refusal's reply, or (drop, hang,
// close after a positive reply) their RCPT's reply stays the last one the client got. A drop
// or hang at the message comes after the message was stored.
void Engine::end_transaction(const smtp::Event& e, std::string_view wire, const smtp::Decision& d) {
  Completion c;
  c.outcome = ended_outcome(wire, d);
  if (c.outcome == Outcome::refused) c.reply = wire;
  c.stage = e.kind;
  c.at = clock_->now();
  c.paced = !wire.empty() && (d.delay.count() > 0 || d.drip.count() > 0);
  c.stored = e.kind == EventKind::message && wire.empty();
  complete_all(e, c);
}

void Engine::complete_all(const smtp::Event& e, const Completion& how, const Scenario* in_force) {
  const std::string_view session = e.session ? std::string_view(e.session->id) : "";
  // An attempt the log held (--state) is shared by complete() itself, with its completion.
  for (const auto& r : e.rcpts)
    if (!log_.complete(session, r, how) && attempt_listener_)
      attempt_listener_->completed(session, r, how);
  if (!how.stored) return;
  std::shared_ptr<const Active> active;
  if (!in_force) {
    active = active_.load();
    in_force = active->scenario.get();
  }
  if (in_force->has_quota) {
    for (const auto& r : e.rcpts) quotas_.add(keys::quota(r), e.size, how.at);
    if (shared_) {
      std::vector<std::uint64_t> rcpts;
      for (const auto& r : e.rcpts) rcpts.push_back(keys::quota(r));
      shared_->add_quota(std::move(rcpts), e.size, how.at, quota_expire_);
    }
  }
}

void Engine::record_rcpt(const smtp::Event& e, std::string_view wire, Outcome outcome, bool paced) {
  AttemptRecord r;
  r.at = clock_->now();
  r.from = e.from;
  r.rcpt = e.rcpt;
  r.client_ip = keys::client_ip_of(e);
  r.session_id = e.session ? e.session->id : std::string{};
  r.reply = wire;  // summarised when queried: most runs never ask
  r.outcome = outcome;
  // --state: a pending attempt is held by the log until its transaction ends, and shared
  // then, with its completion (AttemptLog::record); any other is shared now.
  const bool hold = attempt_listener_ && outcome == Outcome::pending && !paced;
  if (attempt_listener_ && !hold) attempt_listener_->recorded(r, paced);
  log_.record(std::move(r), paced, hold);
}

void Engine::record_refusal(const smtp::Event& e, std::string_view wire, Outcome outcome,
                            bool paced) {
  AttemptRecord r;
  r.at = clock_->now();
  r.from = e.from;
  r.client_ip = keys::client_ip_of(e);
  r.session_id = e.session ? e.session->id : std::string{};
  r.reply = wire;
  r.outcome = outcome;
  r.stage = e.kind;
  if (attempt_listener_) attempt_listener_->recorded(r, paced);
  log_.record(std::move(r), paced);
}

}  // namespace bounceback::scenario
