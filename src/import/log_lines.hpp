// One line of a mail log, as the three log readers understand it: a remote reply to a
// delivery attempt (deferred or bounced), a delivery, an attempt without a remote reply (a
// timeout, a refused connection), or the sender of a queued message. Each reader returns
// nullopt for a line that is not of its format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "import/model.hpp"

namespace bounceback::import {

struct LogEvent {
  enum class Kind : std::uint8_t {
    reply,      // the remote server refused: `reply` holds its text as the log wrote it
    delivered,  // the remote server accepted the message
    fault,      // the remote server closed the connection or stopped answering (`fault`)
    no_reply,   // an attempt that ended without a remote reply (nothing to reproduce)
    sender,     // `from` is the sender of the message `queue_id`
    other,      // a line of this format that says nothing about a remote reply
  };
  Kind kind = Kind::other;
  std::string queue_id, rcpt, from, host;
  Stage stage = Stage::rcpt;
  Fault fault = Fault::none;
  std::string reply;                // the one-line form as logged
  std::string status;               // the enhanced status the log gives (dsn=), if any
  bool multi_line_escaped = false;  // Exim: lines joined by a literal "\n"
};

// "... postfix/smtp[123]: 4ABC: to=<u@x>, relay=..., dsn=4.7.1, status=deferred (host
// mx[192.0.2.1] said: 451 4.7.1 ... (in reply to RCPT TO command))"
std::optional<LogEvent> read_postfix_line(std::string_view line);

// "2026-11-30 12:00:00 1rABCD-000123-AB ** u@x R=dnslookup T=remote_smtp H=mx [192.0.2.1]:
// SMTP error from remote mail server after RCPT TO:<u@x>: 550 5.1.1 ...", "==" deferrals.
std::optional<LogEvent> read_exim_line(std::string_view line);

// The stage Exim's "SMTP error from remote mail server after COMMAND" names ("RCPT TO:<u@x>",
// "pipelined end of data", "MAIL FROM:<a@s> SIZE=12", "initial connection").
Stage stage_after(std::string_view command);

// "... sm-mta[123]: 0AU1x: to=<u@x>, delay=..., relay=mx. [192.0.2.1], dsn=4.7.1,
// stat=Deferred: 451 4.7.1 ...", "dsn=5.1.1, stat=User unknown".
std::optional<LogEvent> read_sendmail_line(std::string_view line);

}  // namespace bounceback::import
