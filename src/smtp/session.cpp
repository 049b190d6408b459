// The session state machine. Protocol errors are answered here; every valid command is an
// Event shown to the Policy first, whose Decision may replace, delay or drop the reply.
#include "smtp/session.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "smtp/command.hpp"
#include "smtp/replies.hpp"

namespace bounceback::smtp {

namespace r = replies;

Session::Session(std::shared_ptr<const SessionConfig> config, Policy& policy, MessageSink& sink,
                 TranscriptSink* transcript, SessionFacts facts)
    : config_(std::move(config)),
      limits_(config_->limits),
      policy_(policy),
      sink_(sink),
      transcript_(transcript),
      facts_(std::move(facts)) {}

// ---- plumbing ----------------------------------------------------------------------------

Event Session::event(EventKind kind, std::string_view arg) {
  Event ev;
  ev.kind = kind;
  ev.session = &facts_;
  ev.sequence = ++events_;
  ev.argument = arg;
  ev.from = from_;
  ev.rcpts = rcpts_;
  ev.nth_message = facts_.messages + 1;
  ev.size = mail_params_.size.value_or(0);
  ev.queue_id = queue_id_;
  return ev;
}

bool Session::decide(const Event& ev, Decision& d, Output& out) {
  d = policy_.decide(ev);
  if (!d.drop && !d.hang) return true;
  out.delay = d.delay;
  out.then = d.drop ? Output::Then::close : Output::Then::hang;
  phase_ = Phase::closed;
  if (transcript_) transcript_->line(false, d.drop ? "[connection dropped]" : "[hanging]");
  return false;
}

bool Session::reply(const Event& ev, const Decision& d, std::string_view normal, Output& out,
                    bool report) {
  std::string custom;
  std::string_view wire = normal;
  if (d.reply) {
    custom = d.reply->wire();
    wire = custom;
  }
  if (report) policy_.replied(ev, wire, d);
  if (d.delay.count() > 0 || d.drip.count() > 0) {
    out.paced = wire;
    out.delay = d.delay;
    out.drip = d.drip;
    if (transcript_) transcript_->line(false, wire);
  } else {
    send(wire, out);
  }
  // 421 always closes the channel (§3.8); a scenario may ask to close after any reply.
  if (d.disconnect || wire.starts_with("421")) {
    out.then = Output::Then::close;
    phase_ = Phase::closed;
  }
  return wire[0] < '4';
}

void Session::send(std::string_view wire, Output& out) {
  out.now += wire;
  if (transcript_) transcript_->line(false, wire);
}

void Session::protocol_error(std::string_view wire, Output& out) {
  send(wire, out);
  if (++errors_ >= limits_.hard_errors) close_with(config_->closing_errors, out);
}

void Session::close_with(std::string_view wire, Output& out) {
  send(wire, out);
  out.then = Output::Then::close;
  phase_ = Phase::closed;
}

void Session::reset_transaction() {
  has_mail_ = rcpt_attempted_ = bdat_started_ = bdat_failed_ = false;
  from_.clear();
  mail_params_ = {};
  rcpts_.clear();
  rcpt_params_.clear();
  queue_id_.clear();
}

void Session::new_queue_id() {
  queue_id_ = facts_.id + '.' + std::to_string(++transactions_);
}

// ---- input -------------------------------------------------------------------------------

void Session::start(Output& out) {
  const Event ev = event(EventKind::connect);
  Decision d;
  if (!decide(ev, d, out)) return;
  // A 554 greeting refuses service but keeps the session for QUIT (§3.1); 421 closes.
  if (!reply(ev, d, config_->banner, out)) service_refused_ = true;
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
      case Phase::bdat: {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(bdat_remaining_, rest.size()));
        if (bdat_error_.empty() && !bdat_discard_) {
          auto& body = decoder_.body();
          if (body.size() + n > limits_.message_size) {
            bdat_error_ = r::message_too_big;
            bdat_failed_ = true;
            body.clear();
          } else {
            body.append(rest.substr(0, n));
          }
        }
        bdat_remaining_ -= n;
        used += n;
        if (bdat_remaining_ == 0) finish_chunk(out);
        break;
      }
      case Phase::command: {
        const auto* nl = static_cast<const char*>(std::memchr(rest.data(), '\n', rest.size()));
        if (!nl) {
          // Keep an incomplete line for the next read, unless it is already too long: then
          // skip it (bounded memory) and answer once its end arrives.
          if (!skipping_line_ && rest.size() < line_limit(rest)) return used;
          skipping_line_ = true;
          return input.size();
        }
        const std::size_t len = static_cast<std::size_t>(nl - rest.data());
        used += len + 1;
        if (skipping_line_ || len + 1 > line_limit(rest)) {
          skipping_line_ = false;
          sasl_.reset();  // an overlong SASL response ends the exchange
          protocol_error(r::line_too_long, out);
          break;
        }
        std::string_view line = rest.substr(0, len);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        command(line, out);
        // Plaintext pipelined after STARTTLS must never run (CVE-2011-0411): drop it.
        if (out.then == Output::Then::start_tls) return input.size();
        break;
      }
    }
  }
  return used;
}

