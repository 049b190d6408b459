// Builds the hostname-dependent replies and the EHLO capability list (a table, RFC 5321 §4.1.1.1).
#include <array>

#include "smtp/auth.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {
namespace {

enum class When : std::uint8_t { always, before_tls, auth };

struct Extension {
  std::string_view keyword;
  When when;
};

// SIZE is added separately (it carries the limit); AUTH lists auth::mechanisms.
constexpr std::array<Extension, 9> extensions{{
    {"PIPELINING", When::always},           // RFC 2920
    {"8BITMIME", When::always},             // RFC 6152
    {"SMTPUTF8", When::always},             // RFC 6531
    {"ENHANCEDSTATUSCODES", When::always},  // RFC 2034
    {"CHUNKING", When::always},             // RFC 3030
    {"DSN", When::always},                  // RFC 3461
    {"STARTTLS", When::before_tls},         // RFC 3207
    {"AUTH", When::auth},                   // RFC 4954
    {"VRFY", When::always},
}};

std::string ehlo_reply(const SessionConfig& c, bool tls) {
  std::string out =
      "250-" + c.hostname + "\r\n250-SIZE " + std::to_string(c.limits.message_size) + "\r\n";
  for (const auto& e : extensions) {
    if (e.when == When::before_tls && (tls || !c.tls_available)) continue;
    // AUTH: once TLS is up, or before it when the configuration allows plaintext AUTH.
    if (e.when == When::auth && (c.auth == Requirement::off || !(tls || c.auth_plaintext)))
      continue;
    out += "250-";
    out += e.keyword;
    if (e.when == When::auth) out += ' ' + auth::advertised();
    out += "\r\n";
  }
  out[out.rfind("250-") + 3] = ' ';  // the last line has no continuation dash
  return out;
}

}  // namespace

void SessionConfig::prepare() {
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
}

}  // namespace bounceback::smtp
