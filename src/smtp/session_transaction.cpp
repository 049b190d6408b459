// The mail transaction half of the session: MAIL, RCPT, DATA, BDAT and the end of a
// message (RFC 5321 §3.3, RFC 3030), up to handing the message out to be stored.
#include <algorithm>
#include <charconv>
#include <utility>

#include "smtp/command.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {

namespace r = replies;

void Session::on_mail(std::string_view arg, Output& out) {
  // The refused sender as logged: the address when it parsed, else the argument.
  const auto refuse = [&](std::string_view wire, std::string_view from) {
    protocol_error(refused(EventKind::mail, wire, from), out);
  };
  MailCommand m = parse_mail(arg, config_->offered);
  switch (m.error) {
    case PathError::none:
      break;
    case PathError::syntax:
      return refuse(r::mail_syntax, arg);
    case PathError::bad_address:
      return refuse(r::bad_sender, arg);
    case PathError::bad_parameter:
      return refuse(r::bad_parameter, m.address);
    case PathError::unknown_parameter:
      return refuse(r::unknown_parameter, m.address);
  }
  if (m.params.size.value_or(0) > config_->limits.message_size)
    return send(refused(EventKind::mail, r::size_exceeded, m.address), out);
  if (facts_.messages >= config_->limits.messages_per_session)
    return close_with(refused(EventKind::mail, config_->too_many_messages, m.address), out);
  txn_.from = std::move(m.address);
  txn_.params = std::move(m.params);
  new_queue_id();
  const Event ev = event(EventKind::mail, arg);
  Decision d;
  if (!decide(ev, d, out)) return;
  if (reply(ev, d, r::mail_ok, out, Report::always))
    txn_.open = true;
  else
    reset_transaction();
}

void Session::on_rcpt(std::string_view arg, Output& out) {
  // The refused recipient as logged: the address when it parsed, else the argument.
  const auto refuse = [&](std::string_view wire, std::string_view rcpt) {
    protocol_error(refused(EventKind::rcpt, wire, rcpt), out);
  };
  txn_.rcpt_attempted = true;  // even a refused RCPT makes an empty DATA "no valid recipients"
  RcptCommand rc = parse_rcpt(arg, config_->offered);
  switch (rc.error) {
    case PathError::none:
      break;
    case PathError::syntax:
      return refuse(r::rcpt_syntax, arg);
    case PathError::bad_address:
      return refuse(r::bad_recipient, arg);
    case PathError::bad_parameter:
      return refuse(r::bad_parameter, rc.address);
    case PathError::unknown_parameter:
      return refuse(r::unknown_parameter, rc.address);
  }
  if (txn_.rcpts.size() >= config_->limits.recipients)
    return send(refused(EventKind::rcpt, r::too_many_rcpts, rc.address), out);
  Event ev = event(EventKind::rcpt, arg);
  ev.rcpt = rc.address;
  Decision d;
  if (!decide(ev, d, out)) return;
  if (reply(ev, d, r::rcpt_ok, out, Report::always)) {
    txn_.rcpts.push_back(std::move(rc.address));
    txn_.rcpt_params.push_back(std::move(rc.params));
  }
}

// BDAT's sequence checks, answered once its chunk is read (DATA's are need:: preconditions).
std::string_view Session::transaction_error() const {
  if (!txn_.open) return r::need_mail;
  if (txn_.rcpts.empty()) return txn_.rcpt_attempted ? r::no_valid_rcpts : r::need_rcpt;
  return {};
}

void Session::on_data(std::string_view, Output& out) {
  const Event ev = event(EventKind::data);
  Decision d;
  if (!decide(ev, d, out)) return;
  // A 354 with `disconnect` closes: entering the data phase would undo the close.
  if (reply(ev, d, r::start_data, out, Report::always) && phase_ != Phase::closed) {
    phase_ = Phase::data;
    decoder_.reset(config_->limits.message_size, config_->bare_lf, txn_.params.size.value_or(0));
  }
}

void Session::on_bdat(std::string_view arg, Output& out) {
  ChunkReader& bdat = txn_.bdat;
  if (!bdat.begin(arg, config_->limits.message_size, txn_.params.size.value_or(0)))
    return protocol_error(refused(EventKind::data, r::bdat_syntax), out);
  phase_ = Phase::bdat;
  // The chunk is read whatever happens; errors are answered after it (§2).
  if (const auto err = transaction_error(); !err.empty()) {
    bdat.refuse(err);
  } else if (bdat.failed()) {
    bdat.refuse(r::bdat_failed);
  } else if (!bdat.accepted()) {
    Event ev = event(EventKind::data);
    ev.may_wait = false;  // the chunk behind the command is read whatever is decided
    Decision d;
    if (!decide(ev, d, out)) return;
    if (d.reply && d.reply->code >= 400) {
      reply(ev, d, {}, out, Report::always);
      bdat.discard();
      if (phase_ == Phase::closed) return;  // 421 or disconnect: the chunk is not read
    } else {
      bdat.accept();
      if (d.delay.count() > 0 || d.drip.count() > 0 || d.disconnect || d.reply)
        txn_.bdat_decision = d;
      decoder_.reset(config_->limits.message_size, config_->bare_lf, txn_.params.size.value_or(0));
    }
  }
  if (bdat.done()) finish_chunk(out);
}

