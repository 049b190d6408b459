// The mail transaction half of the session: MAIL, RCPT, DATA, BDAT and the end of a
// message (RFC 5321 §3.3, RFC 3030), up to handing the message out to be stored.
#include <charconv>
#include <utility>

#include "smtp/command.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {

namespace r = replies;

void Session::on_mail(std::string_view arg, Output& out) {
  const auto refuse = [&](std::string_view wire) {
    protocol_error(refused(EventKind::mail, wire), out);
  };
  MailCommand m = parse_mail(arg);
  switch (m.error) {
    case PathError::none:
      break;
    case PathError::syntax:
      return refuse(r::mail_syntax);
    case PathError::bad_address:
      return refuse(r::bad_sender);
    case PathError::bad_parameter:
      return refuse(r::bad_parameter);
    case PathError::unknown_parameter:
      return refuse(r::unknown_parameter);
  }
  if (m.params.size.value_or(0) > limits_.message_size)
    return send(refused(EventKind::mail, r::size_exceeded), out);
  if (facts_.messages >= limits_.messages_per_session)
    return close_with(refused(EventKind::mail, r::too_many_messages), out);
  from_ = std::move(m.address);
  mail_params_ = std::move(m.params);
  new_queue_id();
  const Event ev = event(EventKind::mail, arg);
  Decision d;
  if (!decide(ev, d, out)) return;
  if (reply(ev, d, r::mail_ok, out, true))
    has_mail_ = true;
  else
    reset_transaction();
}

void Session::on_rcpt(std::string_view arg, Output& out) {
  // The refused recipient as logged: the address when it parsed, else the argument.
  const auto refuse = [&](std::string_view wire, std::string_view rcpt) {
    protocol_error(refused(EventKind::rcpt, wire, rcpt), out);
  };
  rcpt_attempted_ = true;  // even a refused RCPT makes an empty DATA "no valid recipients"
  RcptCommand rc = parse_rcpt(arg);
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
  if (rcpts_.size() >= limits_.recipients)
    return send(refused(EventKind::rcpt, r::too_many_rcpts, rc.address), out);
  Event ev = event(EventKind::rcpt, arg);
  ev.rcpt = rc.address;
  Decision d;
  if (!decide(ev, d, out)) return;
  if (reply(ev, d, r::rcpt_ok, out, true)) {
    rcpts_.push_back(std::move(rc.address));
    rcpt_params_.push_back(std::move(rc.params));
  }
}

// BDAT's sequence checks, answered once its chunk is read (DATA's are need:: preconditions).
std::string_view Session::transaction_error() const {
  if (!has_mail_) return r::need_mail;
  if (rcpts_.empty()) return rcpt_attempted_ ? r::no_valid_rcpts : r::need_rcpt;
  return {};
}

void Session::on_data(std::string_view, Output& out) {
  const Event ev = event(EventKind::data);
  Decision d;
  if (!decide(ev, d, out)) return;
  // A 354 with `disconnect` closes: entering the data phase would undo the close.
  if (reply(ev, d, r::start_data, out, true) && phase_ != Phase::closed) {
    phase_ = Phase::data;
    decoder_.reset(limits_.message_size, config_->bare_lf);
  }
}

void Session::on_bdat(std::string_view arg, Output& out) {
  // "BDAT" SP chunk-size [ SP end-marker ] (RFC 3030 §2).
  const auto sp = arg.find(' ');
  const auto count = arg.substr(0, sp);
  const auto marker = sp == std::string_view::npos ? std::string_view{} : arg.substr(sp + 1);
  std::uint64_t size = 0;
  const auto [p, ec] = std::from_chars(count.data(), count.data() + count.size(), size);
  const bool last = iequals(marker, "LAST");
  if (count.empty() || ec != std::errc{} || p != count.data() + count.size() ||
      (!marker.empty() && !last))
    // The chunk's length is unknown: it cannot be skipped.
    return protocol_error(refused(EventKind::data, r::bdat_syntax), out);
  phase_ = Phase::bdat;
  bdat_remaining_ = size;
  bdat_last_ = last;
  bdat_error_ = {};
  bdat_discard_ = false;
  // The chunk is read whatever happens; errors are answered after it (§2).
  if (const auto err = transaction_error(); !err.empty()) {
    bdat_error_ = err;
  } else if (bdat_failed_) {
    bdat_error_ = r::bdat_failed;
  } else if (!bdat_started_) {
    const Event ev = event(EventKind::data);
    Decision d;
    if (!decide(ev, d, out)) return;
    if (d.reply && d.reply->code >= 400) {
      reply(ev, d, {}, out, true);
      bdat_discard_ = bdat_failed_ = true;
      if (phase_ == Phase::closed) return;  // 421 or disconnect: the chunk is not read
    } else {
      bdat_started_ = true;
      if (d.delay.count() > 0 || d.drip.count() > 0 || d.disconnect || d.reply) bdat_first_ = d;
      decoder_.reset(limits_.message_size, config_->bare_lf);
    }
  }
  if (size == 0) finish_chunk(out);
}

