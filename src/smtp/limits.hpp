// Every bound the protocol enforces, in one place, with defaults from RFC 5321 §4.5.3.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bounceback::smtp {

struct Limits {
  std::size_t command_line = 512;  // RFC 5321 §4.5.3.1.4 (includes CRLF)
  std::size_t auth_line = 12288;   // AUTH and SASL responses (RFC 4954 §4)
  // Advertised in SIZE (RFC 1870); as large as what the big mailbox providers accept.
  std::uint64_t message_size = 35 * 1024 * 1024;
  std::size_t recipients = 100;  // §4.5.3.1.8: at least 100 must be accepted
  unsigned hard_errors = 20;     // then 421 4.7.0 and close (Postfix smtpd_hard_error_limit)
  // Bound a client that loops forever on one connection (RFC 5321 sets none); high enough for
  // load generators that push 100k messages over a few persistent connections.
  unsigned commands_per_session = 1'000'000;  // then 421 4.7.0 and close
  unsigned messages_per_session = 100'000;    // then 421 4.7.0 and close
};

// What to do with a bare LF (no CR); only CRLF.CRLF ends a message whatever the policy.
enum class BareLfPolicy : std::uint8_t {
  normalize,  // in DATA store it as CRLF (what most receivers do); commands run as if CRLF
  keep,       // in DATA store the bytes as sent; commands run as if CRLF
  // A message: read to its end, then 550 5.6.0, the session goes on. A command line: "550
  // 5.5.2 <host> Error: bare <LF> received" and close (Postfix smtpd_forbid_bare_newline =
  // reject, with its default smtpd_forbid_bare_newline_reject_code).
  reject,
  // Either: "521 5.5.2 <host> Error: bare <LF> received" and close; a message is read to its
  // end first and not stored (Postfix 3.8.4's smtpd_forbid_bare_newline = yes).
  disconnect,
};

}  // namespace bounceback::smtp
