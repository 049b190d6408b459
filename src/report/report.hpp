// The mail a server sends about a message after accepting it: delivery status notifications
// (RFC 3464 inside RFC 6522 multipart/report), auto-replies (RFC 3834) and complaint reports
// (RFC 5965, ARF). Pure: the caller passes the time, the names and a number unique to each
// report; the result is a whole message (CRLF line ends, no line over 998 octets) and its
// envelope.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "smtp/reply.hpp"

namespace bounceback::report {

using TimePoint = std::chrono::system_clock::time_point;

// Whose wording and layout a report takes (docs/scenarios.md, "Accepted now, bounced later").
enum class Style : std::uint8_t { postfix, gmail, microsoft };
std::optional<Style> parse_style(std::string_view name);  // "postfix", "gmail", "microsoft"
std::string_view to_string(Style s);

// RFC 3464 §2.3.3 (the values a DSN can report; "expanded" is not generated).
enum class Action : std::uint8_t { failed, delayed, delivered, relayed };
std::optional<Action> parse_action(std::string_view name);
std::string_view to_string(Action a);

// Whether a recipient's NOTIFY (RFC 3461 §4.1: "NEVER" or a list of SUCCESS, FAILURE, DELAY)
// asks for a DSN with `action`. Without NOTIFY, failures and delays are reported, as Postfix
// does (§4.1 leaves it to the MTA); relayed counts as SUCCESS.
bool notify_allows(std::string_view notify, Action action);

// The message reported on, as it was accepted.
struct Original {
  std::string_view from;       // the reverse path; "" (null) gets no report at all
  std::string_view envid;      // MAIL ... ENVID=, xtext as the client sent it; "" when absent
  std::string_view ret;        // MAIL ... RET=: "FULL", "HDRS" or ""
  std::string_view client_ip;  // the client that sent it (Received-From-MTA, ARF Source-IP)
  std::string_view helo;
  std::string_view queue_id;
  std::string_view data;  // the message as stored: header fields, blank line, body
  // `data` holds only the header fields: the message was larger than the returned bound.
  bool headers_only = false;
  TimePoint arrival{};
};

// One recipient's part of a DSN.
struct RecipientOutcome {
  std::string_view address;  // Final-Recipient
  std::string_view orcpt;    // RCPT ... ORCPT=, "rfc822;xtext" as sent; "" when absent
  Action action = Action::failed;
  smtp::Reply reply;  // Status (its enhanced code, else X.0.0) and Diagnostic-Code (every line)
  std::string_view remote_mta;  // Remote-MTA; "" names the recipient's domain
  TimePoint last_attempt{};
  std::optional<TimePoint> will_retry_until;  // for delayed
};

// Who writes the report, when, and its bounds.
struct Reporter {
  std::string_view hostname = "localhost";  // Reporting-MTA, From's domain, Message-ID's
  Style style = Style::postfix;
  TimePoint now{};
  std::uint64_t unique = 0;  // different for every report: its Message-ID and MIME boundary
  // The most of the original returned whole (message/rfc822); a larger one is returned as its
  // header fields only (text/rfc822-headers), themselves cut at this size. Postfix's
  // bounce_size_limit default.
  std::size_t max_returned = 50'000;
  std::string_view user_agent = "Bounceback";  // an ARF report's User-Agent (RFC 5965 §3.1)
};

// A generated message and its envelope.
struct Generated {
  std::string from;  // MAIL FROM: "" for the null reverse path
  std::string to;    // RCPT TO
  std::string data;  // the message
};

// A DSN about `rcpts` (one report for them all, RFC 3464 §2). The caller has checked that the
// reverse path is not null and that each recipient's NOTIFY asked for this action.
Generated delivery_status(const Reporter& reporter, const Original& original,
                          std::span<const RecipientOutcome> rcpts);

// An auto-reply (RFC 3834) from `recipient`; nullopt when §2 says not to answer: a null
// reverse path, an original that is itself automatic (Auto-Submitted other than "no"), or
// sent to a list or in bulk (Precedence bulk/list/junk, List-Id).
struct AutoReplyText {
  std::string_view subject;  // "" gives "Auto: " + the original's subject (RFC 3834 §3.1.5)
  std::string_view text;     // the body, UTF-8
};
std::optional<Generated> auto_reply(const Reporter& reporter, const Original& original,
                                    std::string_view recipient, const AutoReplyText& reply);

// A complaint report (RFC 5965) about the message sent to `recipient`, to its reverse path;
// nullopt for a null reverse path. `feedback_type` is one of RFC 5965 §7.3's: abuse, fraud,
// virus, other, not-spam (RFC 6430).
std::optional<Generated> complaint(const Reporter& reporter, const Original& original,
                                   std::string_view recipient, std::string_view feedback_type);
bool valid_feedback_type(std::string_view type);

}  // namespace bounceback::report
