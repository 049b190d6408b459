// Queuing a message's reactions, and turning the due ones into messages (src/report).
#include "app/reaction_queue.hpp"

#include <algorithm>

#include "log/log.hpp"
#include "report/mime.hpp"

namespace bounceback::app {

// What a reaction needs of the message it reacts to, shared by its reactions: the stored
// message itself when it fits the returned-content bound (held, not copied), else a copy of
// its envelope and header fields, so that a pending reaction never pins a large message.
struct ReactionQueue::Original {
  store::MessagePtr stored;
  bool headers_only = false;
  TimePoint arrival{};

  const smtp::AcceptedMessage& message() const { return stored->message; }
  report::Original view() const {
    const auto& m = message();
    report::Original o;
    o.from = m.from;
    o.envid = m.params.envid;
    o.ret = m.params.ret;
    o.client_ip = m.client_ip;
    o.helo = m.helo;
    o.queue_id = m.queue_id;
    o.data = m.data;
    o.headers_only = headers_only;
    o.arrival = arrival;
    return o;
  }
};

namespace {

constexpr std::size_t max_returned = report::Reporter{}.max_returned;

std::string_view kind_name(scenario::ReactionKind k) {
  switch (k) {
    case scenario::ReactionKind::dsn:
      return "dsn";
    case scenario::ReactionKind::auto_reply:
      return "auto-reply";
    case scenario::ReactionKind::complaint:
      return "complaint";
  }
  return {};
}

}  // namespace

ReactionQueue::ReactionQueue(std::shared_ptr<const scenario::Clock> clock,
                             store::MessageStore& store, Deliver deliver, Arm arm)
    : clock_(std::move(clock)), store_(store), deliver_(std::move(deliver)), arm_(std::move(arm)) {}

void ReactionQueue::react(const smtp::Event& e, scenario::ReactionPlan&& plan) {
  const auto stored = store_.find(e.queue_id);
  if (!stored) {  // evicted already (--max-messages): nothing left to return
    log::warn("reaction lost: message no longer stored", {{"queue_id", e.queue_id}});
    counters_.refused.fetch_add(plan.reactions.size());
    return;
  }
  auto original = std::make_shared<Original>();
  original->arrival = clock_->now();
  if (stored->message.data.size() <= max_returned) {
    original->stored = stored;
  } else {
    const auto& big = stored->message;
    auto copy = std::make_shared<store::StoredMessage>();
    auto& m = copy->message;
    m.queue_id = big.queue_id;
    m.from = big.from;
    m.params = big.params;
    m.rcpts = big.rcpts;
    m.client_ip = big.client_ip;
    m.helo = big.helo;
    m.server_hostname = big.server_hostname;
    m.data = report::header_block(big.data).substr(0, max_returned + 1);
    original->stored = std::move(copy);
    original->headers_only = true;
  }
  const auto& m = original->message();

  // One DSN per (message, time, style): every recipient whose DSN is due then is in it.
  std::vector<std::pair<TimePoint, Pending>> batch;
  batch.reserve(plan.reactions.size());
  for (auto& r : plan.reactions) {
    if (r.rcpt >= m.rcpts.size()) continue;
    const auto due = original->arrival + r.after;
    Pending* dsn = nullptr;
    if (r.kind == scenario::ReactionKind::dsn)
      for (auto& [when, p] : batch)
        if (when == due && p.kind == scenario::ReactionKind::dsn && p.style == r.style) dsn = &p;
    if (!dsn) {
      Pending p;
      p.kind = r.kind;
      p.style = r.kind == scenario::ReactionKind::dsn ? r.style : plan.style;
      p.original = original;
      p.subject = std::move(r.subject);
      p.text = std::move(r.text);
      p.feedback_type = std::move(r.feedback_type);
      dsn = &batch.emplace_back(due, std::move(p)).second;
    }
    dsn->rcpts.push_back({r.rcpt, r.action, std::move(r.reply)});
  }

  // What is due at once (after = 0) is generated now, on this thread, without waiting in the
  // queue, so that it is stored before the session reads its next command: a client that saw
  // its QUIT answered finds it. With --store-dir it is visible once its group is flushed
  // (store_later: the event loop is not blocked for the flush); the SMTP connection holds the
  // original's reply until then (store::PendingWrites, net/connection.cpp).
  const auto at_once = std::stable_partition(
      batch.begin(), batch.end(), [&](const auto& b) { return b.first <= original->arrival; });
  bool earliest = false;
  std::size_t refused = 0;
  if (at_once != batch.end()) {
    std::lock_guard lock(mutex_);
    for (auto it = at_once; it != batch.end(); ++it) {
      if (queue_.size() >= max_pending) {
        ++refused;
        continue;
      }
      earliest = earliest || queue_.empty() || it->first < queue_.begin()->first;
      queue_.emplace(it->first, std::move(it->second));
    }
    counters_.pending.store(queue_.size());
  }
  counters_.scheduled.fetch_add(batch.size() - refused);
  if (refused) {
    counters_.refused.fetch_add(refused);
    log::warn("reactions refused: queue full",
              {{"queue_id", e.queue_id}, {"refused", refused}, {"max_pending", max_pending}});
  }
  for (auto it = batch.begin(); it != at_once; ++it) emit(it->second, original->arrival, false);
  if (earliest) arm_();
}

void ReactionQueue::run_due(bool wait) {
  std::vector<Pending> due;
  const auto now = clock_->now();
  bool more = false;
  {
    std::lock_guard lock(mutex_);
    auto it = queue_.begin();
    for (; it != queue_.end() && it->first <= now; ++it) due.push_back(std::move(it->second));
    queue_.erase(queue_.begin(), it);
    counters_.pending.store(queue_.size());
    more = !queue_.empty();
  }
  for (const auto& p : due) emit(p, now, wait);
  // The timer only needs setting for what is left (a timer set for what just ran finds nothing).
  if (more) arm_();
}

void ReactionQueue::emit(const Pending& p, TimePoint now, bool wait) {
  auto message = generate(p, now, ++next_unique_);
  if (!message) {  // RFC 3834 §2: an automatic, list or bulk original gets no auto-reply
    counters_.suppressed.fetch_add(1);
    log::info("auto-reply not sent: the original is automatic, bulk or from a list",
              {{"about", p.original->message().queue_id}});
    return;
  }
  log::info("generated", {{"kind", kind_name(p.kind)},
                          {"id", message->queue_id},
                          {"to", message->rcpts.front().address},
                          {"about", p.original->message().queue_id}});
  counters_.generated.fetch_add(1);
  deliver_(std::move(*message), wait);
}

void ReactionQueue::clear() {
  std::size_t dropped = 0;
  {
    std::lock_guard lock(mutex_);
    dropped = queue_.size();
    queue_.clear();
    counters_.pending.store(0);
  }
  counters_.cleared.fetch_add(dropped);
}

std::optional<std::chrono::milliseconds> ReactionQueue::next_wait() const {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) return std::nullopt;
  return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(
                                                    queue_.begin()->first - clock_->now()));
}