// ---- commands ----------------------------------------------------------------------------

struct Session::Handler {
  void (Session::*run)(std::string_view arg, Output& out);
};

// Indexed by Verb.
const Session::Handler Session::handlers[] = {
    {&Session::on_helo}, {&Session::on_ehlo},     {&Session::on_ehlo}, {&Session::on_mail},
    {&Session::on_rcpt}, {&Session::on_data},     {&Session::on_bdat}, {&Session::on_rset},
    {&Session::on_noop}, {&Session::on_vrfy},     {&Session::on_expn}, {&Session::on_help},
    {&Session::on_quit}, {&Session::on_starttls}, {&Session::on_auth},
};
static_assert(sizeof(Session::handlers) / sizeof(Session::handlers[0]) ==
              static_cast<std::size_t>(Verb::unknown));

// AUTH lines and SASL responses may be longer than commands (RFC 4954 §4).
std::size_t Session::line_limit(std::string_view line_start) const {
  const bool auth = sasl_ || (line_start.size() >= 5 && iequals(line_start.substr(0, 5), "AUTH "));
  return auth ? std::max(limits_.auth_line, limits_.command_line) : limits_.command_line;
}

void Session::command(std::string_view line, Output& out) {
  if (sasl_) return sasl_response(line, out);
  if (transcript_) {
    // Never keep a secret: "AUTH PLAIN <initial response>" is logged as "AUTH PLAIN ****".
    if (const auto shown = auth::shown_prefix(line); shown < line.size())
      transcript_->line(true, std::string(line.substr(0, shown)) + " ****");
    else
      transcript_->line(true, line);
  }
  if (++commands_ > limits_.commands_per_session) return close_with(config_->closing_errors, out);
  const CommandLine cmd = parse_command(line);
  if (service_refused_ && cmd.verb != Verb::quit) return protocol_error(r::no_service, out);
  if (cmd.verb == Verb::unknown) return on_unknown(line, out);
  (this->*handlers[static_cast<std::size_t>(cmd.verb)].run)(cmd.arg, out);
}

void Session::on_unknown(std::string_view line, Output& out) {
  const Event ev = event(EventKind::unknown, line);
  Decision d;
  if (!decide(ev, d, out)) return;
  // A plain 502 counts as an error; a shaped one (reply, delay, drip, close) is the scenario's.
  if (d.proceeds()) return protocol_error(r::unknown_command, out);
  reply(ev, d, r::unknown_command, out);
}

void Session::greet(std::string_view arg, bool extended, Output& out) {
  if (arg.empty()) return protocol_error(extended ? r::ehlo_syntax : r::helo_syntax, out);
  facts_.helo = arg;
  facts_.esmtp = extended;
  const Event ev = event(EventKind::helo, arg);
  Decision d;
  if (!decide(ev, d, out)) return;
  const std::string& normal = !extended    ? config_->helo
                              : facts_.tls ? config_->ehlo_tls
                                           : config_->ehlo_plain;
  if (reply(ev, d, normal, out)) {
    greeted_ = true;
    reset_transaction();  // EHLO/HELO imply RSET (§4.1.4)
  }
}
void Session::on_helo(std::string_view arg, Output& out) {
  greet(arg, false, out);
}
void Session::on_ehlo(std::string_view arg, Output& out) {
  greet(arg, true, out);
}