void Session::finish_chunk(Output& out) {
  phase_ = Phase::command;
  const ChunkReader& bdat = txn_.bdat;
  if (!bdat.error().empty()) {
    protocol_error(refused(EventKind::data, bdat.error()), out);
    if (bdat.last()) reset_transaction();
    return;
  }
  if (bdat.discarding()) {
    if (bdat.last()) reset_transaction();
    return;
  }
  if (!bdat.last()) {
    // "250 2.0.0 Ok: <n> octets", formatted in place: a chunk costs no allocation.
    char buffer[48] = "250 2.0.0 Ok: ";
    char* end = std::to_chars(buffer + 14, buffer + 34, decoder_.body().size()).ptr;
    end = std::copy_n(" octets\r\n", 9, end);
    const std::string_view ok(buffer, static_cast<std::size_t>(end - buffer));
    if (!txn_.bdat_decision) return send(ok, out);
    Decision first = *std::exchange(txn_.bdat_decision, std::nullopt);
    if (first.reply && first.reply->code >= 300) first.reply.reset();  // only a 2xx fits here
    reply(event(EventKind::data), first, ok, out);
    return;
  }
  finish_message(out, true);
}

void Session::finish_message(Output& out, bool chunked) {
  std::string& body = decoder_.body();
  if (transcript_) transcript_->line(true, "[message: " + std::to_string(body.size()) + " octets]");
  Event ev = event(EventKind::message);
  ev.size = chunked ? body.size() : decoder_.size();  // counted past the bound too
  const Decision none;
  if (decoder_.oversize()) {
    policy_.replied(ev, own(r::message_too_big), none);
    send_per_recipient(r::message_too_big, out);
    return reset_transaction();
  }
  if (decoder_.bare_lf() && config_->bare_lf >= BareLfPolicy::reject) {
    const bool close = config_->bare_lf == BareLfPolicy::disconnect;
    const std::string_view wire =
        close ? std::string_view(config_->bare_lf_disconnect) : own(r::bare_lf);
    policy_.replied(ev, wire, none);
    body.clear();
    if (close) {
      reset_transaction();
      reported_ = true;
      return close_with(wire, out);
    }
    send_per_recipient(wire, out);
    return reset_transaction();
  }
  ev.message = body;
  if (facts_.lmtp) return finish_lmtp_message(ev, chunked, out);
  Decision d = policy_.decide(ev);
  if (d.inquiry) [[unlikely]] {  // decided again once answered (consulted())
    inquiry_.reset(std::exchange(d.inquiry, nullptr));
    waiting_ = Waiting::message;
    waiting_chunked_ = chunked;
    ev.message = {};
    pending_.emplace(PendingStore{ev, Decision{}});
    out.then = Output::Then::consult;
    return;
  }
  decided_message(ev, std::move(d), chunked, out);
}

void Session::decided_message(Event& ev, Decision d, bool chunked, Output& out) {
  std::string& body = decoder_.body();
  ev.message = {};
  ev.answer = nullptr;  // the Inquiry is gone once used
  if (txn_.bdat_decision) {
    with_bdat_pacing(d);
    txn_.bdat_decision.reset();
  }
  // A message whose data is complete is stored unless the scenario refuses it: before a
  // 250, a delay or drip, and before a drop or hang too, as an MX that dies after taking the
  // data may have delivered it (docs/scenarios.md, "What is stored").
  const bool halts = d.drop || d.hang;
  if (halts || !d.reply || d.reply->code < 400) {
    hand_out(chunked, out);
    pending_.emplace(PendingStore{ev, std::move(d)});
    return;
  }
  reply(ev, d, {}, out, Report::always);
  body.clear();
  reset_transaction();
}

// BDAT ... LAST was the first chunk: the data decision's pacing and close apply to the reply.
void Session::with_bdat_pacing(Decision& d) const {
  if (d.delay.count() == 0 && d.drip.count() == 0) {
    d.delay = txn_.bdat_decision->delay;
    d.drip = txn_.bdat_decision->drip;
  }
  d.disconnect = d.disconnect || txn_.bdat_decision->disconnect;
}

void Session::hand_out(bool chunked, Output& out) {
  // The message goes to whoever carries out Then::store; the reply waits for stored().
  AcceptedMessage& m = out.message;
  m.queue_id = txn_.queue_id;
  m.from = txn_.from;
  m.params = txn_.params;
  m.rcpts.clear();
  for (std::size_t i = 0; i < txn_.rcpts.size(); ++i)
    m.rcpts.push_back({txn_.rcpts[i], txn_.rcpt_params[i]});
  m.data = std::move(decoder_.body());
  m.session_id = facts_.id;
  m.client_ip = facts_.client_ip;
  m.helo = facts_.helo;
  m.server_hostname = config_->hostname;
  m.esmtp = facts_.esmtp;
  m.lmtp = facts_.lmtp;
  m.tls = facts_.tls;
  m.tls_version = facts_.tls_version;
  m.tls_cipher = facts_.tls_cipher;
  m.auth_user = facts_.auth_user;
  m.chunked = chunked;
  decoder_.body().clear();
  out.then = Output::Then::store;
}

void Session::stored(bool ok, Output& out) {
  if (out.then == Output::Then::store) out.then = Output::Then::read;
  if (facts_.lmtp) return complete_lmtp_message(ok, out);
  complete_message(ok, pending_->event, pending_->decision, out);
  pending_.reset();
}

void Session::complete_message(bool stored, const Event& ev, const Decision& d, Output& out) {
  if (!stored) {
    policy_.replied(ev, own(r::store_failed), Decision{});
    reported_ = true;
    send(r::store_failed, out);
  } else {
    ++facts_.messages;
    if (transcript_) transcript_->facts(facts_);
    if (d.drop || d.hang)
      halt(ev, d, out);  // stored, and the client hears nothing
    else
      reply(ev, d, "250 2.0.0 Ok: queued as " + txn_.queue_id + "\r\n", out, Report::always);
  }
  decoder_.body().clear();
  reset_transaction();
}

}  // namespace bounceback::smtp
