// decide() with shared state (--state): an event whose rules need the stateful tables walks
// the rules' stateless matchers first, up to the first rule that needs no state, and asks the
// store, in one round trip, which of the candidates' stateful conditions hold (an Inquiry the
// transport carries out); the session then decides the event again with the answer. Events
// no stateful rule listens to never ask (docs/scale-out.md).
#include <algorithm>

#include "scenario/address_encoded.hpp"
#include "scenario/engine.hpp"
#include "scenario/engine_active.hpp"

namespace bounceback::scenario {

using smtp::EventKind;

// The question and, once the store answered, its answer; pins the scenario it was asked under.
class Engine::StateInquiry final : public smtp::Inquiry {
 public:
  StateInquiry(SharedState& store, std::shared_ptr<const Active> active)
      : store_(store), active(std::move(active)), call(std::make_shared<StateCall>()) {}

  void start(std::function<void()> done) override {
    call->done = std::move(done);
    store_.decide(call);
  }

 private:
  SharedState& store_;

 public:
  std::shared_ptr<const Active> active;
  std::shared_ptr<StateCall> call;        // shared with the store, which may answer after a timeout
  std::vector<std::uint32_t> rules;       // beside call->request.checks: each check's rule index
  std::optional<std::uint32_t> terminal;  // the first rule that held without state
};

namespace {

// A recipient of `e` that holds an address-encoded reply with a count ("451-4.7.1-2times@").
bool counted_encoded(const Scenario& s, std::string_view rcpt) {
  if (!may_be_encoded(rcpt, s.server.reply_domain)) return false;  // most: no call
  const auto enc = parse_encoded_address(rcpt, s.server.reply_domain);
  return enc && enc->times != 0;
}

// The 1-based position of `rcpt` (a view into e.rcpts) among the transaction's recipients.
std::uint32_t position_of(const smtp::Event& e, std::string_view rcpt) {
  for (std::size_t i = 0; i < e.rcpts.size(); ++i)
    if (e.rcpts[i].data() == rcpt.data()) return static_cast<std::uint32_t>(i + 1);
  return 0;
}

}  // namespace

smtp::Decision Engine::decide_shared(const smtp::Event& e) {
  if (e.answer) return decide_answered(e);
  auto active = active_.load();
  const Scenario& s = *active->scenario;
  const auto k = static_cast<std::size_t>(e.kind);
  // The attempt counters the event needs from the store.
  bool counts = false;
  if (e.kind == EventKind::rcpt)
    counts = active->counts_recipients || counted_encoded(s, e.rcpt);
  else if (e.kind == EventKind::connect)
    counts = s.counts_connections;
  else if (e.kind == EventKind::data || e.kind == EventKind::message)
    counts = active->reads_attempts[k] ||
             (e.kind == EventKind::message &&
              std::any_of(e.rcpts.begin(), e.rcpts.end(),
                          [&](const std::string& r) { return counted_encoded(s, r); }));
  if (!s.stateful_event[k] && !counts) return decide_local(e, *active);
  return ask_shared(e, std::move(active), counts);
}

smtp::Decision Engine::ask_shared(const smtp::Event& e, std::shared_ptr<const Active> active,
                                  bool counts) {
  const Scenario& s = *active->scenario;
  const auto k = static_cast<std::size_t>(e.kind);
  auto inquiry = std::make_unique<StateInquiry>(*shared_, active);
  StateRequest& q = inquiry->call->request;
  q.now = clock_->now();
  q.size = e.size;
  q.counter_idle = attempts_expire_;
  if (counts) {
    if (e.kind == EventKind::rcpt || e.kind == EventKind::connect) {
      q.count = StateRequest::Count::add;
      q.counters.push_back(e.kind == EventKind::rcpt ? keys::pair(e.from, e.rcpt)
                                                     : keys::client(e));
    } else {
      q.count = StateRequest::Count::read;
      for (const auto& r : e.rcpts) q.counters.push_back(keys::pair(e.from, r));
    }
  }
  if (e.kind == EventKind::rcpt)
    q.quotas.push_back(keys::quota(e.rcpt));
  else
    for (const auto& r : e.rcpts) q.quotas.push_back(keys::quota(r));

  // The candidates, in file order, up to the first rule that holds without state.
  MatchInfo info;
  BodyRegexes::Search body(s.body_regexes, e.message);
  const bool per_event = e.kind == EventKind::rcpt || e.kind == EventKind::connect;
  inquiry->terminal = s.by_domain[k].first(e, [&](std::uint32_t index) {
    const Rule& rule = s.rules[index];
    info = {};
    if (!matches_stateless(rule, e, s.seed, body, info)) return false;
    if (!rule.stateful()) return true;
    StateRequest::Check c;
    c.attempts = rule.attempts;
    c.attempts_of = per_event ? 1 : info.rcpt.empty() ? 0 : position_of(e, info.rcpt);
    c.quota = rule.quota;
    c.rate_limit = rule.rate_limit;
    if (rule.rate_limit) c.rate_key = keys::rate(rule, e);
    c.greylist = rule.greylist;
    if (rule.greylist) c.triplet = keys::triplet(e);
    q.checks.push_back(c);
    inquiry->rules.push_back(index);
    return false;
  });
  if (q.checks.empty() && !counts)
    return decide_local(e, *active);  // no rule needs the store after all
  smtp::Decision d;
  d.inquiry = inquiry.release();  // the session owns it from here
  return d;
}

smtp::Decision Engine::decide_answered(const smtp::Event& e) {
  const auto& inquiry = static_cast<const StateInquiry&>(*e.answer);
  const StateAnswer& a = inquiry.call->answer;
  if (a.failed) {
    if (failure_ == StateFailure::open) return decide_local(e);
    smtp::Decision d;  // fail closed: try again later
    d.reply = smtp::Reply{451, "4.3.0", "Shared state unavailable, try again later"};
    return d;
  }
  const Active& active = *inquiry.active;
  const Scenario& s = *active.scenario;
  const TimePoint now = inquiry.call->request.now;
  const auto index = a.matched > 0 && a.matched <= inquiry.rules.size()
                         ? std::optional(inquiry.rules[a.matched - 1])
                         : inquiry.terminal;
  if (index) return decide_by(active, *index, e, a.matched > 0 ? a.recipient : 0, now);
  const auto k = static_cast<std::size_t>(e.kind);
  const bool per_event = e.kind == EventKind::rcpt || e.kind == EventKind::connect;
  if ((e.kind == EventKind::rcpt || e.kind == EventKind::message) &&
      !s.server.reply_domain.empty()) {
    const std::uint64_t attempt = per_event && !a.counts.empty() ? a.counts[0] : 0;
    const auto counts =
        per_event ? std::span<const std::uint64_t>{} : std::span<const std::uint64_t>(a.counts);
    if (auto d = address_encoded(s, e, attempt, counts); !d.proceeds()) return d;
  }
  return s.server.replies.for_event[k] ? server_reply(s, e, now) : smtp::Decision{};
}

smtp::Decision Engine::decide_by(const Active& active, std::uint32_t index, const smtp::Event& e,
                                 std::uint32_t recipient, TimePoint now) const {
  const Scenario& s = *active.scenario;
  const Rule& rule = s.rules[index];
  MatchInfo info;
  BodyRegexes::Search body(s.body_regexes, e.message);
  matches_stateless(rule, e, s.seed, body, info);  // for the template's {rcpt}
  if (recipient > 0 && recipient <= e.rcpts.size() && e.kind != EventKind::rcpt)
    info.rcpt = e.rcpts[recipient - 1];
  active.hits[index].fetch_add(1, std::memory_order_relaxed);
  auto d = act(s, rule, e, info, now);
  if (e.kind == EventKind::message && rule.reactions.any()) d.pinned = active.scenario;
  return d;
}

}  // namespace bounceback::scenario
