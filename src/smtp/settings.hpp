// The SMTP layer's settings (--hostname, --max-line, --bare-lf, ...): what every session's
// SessionConfig (session.hpp) starts from before a scenario's [server] table overrides parts
// of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "smtp/limits.hpp"

namespace bounceback::smtp {

// STARTTLS and AUTH: not offered, offered, or demanded before mail.
enum class Requirement : std::uint8_t { off, optional, required };

struct Settings {
  std::string hostname = "localhost";  // banner, EHLO reply, Received headers
  Limits limits;                       // every bound the protocol enforces (limits.hpp)
  // Bare LF policy: normalize like most receivers; only CRLF.CRLF ends DATA whatever it is.
  BareLfPolicy bare_lf = BareLfPolicy::normalize;
  // Postfix smtpd_forbid_unauth_pipelining: a command that must end a pipeline group (RFC
  // 2920 §3.1: EHLO, HELO, DATA, VRFY, EXPN, NOOP), or any command before EHLO, followed by
  // input the client sent before seeing the reply, is not run: 554 5.5.0 and close. Without
  // it such input runs as commands (a body sent before 354 when DATA is refused, say). Off by
  // default: a test double accepts what production MXes accept.
  bool forbid_improper_pipelining = false;
  // --starttls; unset: offered when a certificate of the user's own is given, else off, as in
  // Mailpit (default clients fail to verify a generated certificate).
  std::optional<Requirement> starttls;
};

}  // namespace bounceback::smtp
