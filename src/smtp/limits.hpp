// Every bound the protocol enforces, in one place, with defaults from RFC 5321 §4.5.3.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bounceback::smtp {

struct Limits {
  std::size_t command_line = 512;                 // RFC 5321 §4.5.3.1.4 (includes CRLF)
  std::size_t auth_line = 12288;                  // AUTH and SASL responses (RFC 4954 §4)
  std::uint64_t message_size = 35 * 1024 * 1024;  // advertised as SIZE
  std::size_t recipients = 100;                   // §4.5.3.1.8: at least 100 must be accepted
  unsigned hard_errors = 20;  // then 421 4.7.0 and close (Postfix smtpd_hard_error_limit)
  // Bound a client that loops forever on one connection; high enough for load generators
  // that push 100k messages over a few persistent connections.
  unsigned commands_per_session = 1'000'000;
  unsigned messages_per_session = 100'000;
};

// What to do with a bare LF (no CR) inside DATA; only CRLF.CRLF ends a message either way.
enum class BareLfPolicy : std::uint8_t {
  normalize,  // store it as CRLF (what most receivers do)
  keep,       // store the bytes as sent
  reject,     // finish reading, then 550 5.6.0 (Postfix smtpd_forbid_bare_newline)
};

}  // namespace bounceback::smtp
