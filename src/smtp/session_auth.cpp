// The AUTH half of the session (RFC 4954): starts the SASL exchange, relays its steps and
// asks the Policy about the credentials once they are known.
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {

namespace r = replies;

void Session::on_auth(std::string_view arg, Output& out) {
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
    challenge = '<' + facts_.id + '.' + std::to_string(++counts_.auth_exchanges) + '@' +
                config_->hostname + '>';
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
  ev.may_wait = false;  // the SASL exchange is not replayed
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
  if (transcript_) transcript_->facts(facts_);
}

}  // namespace bounceback::smtp