std::optional<smtp::AcceptedMessage> ReactionQueue::generate(const Pending& p, TimePoint now,
                                                             std::uint64_t unique) const {
  const Original& o = *p.original;
  const auto& about = o.message();
  report::Reporter rep;
  rep.hostname = about.server_hostname;
  rep.style = p.style;
  rep.now = now;
  rep.unique = unique;
  rep.user_agent = "Bounceback";
  const auto original = o.view();
  std::optional<report::Generated> g;
  if (p.kind == scenario::ReactionKind::dsn) {
    std::vector<report::RecipientOutcome> outcomes(p.rcpts.size());
    for (std::size_t i = 0; i < p.rcpts.size(); ++i) {
      const auto& r = p.rcpts[i];
      auto& out = outcomes[i];
      out.address = about.rcpts[r.index].address;
      out.orcpt = about.rcpts[r.index].params.orcpt;
      out.action = r.action;
      out.reply = r.reply;
      out.last_attempt = now;
      if (r.action == report::Action::delayed) out.will_retry_until = o.arrival + retry_for;
    }
    g = report::delivery_status(rep, original, outcomes);
  } else {
    const std::string_view rcpt = about.rcpts[p.rcpts.front().index].address;
    if (p.kind == scenario::ReactionKind::auto_reply)
      g = report::auto_reply(rep, original, rcpt, {p.subject, p.text});
    else
      g = report::complaint(rep, original, rcpt, p.feedback_type);
  }
  if (!g) return std::nullopt;
  smtp::AcceptedMessage m;
  const auto kind = kind_name(p.kind);
  m.queue_id.reserve(about.queue_id.size() + kind.size() + 22);
  m.queue_id.append(about.queue_id).append("-").append(kind).append("-");
  m.queue_id += std::to_string(unique);
  m.from = std::move(g->from);
  m.rcpts.push_back({std::move(g->to), {}});
  m.data = std::move(g->data);
  m.server_hostname = about.server_hostname;
  m.generated = kind;
  m.about = about.queue_id;
  return m;
}

}  // namespace bounceback::app
