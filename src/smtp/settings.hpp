// The SMTP layer's settings (--hostname, --max-line, --bare-lf, ...): what every session's
// SessionConfig starts from before a scenario's [server] table overrides parts of it.
#pragma once

#include <optional>
#include <string>

#include "smtp/limits.hpp"
#include "smtp/session.hpp"

namespace bounceback::smtp {

struct Settings {
  std::string hostname = "localhost";  // banner, EHLO reply, Received headers
  Limits limits;                       // every bound the protocol enforces (limits.hpp)
  // Bare LF policy: normalize like most receivers; only CRLF.CRLF ends DATA whatever it is.
  BareLfPolicy bare_lf = BareLfPolicy::normalize;
  // Postfix smtpd_forbid_unauth_pipelining; off by default: a test double accepts what
  // production MXes accept (SessionConfig::forbid_improper_pipelining).
  bool forbid_improper_pipelining = false;
  // --starttls; unset: offered when a certificate of the user's own is given, else off, as in
  // Mailpit (default clients fail to verify a generated certificate).
  std::optional<Requirement> starttls;
};

}  // namespace bounceback::smtp
