// The end of a message under LMTP (RFC 2033 §4.2): the Policy decides the message once per
// accepted recipient, the message is stored once for the recipients it accepts, and one reply
// per recipient goes out, in RCPT order. Plain SMTP never comes here (Session::finish_message).
#include <span>

#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {

namespace r = replies;

namespace {

// Stored for the recipient: the message is kept unless the decision refuses it (a drop or
// hang comes after the data was taken, as on SMTP).
bool takes_message(const Decision& d) {
  return d.drop || d.hang || !d.reply || d.reply->code < 400;
}

}  // namespace

Event Session::for_recipient(const Event& ev, std::size_t i) const {
  Event one = ev;
  one.rcpt = txn_.rcpts[i];
  one.rcpts = std::span<const std::string>(txn_.rcpts).subspan(i, 1);
  return one;
}

void Session::send_per_recipient(std::string_view wire, Output& out) {
  const std::size_t n = facts_.lmtp ? std::max<std::size_t>(txn_.rcpts.size(), 1) : 1;
  for (std::size_t i = 0; i < n; ++i) {
    reported_ = true;  // the Policy heard it once, as the message's reply
    send(wire, out);
  }
}

void Session::finish_lmtp_message(Event& ev, bool chunked, Output& out) {
  lmtp_decisions_.clear();
  bool any_taken = false;
  for (std::size_t i = 0; i < txn_.rcpts.size(); ++i) {
    Event one = for_recipient(ev, i);
    one.may_wait = false;  // one reply per recipient, decided at once
    Decision d = policy_.decide(one);
    if (txn_.bdat_decision) with_bdat_pacing(d);
    any_taken = any_taken || takes_message(d);
    lmtp_decisions_.push_back(std::move(d));
  }
  txn_.bdat_decision.reset();
  ev.message = {};
  pending_.emplace(PendingStore{ev, Decision{}});
  if (!any_taken) return complete_lmtp_message(false, out);
  hand_out(chunked, out);
  // The store holds one message whose envelope is the recipients that take it.
  auto& rcpts = out.message.rcpts;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < rcpts.size(); ++i) {
    if (!takes_message(lmtp_decisions_[i])) continue;
    if (kept != i) rcpts[kept] = std::move(rcpts[i]);
    ++kept;
  }
  rcpts.resize(kept);
}

// `stored`: whether the store holds the message (false also when no recipient took it).
void Session::complete_lmtp_message(bool stored, Output& out) {
  const Event ev = pending_->event;
  pending_.reset();
  bool counted = false;
  for (std::size_t i = 0; i < txn_.rcpts.size(); ++i) {
    const Event one = for_recipient(ev, i);
    const Decision& d = lmtp_decisions_[i];
    if (!takes_message(d)) {
      reply(one, d, {}, out, Report::always);
    } else if (!stored) {
      policy_.replied(one, own(r::store_failed), Decision{});
      reported_ = true;
      send(r::store_failed, out);
    } else {
      if (!counted) {
        counted = true;
        ++facts_.messages;
        if (transcript_) transcript_->facts(facts_);
      }
      if (d.drop || d.hang) {
        halt(one, d, out);  // stored for it, and the client hears nothing more
      } else {
        reply(one, d, "250 2.0.0 <" + txn_.rcpts[i] + "> Ok: queued as " + txn_.queue_id + "\r\n",
              out, Report::always);
      }
    }
    if (phase_ == Phase::closed) {
      // A drop, hang, 421 or disconnect: the recipients after this one are never answered.
      if (i + 1 < txn_.rcpts.size()) {
        Event rest = ev;
        rest.rcpts = std::span<const std::string>(txn_.rcpts).subspan(i + 1);
        policy_.ended(rest, Ending::closed, {});
      }
      break;
    }
  }
  decoder_.body().clear();
  reset_transaction();
}

}  // namespace bounceback::smtp