void Session::finish_chunk(Output& out) {
  phase_ = Phase::command;
  if (!bdat_error_.empty()) {
    protocol_error(refused(EventKind::data, bdat_error_), out);
    if (bdat_last_) reset_transaction();
    return;
  }
  if (bdat_discard_) {
    if (bdat_last_) reset_transaction();
    return;
  }
  if (!bdat_last_) {
    const std::string ok =
        "250 2.0.0 Ok: " + std::to_string(decoder_.body().size()) + " octets\r\n";
    if (!bdat_first_) return send(ok, out);
    Decision first = *std::exchange(bdat_first_, std::nullopt);
    if (first.reply && first.reply->code >= 300) first.reply.reset();  // only a 2xx fits here
    reply(event(EventKind::data), first, ok, out, false);
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
    policy_.replied(ev, r::message_too_big, none);
    send(r::message_too_big, out);
    return reset_transaction();
  }
  if (decoder_.bare_lf() && config_->bare_lf >= BareLfPolicy::reject) {
    const bool close = config_->bare_lf == BareLfPolicy::disconnect;
    const std::string_view wire =
        close ? std::string_view(config_->bare_lf_disconnect) : r::bare_lf;
    policy_.replied(ev, wire, none);
    body.clear();
    reset_transaction();
    return close ? close_with(wire, out) : send(wire, out);
  }
  ev.message = body;
  Decision d;
  const bool go_on = decide(ev, d, out);
  ev.message = {};
  if (bdat_first_) {  // BDAT ... LAST was the first chunk: the data decision's pacing applies
    if (d.delay.count() == 0 && d.drip.count() == 0) {
      d.delay = bdat_first_->delay;
      d.drip = bdat_first_->drip;
    }
    d.disconnect = d.disconnect || bdat_first_->disconnect;
    bdat_first_.reset();
  }
  if (go_on && (!d.reply || d.reply->code < 400)) {
    // The message goes to whoever carries out Then::store; the 250 waits for stored().
    AcceptedMessage& m = out.message;
    m.queue_id = queue_id_;
    m.from = from_;
    m.params = mail_params_;
    m.rcpts.clear();
    for (std::size_t i = 0; i < rcpts_.size(); ++i) m.rcpts.push_back({rcpts_[i], rcpt_params_[i]});
    m.data = std::move(body);
    m.session_id = facts_.id;
    m.client_ip = facts_.client_ip;
    m.helo = facts_.helo;
    m.server_hostname = config_->hostname;
    m.esmtp = facts_.esmtp;
    m.tls = facts_.tls;
    m.tls_version = facts_.tls_version;
    m.tls_cipher = facts_.tls_cipher;
    m.auth_user = facts_.auth_user;
    m.chunked = chunked;
    pending_.emplace(PendingStore{ev, std::move(d)});
    body.clear();
    out.then = Output::Then::store;
    return;
  } else if (go_on) {
    reply(ev, d, {}, out, true);
  }
  body.clear();
  reset_transaction();
}

void Session::stored(bool ok, Output& out) {
  if (out.then == Output::Then::store) out.then = Output::Then::read;
  complete_message(ok, pending_->event, pending_->decision, out);
  pending_.reset();
}

void Session::complete_message(bool stored, const Event& ev, const Decision& d, Output& out) {
  if (!stored) {
    policy_.replied(ev, r::store_failed, Decision{});
    send(r::store_failed, out);
  } else {
    ++facts_.messages;
    reply(ev, d, "250 2.0.0 Ok: queued as " + queue_id_ + "\r\n", out, true);
  }
  decoder_.body().clear();
  reset_transaction();
}

}  // namespace bounceback::smtp
