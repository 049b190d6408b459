// The SMTP commands as data, one row each (as Postfix's smtpd_cmd_table): name, verb, handler,
// the event the Policy sees, and the preconditions the session checks once, before the handler.
// Adding a command is adding a row (session_commands.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "smtp/command.hpp"
#include "smtp/event.hpp"

namespace bounceback::smtp {

class Session;
struct Output;

// Bits of CommandRow::needs. Session::unmet() tests the preconditions in the order listed and
// answers the first one that fails with its reply (replies.hpp); a failure counts as a protocol
// error, and for MAIL, RCPT and DATA it is reported to Policy::refused.
namespace need {
enum : std::uint32_t {
  no_argument = 1 << 0,       // 501 5.5.4 Syntax: this command takes no arguments
  argument = 1 << 1,          // the row's `usage` 501
  auth_enabled = 1 << 2,      // 502 5.5.1 Error: authentication not enabled
  no_tls = 1 << 3,            // 554 5.5.1 Error: TLS already active
  tls_offered = 1 << 4,       // 502 5.5.1 Error: command not implemented
  greeting = 1 << 5,          // 503 5.5.1 Error: send HELO/EHLO first
  no_auth = 1 << 6,           // 503 5.5.1 Error: already authenticated
  no_transaction = 1 << 7,    // the row's `busy` 503 (MAIL given, not yet ended)
  tls_if_required = 1 << 8,   // 530 5.7.0 Must issue a STARTTLS command first
  auth_if_required = 1 << 9,  // 530 5.7.0 Authentication required
  transaction = 1 << 10,      // 503 5.5.1 Error: need MAIL command
  recipients = 1 << 11,       // 503 5.5.1 need RCPT command, or 554 5.5.1 no valid recipients
  no_chunks = 1 << 12,        // 503 5.5.1 Error: DATA and BDAT cannot be mixed ...
  // Checked before those, in Session::command():
  ends_group = 1 << 13,  // must end a pipeline group (RFC 2920 §3.1): what follows it in the
                         // same read closes the session under forbid_improper_pipelining
  after_554 = 1 << 14,   // still served after a 554 banner (§3.1); others get 503 no service
  chunking = 1 << 15,    // BDAT: 502 5.5.1 Error: command not implemented, unless CHUNKING is
                         // offered (RFC 3030 §2); checked first, as for an unknown command
  lmtp = 1 << 16,        // LHLO: an unknown command (502 5.5.2) but on an LMTP listener
  smtp = 1 << 17,        // HELO, EHLO: 500 5.5.1 on an LMTP listener (RFC 2033 §4.1)
};
}  // namespace need

struct CommandRow {
  std::string_view name;  // upper case, letters only, at most 8
  Verb verb;
  void (Session::*handler)(std::string_view arg, Output& out);
  std::optional<EventKind> event;  // what the Policy is asked about; none for EXPN, HELP
  std::uint32_t needs = 0;         // need:: bits
  std::string_view usage = {};     // the 501 when need::argument fails
  std::string_view busy = {};      // the 503 when need::no_transaction fails
};

// Every row, one per Verb (checked at compile time in session_commands.cpp).
std::span<const CommandRow> command_table();

// The row named `name` (ASCII case-insensitive, RFC 5321 §2.4), or null.
const CommandRow* find_command(std::string_view name);

}  // namespace bounceback::smtp
