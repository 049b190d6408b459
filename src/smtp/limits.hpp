// Every bound the protocol enforces, in one place, with defaults from RFC 5321 §4.5.3.
#pragma once

#include <cstddef>
#include <cstdint>

namespace bounceback::smtp {

struct Limits {
  std::size_t command_line = 512;         // RFC 5321 §4.5.3.1.4 (includes CRLF)
  std::size_t command_line_skip = 65536;  // an overlong line is skipped, not buffered
  std::size_t text_line = 1000;           // §4.5.3.1.6; longer DATA lines are accepted, noted
  std::uint64_t message_size = 35 * 1024 * 1024;  // advertised as SIZE
  std::size_t recipients = 100;                   // §4.5.3.1.8: at least 100 must be accepted
  unsigned hard_errors = 20;  // then 421 4.7.0 and close (Postfix smtpd_hard_error_limit)
  unsigned commands_per_session = 10000;  // bounds a client looping on NOOP/RSET
  unsigned messages_per_session = 10000;
};

// What to do with a bare LF (no CR) inside DATA; only CRLF.CRLF ends a message either way.
enum class BareLfPolicy : std::uint8_t {
  normalize,  // store it as CRLF (what most receivers do)
  keep,       // store the bytes as sent
  reject,     // finish reading, then 550 5.6.0 (Postfix smtpd_forbid_bare_newline)
};

}  // namespace bounceback::smtp
