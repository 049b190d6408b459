// The session state machine: input framing and the connection-level commands. Every valid
// command is an Event shown to the Policy first, whose Decision may replace, delay or drop the
// reply. The command table and dispatch live in session_commands.cpp, the mail transaction in
// session_transaction.cpp, AUTH in session_auth.cpp.
#include "smtp/session.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "smtp/command.hpp"
#include "smtp/replies.hpp"

namespace bounceback::smtp {

namespace r = replies;

Session::Session(std::shared_ptr<const SessionConfig> config, Policy& policy,
                 TranscriptSink* transcript, SessionFacts facts)
    : config_(std::move(config)),
      policy_(policy),
      transcript_(transcript),
      facts_(std::move(facts)) {}

// ---- plumbing ----------------------------------------------------------------------------

Event Session::event(EventKind kind, std::string_view arg) {
  Event ev;
  ev.kind = kind;
  ev.session = &facts_;
  ev.server_name = config_->hostname;
  ev.sequence = ++counts_.events;
  ev.argument = arg;
  ev.from = txn_.from;
  ev.rcpts = txn_.rcpts;
  ev.rcpt_params = txn_.rcpt_params;
  ev.nth_message = facts_.messages + 1;
  ev.size = txn_.params.size.value_or(0);
  ev.queue_id = txn_.queue_id;
  ev.may_wait = true;
  ev.answer = inquiry_.get();  // set only while an event waits to be decided again
  return ev;
}

Event Session::quiet_event(EventKind kind) const {
  Event ev;
  ev.kind = kind;
  ev.session = &facts_;
  ev.server_name = config_->hostname;
  ev.from = txn_.from;
  ev.rcpts = txn_.rcpts;
  ev.queue_id = txn_.queue_id;
  return ev;
}

bool Session::decide(const Event& ev, Decision& d, Output& out) {
  d = policy_.decide(ev);
  if (inquiry_ || d.inquiry) [[unlikely]] {
    if (d.inquiry) {
      wait_for(ev, d, out);
      return false;
    }
    inquiry_.reset();  // answered and used
  }
  if (!d.drop && !d.hang) return true;
  halt(ev, d, out);
  return false;
}

void Session::wait_for(const Event& ev, Decision& d, Output& out) {
  inquiry_.reset(std::exchange(d.inquiry, nullptr));
  // Decided again under the same sequence number (and, at MAIL, the same queue id).
  --counts_.events;
  if (ev.kind == EventKind::mail) --counts_.transactions;
  waiting_ = ev.kind == EventKind::connect ? Waiting::start : Waiting::line;
  out.then = Output::Then::consult;
}

void Session::consulted(Output& out) {
  if (out.then == Output::Then::consult) out.then = Output::Then::read;
  switch (std::exchange(waiting_, Waiting::none)) {
    case Waiting::none:
      break;
    case Waiting::start:
      start(out);
      break;
    case Waiting::line:
      replay_ = true;  // the line is still the driver's input: it is fed again
      break;
    case Waiting::message: {
      Event ev = pending_->event;
      pending_.reset();
      ev.message = decoder_.body();
      ev.answer = inquiry_.get();
      Decision d = policy_.decide(ev);
      inquiry_.reset();
      decided_message(ev, std::move(d), waiting_chunked_, out);
      break;
    }
  }
}

void Session::halt(const Event& ev, const Decision& d, Output& out) {
  policy_.replied(ev, {}, d);  // no reply: the attempt log records the drop or hang
  out.delay = d.delay;
  out.then = !d.drop         ? Output::Then::hang
             : d.fault.reset ? Output::Then::reset
                             : Output::Then::close;
  phase_ = Phase::closed;
  if (transcript_)
    transcript_->line(false, !d.drop         ? "[hanging]"
                             : d.fault.reset ? "[connection reset]"
                                             : "[connection dropped]");
}

void Session::end_transaction(EventKind kind, Ending how, std::string_view wire) {
  if (txn_.rcpts.empty()) return;
  policy_.ended(quiet_event(kind), how, wire);
}

bool Session::reply(const Event& ev, const Decision& d, std::string_view normal, Output& out,
                    Report report) {
  std::string custom;
  std::string_view wire = normal;
  if (d.reply) {
    custom = d.reply->wire();  // sent as written, enhanced codes or not
    wire = custom;
  } else if (config_->bare_codes) {
    append_without_enhanced_codes(normal, custom);
    wire = custom;
  }
  const bool reported =
      report == Report::always || (report == Report::refusal && (wire[0] >= '4' || d.disconnect));
  if (reported)
    policy_.replied(ev, wire, d);  // as scripted, unspoiled: the log can parse it
  else if (wire[0] >= '4') [[unlikely]]
    policy_.refused_other(ev, wire);  // a scenario's refusal of NOOP, VRFY, STARTTLS, ...: logged
  const bool positive = wire[0] < '4', closes = d.disconnect || wire.starts_with("421");
  std::string spoiled;
  if (d.fault.any()) [[unlikely]] {
    if (d.fault.malformed != Malformed::none) {
      append_malformed(wire, d.fault, spoiled);
      wire = spoiled;
    }
    if (d.fault.shutdown_commands) shutdown_countdown_ = d.fault.shutdown_commands;
    if (d.fault.shutdown_in.count()) out.shutdown_in = d.fault.shutdown_in;
  }
  if (!out.paced.empty()) {
    // LMTP's replies after a paced one (a recipient's delay or drip) wait for it, in order.
    out.paced += wire;
    if (transcript_) transcript_->line(false, wire);
  } else if (d.delay.count() > 0 || d.drip.count() > 0 || d.fault.pacing != Pacing::whole) {
    out.paced = wire;
    out.delay = d.delay;
    out.drip = d.drip;
    out.pacing = d.fault.pacing;
    out.pause = d.fault.pause;
    out.cuts = d.fault.cuts;
    if (reported) paced_report_ = PacedReport{ev.kind, ev.sequence};
    if (transcript_) transcript_->line(false, wire);
  } else {
    out.now += wire;
    if (transcript_) transcript_->line(false, wire);
  }
  // 421 always closes the channel (§3.8); a scenario may ask to close after any reply.
  if (closes) {
    // A reported reply ends the transaction in the Policy's eyes; any other (NOOP's, say)
    // must say so.
    if (!reported) end_transaction(ev.kind, Ending::closed, wire);
    out.then = Output::Then::close;
    phase_ = Phase::closed;
  }
  return positive;
}

void Session::send(std::string_view wire, Output& out) {
  const std::size_t from = out.now.size();
  if (config_->bare_codes)
    append_without_enhanced_codes(wire, out.now);
  else
    out.now += wire;
  const std::string_view sent = std::string_view(out.now).substr(from);
  if (transcript_) transcript_->line(false, sent);
  // Every 4xx/5xx of the session's own (syntax, sequence, AUTH, line too long, 421) reaches
  // the Policy once, with the command it answers; a positive reply costs this one test.
  if (wire[0] >= '4' && !reported_) [[unlikely]]
    policy_.refused_other(quiet_event(stage_), sent);
  reported_ = false;
}

std::string_view Session::own(std::string_view wire) {
  if (!config_->bare_codes) return wire;
  plain_.clear();
  append_without_enhanced_codes(wire, plain_);
  return plain_;
}

std::string_view Session::refused(EventKind kind, std::string_view wire, std::string_view address) {
  Event ev = quiet_event(kind);  // not event(): the sequence counts the events decide() sees
  if (kind == EventKind::rcpt) ev.rcpt = address;
  if (kind == EventKind::mail) ev.from = address;  // not the open transaction's (nested MAIL)
  wire = own(wire);                                // logged as sent
  policy_.refused(ev, wire);
  reported_ = true;  // the caller sends it
  return wire;
}

std::string_view Session::refused_command(EventKind kind, std::string_view wire,
                                          std::string_view arg) {
  // The path parsed when the error is in the parameters after it.
  const auto shown = [arg](const auto& c) {
    return c.error == PathError::syntax || c.error == PathError::bad_address
               ? arg
               : std::string_view(c.address);
  };
  if (kind == EventKind::rcpt) return refused(kind, wire, shown(parse_rcpt(arg)));
  if (kind == EventKind::mail) return refused(kind, wire, shown(parse_mail(arg)));
  return refused(kind, wire);
}

void Session::protocol_error(std::string_view wire, Output& out) {
  send(wire, out);
  if (++counts_.errors >= config_->limits.hard_errors) close_with(config_->closing_errors, out);
}

void Session::close_with(std::string_view wire, Output& out) {
  const bool in_data = phase_ == Phase::data || phase_ == Phase::bdat;
  end_transaction(in_data ? EventKind::data : EventKind::rcpt, Ending::closed, wire);
  send(wire, out);
  out.then = Output::Then::close;
  phase_ = Phase::closed;
}

void Session::shut_down_unasked(Output& out) {
  if (phase_ == Phase::closed) return;
  const std::string_view wire = config_->closing_shutdown;
  const bool in_data = phase_ == Phase::data || phase_ == Phase::bdat;
  end_transaction(in_data ? EventKind::data : EventKind::rcpt, Ending::closed, wire);
  // Behind the reply it follows, paced or not.
  (out.paced.empty() ? out.now : out.paced) += wire;
  if (transcript_) transcript_->line(false, wire);
  out.then = Output::Then::close;
  phase_ = Phase::closed;
}

void Session::reset_transaction() {
  txn_ = txn_.next();
}

void Session::new_queue_id() {
  txn_.queue_id = facts_.id + '.' + std::to_string(++counts_.transactions);
}

// ---- input -------------------------------------------------------------------------------

void Session::start(Output& out) {
  const Event ev = event(EventKind::connect);
  Decision d;
  if (!decide(ev, d, out)) return;
  // A 554 greeting refuses service but keeps the session for QUIT (§3.1); 421 closes.
  if (!reply(ev, d, config_->banner, out, Report::refusal)) greeting_ = Greeting::refused;
}

std::size_t Session::feed(std::string_view input, Output& out) {
  std::size_t used = 0;
  while (used < input.size() && !out.paused()) {
    const std::string_view rest = input.substr(used);
    switch (phase_) {
      case Phase::closed:
        return input.size();  // after a close, hang or drop, input is ignored
      case Phase::data:
        used += decoder_.feed(rest);
        if (decoder_.done()) {
          phase_ = Phase::command;
          finish_message(out, false);
        }
        break;
      case Phase::bdat:
        used += txn_.bdat.feed(rest, decoder_.body());
        if (txn_.bdat.done()) finish_chunk(out);
        break;
      case Phase::command: {
        const auto* nl = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
        if (!nl) {
          // Keep an incomplete line for the next read, unless it is already too long: then
          // skip it (bounded memory) and answer once its end arrives.
          if (!line_.skipping && rest.size() < line_limit(rest)) return used;
          line_.skipping = true;
          return input.size();
        }
        const std::size_t len = static_cast<std::size_t>(nl - rest.data());
        used += len + 1;
        if (line_.skipping || len + 1 > line_limit(rest)) {
          line_.skipping = false;
          sasl_.reset();                // an overlong SASL response ends the exchange
          stage_ = EventKind::unknown;  // its command is not read
          protocol_error(r::line_too_long, out);
          break;
        }
        std::string_view line = rest.substr(0, len);
        line_.bare_lf = line.empty() || line.back() != '\r';
        if (!line_.bare_lf) line.remove_suffix(1);
        line_.more_input = rest.size() > len + 1;
        command(line, out);
        // The Policy asks an Inquiry first: the line stays unconsumed, to be fed again.
        if (waiting_ == Waiting::line) [[unlikely]]
          return used - (len + 1);
        // A message handed out to be stored (BDAT 0 LAST) is answered first.
        if (shutdown_countdown_ != 0 && out.then != Output::Then::store &&
            out.then != Output::Then::consult && --shutdown_countdown_ == 0)
          shut_down_unasked(out);
        // Plaintext pipelined after STARTTLS must never run (CVE-2011-0411): drop it.
        if (out.then == Output::Then::start_tls) return input.size();
        break;
      }
    }
  }
  return used;
}

// AUTH lines and SASL responses may be longer than commands (RFC 4954 §4).
std::size_t Session::line_limit(std::string_view line_start) const {
  const bool auth = sasl_ || (line_start.size() >= 5 && iequals(line_start.substr(0, 5), "AUTH "));
  return auth ? std::max(config_->limits.auth_line, config_->limits.command_line)
              : config_->limits.command_line;
}

// ---- commands (the table and the dispatch are in session_commands.cpp) --------------------

void Session::on_unknown(std::string_view line, Output& out) {
  const Event ev = event(EventKind::unknown, line);
  Decision d;
  if (!decide(ev, d, out)) return;
  // A plain 502 counts as an error; a shaped one (reply, delay, drip, close) is the scenario's.
  if (d.proceeds()) return protocol_error(r::unknown_command, out);
  reply(ev, d, r::unknown_command, out);
}

void Session::greet(std::string_view arg, bool extended, Output& out) {
  facts_.helo = arg;
  facts_.esmtp = extended;
  if (transcript_) transcript_->facts(facts_);
  const Event ev = event(EventKind::helo, arg);
  Decision d;
  if (!decide(ev, d, out)) return;
  std::string_view normal = !extended    ? config_->helo
                            : facts_.tls ? config_->ehlo_tls
                                         : config_->ehlo_plain;
  std::string greeting;  // the scenario's EHLO greeting line, then the capability list
  if (extended && d.reply && d.rule == Decision::server_reply) {
    const std::string_view list = normal.substr(normal.find('\n') + 1);
    greeting = (list.empty() ? "250 " : "250-") + d.reply->text + "\r\n";
    greeting += list;
    normal = greeting;
    d.reply.reset();
  }
  if (reply(ev, d, normal, out, Report::refusal)) {
    greeting_ = Greeting::given;
    end_transaction(EventKind::helo, Ending::abandoned);
    reset_transaction();  // EHLO/HELO imply RSET (§4.1.4)
  }
}
void Session::on_helo(std::string_view arg, Output& out) {
  greet(arg, false, out);
}
void Session::on_ehlo(std::string_view arg, Output& out) {
  greet(arg, true, out);
}

// LHLO is answered as EHLO (RFC 2033 §4.1); only an LMTP listener gets here (need::lmtp).
void Session::on_lhlo(std::string_view arg, Output& out) {
  greet(arg, true, out);
}

void Session::on_starttls(std::string_view, Output& out) {
  const Event ev = event(EventKind::starttls);
  Decision d;
  if (!decide(ev, d, out)) return;
  if (reply(ev, d, r::ready_tls, out) && out.then == Output::Then::read)
    out.then = Output::Then::start_tls;
}

void Session::tls_started(std::string version, std::string cipher) {
  facts_.tls = true;
  facts_.tls_version = std::move(version);
  facts_.tls_cipher = std::move(cipher);
  // Forget what the client said in plaintext; it must EHLO again (RFC 3207 §4.2).
  greeting_ = Greeting::awaited;
  facts_.helo.clear();
  facts_.esmtp = false;
  facts_.auth_user.clear();
  if (transcript_) transcript_->facts(facts_);
  sasl_.reset();
  end_transaction(EventKind::starttls, Ending::abandoned);
  reset_transaction();
  phase_ = Phase::command;
}

void Session::simple(EventKind kind, std::string_view arg, std::string_view normal, Output& out) {
  const Event ev = event(kind, arg);
  Decision d;
  if (!decide(ev, d, out)) return;
  reply(ev, d, normal, out);
}

void Session::on_rset(std::string_view arg, Output& out) {
  end_transaction(EventKind::rset, Ending::abandoned);
  reset_transaction();
  simple(EventKind::rset, arg, r::ok, out);
}
void Session::on_noop(std::string_view arg, Output& out) {
  simple(EventKind::noop, arg, r::ok, out);
}
void Session::on_vrfy(std::string_view arg, Output& out) {
  simple(EventKind::vrfy, arg, r::vrfy, out);
}
void Session::on_expn(std::string_view, Output& out) {
  send(r::expn, out);
}
void Session::on_help(std::string_view, Output& out) {
  send(r::help, out);
}

void Session::on_quit(std::string_view, Output& out) {
  end_transaction(EventKind::quit, Ending::abandoned);
  simple(EventKind::quit, {}, r::bye, out);
  if (phase_ != Phase::closed && waiting_ == Waiting::none) {
    out.then = Output::Then::close;
    phase_ = Phase::closed;
  }
}

void Session::timeout(Output& out) {
  if (phase_ != Phase::closed) close_with(config_->closing_timeout, out);
}

void Session::shutdown(Output& out) {
  if (phase_ != Phase::closed) close_with(config_->closing_shutdown, out);
}

void Session::paced_written(Sent how) {
  if (!paced_report_) return;
  Event ev = quiet_event(paced_report_->kind);
  ev.sequence = paced_report_->sequence;
  paced_report_.reset();
  policy_.sent(ev, how);
}

void Session::connection_lost(Ending how) {
  // A paced reply still due never reached the client.
  paced_written(how == Ending::client_left ? Sent::client_gone : Sent::not_sent);
  if (phase_ == Phase::closed) return;  // the session closed first: its close said how
  const bool in_data = phase_ == Phase::data || phase_ == Phase::bdat;
  end_transaction(in_data ? EventKind::data : EventKind::rcpt, how);
  phase_ = Phase::closed;
}

}  // namespace bounceback::smtp
