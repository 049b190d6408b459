// Builds the hostname-dependent replies and the EHLO capability list (RFC 5321 §4.1.1.1) from
// the configured extensions (extensions.hpp).

#include "smtp/auth.hpp"
#include "smtp/reply.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {
namespace {

// When an offered extension is advertised: STARTTLS before TLS only and when TLS can start;
// AUTH once TLS is up, or before it when the configuration allows plaintext AUTH.
bool advertised(Extension e, const SessionConfig& c, bool tls) {
  switch (e) {
    case Extension::starttls:
      return !tls && c.tls_available;
    case Extension::auth:
      return c.auth != Requirement::off && (tls || c.auth_plaintext);
    default:
      return true;
  }
}

// "250-hostname" then one line per extension, in the configured order (RFC 5321 §4.1.1.1).
std::string ehlo_reply(const SessionConfig& c, bool tls) {
  std::string out = "250-" + c.hostname + "\r\n";
  for (const Extension e : c.extensions) {
    if (!advertised(e, c, tls)) continue;
    out += "250-";
    out += keyword(e);
    if (e == Extension::size) out += ' ' + std::to_string(c.limits.message_size);
    if (e == Extension::auth) out += ' ' + auth::advertised();
    out += "\r\n";
  }
  out[out.rfind("250-") + 3] = ' ';  // the last line has no continuation dash
  return out;
}

}  // namespace

void SessionConfig::prepare() {
  offered = set_of(extensions);
  // Without STARTTLS or AUTH in the list, the server is one without them (RFC 3207, 4954).
  if (!(offered & bit(Extension::starttls))) {
    tls_available = false;
    if (tls == Requirement::required) tls = Requirement::off;
  }
  if (!(offered & bit(Extension::auth))) auth = Requirement::off;
  banner = "220 " + hostname + " " + banner_text + "\r\n";
  ehlo_plain = ehlo_reply(*this, false);
  ehlo_tls = ehlo_reply(*this, true);
  helo = "250 " + hostname + "\r\n";
  closing_timeout = "421 4.4.2 " + hostname + " Error: timeout exceeded\r\n";
  closing_errors = "421 4.7.0 " + hostname + " Error: too many errors\r\n";
  closing_shutdown =
      "421 4.3.2 " + hostname + " Service shutting down, closing transmission channel\r\n";
  too_many_connections = "421 4.7.0 " + hostname + " Error: too many connections\r\n";
  too_many_from_address =
      "421 4.7.0 " + hostname + " Error: too many connections from your address\r\n";
  too_many_messages = "421 4.7.0 " + hostname + " Error: too many messages in one session\r\n";
  bare_lf_rejected = "550 5.5.2 " + hostname + " Error: bare <LF> received\r\n";
  bare_lf_disconnect = "521 5.5.2 " + hostname + " Error: bare <LF> received\r\n";
  bare_codes = !(offered & bit(Extension::enhancedstatuscodes));
  if (bare_codes)
    for (std::string* wire :
         {&closing_timeout, &closing_errors, &closing_shutdown, &too_many_connections,
          &too_many_from_address, &too_many_messages, &bare_lf_rejected, &bare_lf_disconnect}) {
      std::string plain;
      append_without_enhanced_codes(*wire, plain);
      *wire = std::move(plain);
    }
}

}  // namespace bounceback::smtp