void Session::on_mail(std::string_view arg, Output& out) {
  if (!greeted_) return protocol_error(r::need_helo, out);
  if (has_mail_) return protocol_error(r::nested_mail, out);
  if (config_->tls == Requirement::required && !facts_.tls)
    return protocol_error(r::tls_required, out);
  if (config_->auth == Requirement::required && facts_.auth_user.empty())
    return protocol_error(r::auth_required, out);
  MailCommand m = parse_mail(arg);
  switch (m.error) {
    case PathError::none:
      break;
    case PathError::syntax:
      return protocol_error(r::mail_syntax, out);
    case PathError::bad_address:
      return protocol_error(r::bad_sender, out);
    case PathError::bad_parameter:
      return protocol_error(r::bad_parameter, out);
    case PathError::unknown_parameter:
      return protocol_error(r::unknown_parameter, out);
  }
  if (m.params.size.value_or(0) > limits_.message_size) return send(r::size_exceeded, out);
  if (facts_.messages >= limits_.messages_per_session) return close_with(r::too_many_messages, out);
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
  if (!has_mail_) return protocol_error(r::need_mail, out);
  rcpt_attempted_ = true;  // even a refused RCPT makes an empty DATA "no valid recipients"
  RcptCommand rc = parse_rcpt(arg);
  switch (rc.error) {
    case PathError::none:
      break;
    case PathError::syntax:
      return protocol_error(r::rcpt_syntax, out);
    case PathError::bad_address:
      return protocol_error(r::bad_recipient, out);
    case PathError::bad_parameter:
      return protocol_error(r::bad_parameter, out);
    case PathError::unknown_parameter:
      return protocol_error(r::unknown_parameter, out);
  }
  if (rcpts_.size() >= limits_.recipients) return send(r::too_many_rcpts, out);
  Event ev = event(EventKind::rcpt, arg);
  ev.rcpt = rc.address;
  Decision d;
  if (!decide(ev, d, out)) return;
  if (reply(ev, d, r::rcpt_ok, out, true)) {
    rcpts_.push_back(std::move(rc.address));
    rcpt_params_.push_back(std::move(rc.params));
  }
}

// Shared by DATA and the first BDAT: the sequence checks, then the `data` event.
std::string_view Session::transaction_error() const {
  if (!has_mail_) return r::need_mail;
  if (rcpts_.empty()) return rcpt_attempted_ ? r::no_valid_rcpts : r::need_rcpt;
  return {};
}

void Session::on_data(std::string_view arg, Output& out) {
  if (!arg.empty()) return protocol_error(r::no_arguments, out);
  if (const auto err = transaction_error(); !err.empty()) return protocol_error(err, out);
  if (bdat_started_) return protocol_error(r::data_after_bdat, out);
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
    return protocol_error(r::bdat_syntax, out);  // the chunk's length is unknown: cannot skip it
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
      decoder_.reset(limits_.message_size, config_->bare_lf);
    }
  }
  if (size == 0) finish_chunk(out);
}

void Session::finish_chunk(Output& out) {
  phase_ = Phase::command;
  if (!bdat_error_.empty()) {
    protocol_error(bdat_error_, out);
    if (bdat_last_) reset_transaction();
    return;
  }
  if (bdat_discard_) {
    if (bdat_last_) reset_transaction();
    return;
  }
  if (!bdat_last_)
    return send("250 2.0.0 Ok: " + std::to_string(decoder_.body().size()) + " octets\r\n", out);
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
  if (decoder_.bare_lf() && config_->bare_lf == BareLfPolicy::reject) {
    policy_.replied(ev, r::bare_lf, none);
    send(r::bare_lf, out);
    body.clear();
    return reset_transaction();
  }
  ev.message = body;
  Decision d;
  const bool go_on = decide(ev, d, out);
  ev.message = {};
  if (go_on && (!d.reply || d.reply->code < 400)) {
    AcceptedMessage m;
    m.queue_id = queue_id_;
    m.from = from_;
    m.params = mail_params_;
    for (std::size_t i = 0; i < rcpts_.size(); ++i) m.rcpts.push_back({rcpts_[i], rcpt_params_[i]});
    m.data = std::move(body);
    m.session_id = facts_.id;
    m.client_ip = facts_.client_ip;
    m.helo = facts_.helo;
    m.tls = facts_.tls;
    m.tls_version = facts_.tls_version;
    m.tls_cipher = facts_.tls_cipher;
    m.auth_user = facts_.auth_user;
    m.chunked = chunked;
    // The 250 goes out only once the sink holds the message (and has it on disk).
    if (sink_.blocking()) {
      pending_ = std::make_unique<PendingStore>(PendingStore{std::move(m), ev, std::move(d)});
      body.clear();
      out.then = Output::Then::store;
      return;
    }
    return complete_message(sink_.store(std::move(m)), ev, d, out);
  } else if (go_on) {
    reply(ev, d, {}, out, true);
  }
  body.clear();
  reset_transaction();
}

void Session::stored(bool ok, Output& out) {
  const auto pending = std::move(pending_);
  complete_message(ok, pending->event, pending->decision, out);
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

void Session::on_starttls(std::string_view arg, Output& out) {
  if (!arg.empty()) return protocol_error(r::no_arguments, out);
  if (facts_.tls) return protocol_error(r::tls_active, out);
  if (!config_->tls_available) return send(r::tls_unavailable, out);
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
  greeted_ = false;
  facts_.helo.clear();
  facts_.esmtp = false;
  facts_.auth_user.clear();
  sasl_.reset();
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
  if (!arg.empty()) return protocol_error(r::no_arguments, out);
  reset_transaction();
  simple(EventKind::rset, arg, r::ok, out);
}
void Session::on_noop(std::string_view arg, Output& out) {
  simple(EventKind::noop, arg, r::ok, out);
}
void Session::on_vrfy(std::string_view arg, Output& out) {
  if (arg.empty()) return protocol_error(r::vrfy_syntax, out);
  simple(EventKind::vrfy, arg, r::vrfy, out);
}
void Session::on_expn(std::string_view, Output& out) {
  send(r::expn, out);
}
void Session::on_help(std::string_view, Output& out) {
  send(r::help, out);
}
// ---- AUTH (RFC 4954) ----------------------------------------------------------------------

void Session::on_auth(std::string_view arg, Output& out) {
  if (config_->auth == Requirement::off) return protocol_error(r::auth_unavailable, out);
  if (!greeted_) return protocol_error(r::need_helo, out);
  if (!facts_.auth_user.empty()) return protocol_error(r::auth_already, out);
  if (has_mail_) return protocol_error(r::auth_in_transaction, out);
  const auto sp = arg.find(' ');
  const auto name = arg.substr(0, sp);
  if (name.empty()) return protocol_error(r::auth_syntax, out);
  const auto mechanism = auth::parse_mechanism(name);
  if (!mechanism) return protocol_error(r::auth_unknown_mechanism, out);
  if (!facts_.tls && !config_->auth_plaintext) return protocol_error(r::auth_needs_tls, out);
  std::optional<std::string_view> initial;
  if (sp != std::string_view::npos) initial = arg.substr(sp + 1);
  // A challenge unique to this exchange (RFC 2195 §2); the session id is process-unique.
  std::string challenge;
  if (*mechanism == auth::Mechanism::cram_md5)
    challenge =
        '<' + facts_.id + '.' + std::to_string(++auth_exchanges_) + '@' + config_->hostname + '>';
  sasl_.emplace(*mechanism, std::move(challenge));
  sasl_step(sasl_->start(initial), out);
}

void Session::sasl_response(std::string_view line, Output& out) {
  if (transcript_) transcript_->line(true, line == "*" ? line : "****");  // may be a secret
  sasl_step(sasl_->respond(line), out);
}

void Session::sasl_step(const auth::Exchange::Step& step, Output& out) {
  using S = auth::Exchange::Status;
  switch (step.status) {
    case S::challenge:
      return send("334 " + step.challenge + "\r\n", out);
    case S::done:
      return sasl_verdict(out);
    case S::cancelled:
      sasl_.reset();
      return protocol_error(r::auth_cancelled, out);
    case S::bad_base64:
      sasl_.reset();
      return protocol_error(r::auth_bad_base64, out);
    case S::malformed:
    case S::failed:
      sasl_.reset();
      return protocol_error(r::auth_failed, out);
  }
}

// The credentials are known: verify them, then the `auth` event decides (a rule may refuse
// good credentials or accept bad ones); the candidate user is in the facts meanwhile.
void Session::sasl_verdict(Output& out) {
  const auto& credentials = sasl_->credentials();
  const bool valid = !config_->authenticator || config_->authenticator->verify(credentials);
  facts_.auth_user = credentials.user;
  Event ev = event(EventKind::auth, facts_.auth_user);
  ev.auth_mechanism = auth::to_string(credentials.mechanism);
  Decision d;
  if (!decide(ev, d, out)) {
    facts_.auth_user.clear();
    sasl_.reset();
    return;
  }
  if (!valid && d.proceeds()) {
    facts_.auth_user.clear();
    const auto step = sasl_->reject();  // XOAUTH2 answers with an error challenge first
    if (step.status == auth::Exchange::Status::challenge) return sasl_step(step, out);
    sasl_.reset();
    return protocol_error(r::auth_failed, out);
  }
  sasl_.reset();
  if (!reply(ev, d, valid ? r::auth_ok : r::auth_failed, out)) facts_.auth_user.clear();
}

void Session::on_quit(std::string_view, Output& out) {
  simple(EventKind::quit, {}, r::bye, out);
  if (phase_ != Phase::closed) {
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

}  // namespace bounceback::smtp
