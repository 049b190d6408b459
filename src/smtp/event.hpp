// The decision seam: every protocol event is shown to a Policy before the normal handler
// runs, and the Policy may replace the reply, delay or drip it, or close the connection.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "smtp/command.hpp"
#include "smtp/faults.hpp"
#include "smtp/reply.hpp"

namespace bounceback::smtp {

enum class EventKind : std::uint8_t {
  connect,   // before the banner
  helo,      // HELO, EHLO, LHLO
  starttls,  // STARTTLS, before 220
  auth,      // AUTH, once the credentials are known (before 235/535)
  mail,
  rcpt,
  data,     // DATA or the first BDAT of a transaction, before 354 / reading the chunk
  message,  // after the final "." or BDAT LAST, before 250
  rset,
  noop,
  vrfy,
  quit,
  unknown,  // unrecognised command
};
inline constexpr std::size_t event_kind_count = 13;

inline constexpr std::array<std::string_view, event_kind_count> event_kind_names{
    "connect", "helo", "starttls", "auth", "mail", "rcpt",   "data",
    "message", "rset", "noop",     "vrfy", "quit", "unknown"};

inline constexpr std::string_view to_string(EventKind k) {
  return event_kind_names[static_cast<std::size_t>(k)];
}
std::optional<EventKind> parse_event_kind(std::string_view name);

// A question the Policy cannot answer at once (the stateful tables kept in Redis, shared by
// replicas): the transport starts it and, once it calls back, the session decides the same
// event again with the answer (Event::answer). The session only pauses; the asking is done
// outside the pure core.
class Inquiry {
 public:
  virtual ~Inquiry() = default;
  // Calls `done` exactly once, from any thread, within a bounded time (a failure is an answer).
  virtual void start(std::function<void()> done) = 0;
};

// What is known about the connection; lives as long as the session.
struct SessionFacts {
  std::string id;            // unique, printable; also used in queue ids
  std::uint64_t number = 0;  // 1, 2, 3… in order of connection (seeds reproducible randomness)
  std::string client_ip;     // "127.0.0.1", "::1"
  std::uint16_t client_port = 0;
  std::string helo;  // the last HELO/EHLO argument
  bool esmtp = false;
  bool lmtp = false;  // came in on an LMTP listener (RFC 2033): LHLO, a reply per recipient
  bool tls = false;
  std::string tls_version, tls_cipher;
  std::string auth_user;       // empty when not authenticated
  std::uint32_t messages = 0;  // messages accepted so far in this session
};

// One protocol event, as the Policy sees it. Views point into the session; valid during decide().
struct Event {
  EventKind kind = EventKind::connect;
  const SessionFacts* session = nullptr;
  std::string_view server_name;        // --hostname or the scenario's: "421 <domain> ..." (§4.2)
  std::uint32_t sequence = 0;          // nth event of this session (1-based)
  std::string_view argument;           // the command's argument (for unknown: the whole line)
  std::string_view from;               // reverse path of the transaction ("" for <>)
  std::string_view rcpt;               // at rcpt: the recipient being added
  std::span<const std::string> rcpts;  // recipients accepted so far
  std::span<const RcptParams> rcpt_params;  // beside rcpts: each one's NOTIFY and ORCPT
  std::uint32_t nth_message = 0;            // 1-based index of the current transaction's message
  std::uint64_t size = 0;                   // SIZE= at mail/rcpt/data, actual bytes at message
  std::string_view queue_id;                // of the current transaction
  std::string_view message;                 // at message: the whole message (headers and body)
  std::string_view auth_mechanism;          // at auth
  // The session can pause this event for an Inquiry (not inside AUTH, BDAT or LMTP's
  // per-recipient replies: those are decided at once).
  bool may_wait = false;
  const Inquiry* answer = nullptr;  // the answered Inquiry, when the event is decided again
};

// The Policy's answer. The default means "proceed normally".
struct Decision {
  std::optional<Reply> reply;          // replaces the normal reply
  std::chrono::milliseconds delay{0};  // before the reply is sent
  std::chrono::milliseconds drip{0};   // send the reply one byte per interval
  bool disconnect = false;             // close after the reply
  bool drop = false;                   // close without replying
  bool hang = false;                   // never reply; the client has to time out
  Fault fault;                         // the MX's own faults (faults.hpp); with drop: reset
  int rule = -1;                       // index of the matching rule, -1 for none
  // What the Policy keeps alive from decide() to replied(), which a message's store may
  // separate by a scenario swap: the rule engine pins the scenario whose rule will react to
  // the message later (DSNs). Null, and free, for every other decision.
  std::shared_ptr<const void> pinned;
  // `rule` of the scenario's own success reply ([server] replies): on EHLO its one line is
  // the greeting line, and the capability list follows it.
  static constexpr int server_reply = -2;
  // Set when the Policy needs an answer first (only for an event that may_wait): the session
  // takes it (and deletes it once the event is decided again), pauses (Output::Then::consult),
  // and the transport starts it. A plain pointer: a Decision is copied and moved on every
  // command, and an owning one cost ~50 instructions per decision.
  Inquiry* inquiry = nullptr;

  bool proceeds() const {
    return !reply && delay.count() == 0 && drip.count() == 0 && !disconnect && !drop && !hang &&
           !fault.any() && !inquiry;
  }
};

// How a transaction with accepted recipients ended before its message was answered (for the
// attempt log): the client ended it, or the connection ended under it.
enum class Ending : std::uint8_t {
  abandoned,    // RSET, QUIT, HELO/EHLO or STARTTLS (the event's kind says which)
  client_left,  // the client closed the connection, or a write to it failed
  closed,       // the server closed it on its own: an idle timeout, a shutdown, too many
                // errors (its last reply is `wire`), or a delay interrupted by one of them
};

// What became of a paced reply (Policy::sent).
enum class Sent : std::uint8_t {
  delivered,    // written to a client still there
  client_gone,  // written after the client had closed the connection, or the write failed
  not_sent,     // the server closed first (a timeout or shutdown cut the delay short)
};

// Decides how to answer events. Called from many sessions at once: implementations are
// thread-safe. `replied` reports the reply decided on, in wire form (CRLF-terminated
// lines), for the attempt log and metrics; it is called for mail, rcpt, data and message,
// for connect and helo when the reply refuses (4xx/5xx) or a disconnect follows it, and with
// an empty `wire` for any event the decision drops or hangs (no reply was sent). A drop or
// hang at `message` comes after the message was stored (docs/scenarios.md).
class Policy {
 public:
  virtual ~Policy() = default;
  virtual Decision decide(const Event& event) = 0;
  virtual void replied(const Event&, std::string_view /*wire*/, const Decision&) {}
  // A 4xx/5xx the session gave MAIL, RCPT, DATA or BDAT on its own, without asking decide()
  // (syntax, sequence, size and recipient limits, TLS or AUTH required): for logs and
  // metrics. The event's sequence is not advanced; at rcpt, `rcpt` is the raw argument when
  // it did not parse.
  virtual void refused(const Event&, std::string_view /*wire*/) {}
  // Any other 4xx/5xx sent without replied() or refused(): the session's own (an unknown
  // command, AUTH's failure, a line too long, too many errors, a timeout's 421) and a
  // scenario's refusal of NOOP, RSET, VRFY, STARTTLS, QUIT or an unknown command. `event`
  // carries the kind of the command answered (unknown when it was not read): for the
  // refusal log only, never the attempt log.
  virtual void refused_other(const Event&, std::string_view /*wire*/) {}
  // The transaction of `event` (its `from` and accepted `rcpts`, never empty) ended before
  // its message was answered; `wire` is the server's last reply when it closed (`closed`).
  // Not called when a reply already ended it (a refusal, a drop, a hang, a 421).
  virtual void ended(const Event&, Ending, std::string_view /*wire*/) {}
  // A reply given to replied() with a delay or drip was written out (reported the moment its
  // last byte was), or was not. Replies without pacing go out at once and are not reported.
  // The event carries the kind, the session and the sequence of the one replied to.
  virtual void sent(const Event&, Sent) {}
};

// The policy of a plain, accepting MX.
class AcceptAll final : public Policy {
 public:
  Decision decide(const Event&) override { return {}; }
};

}  // namespace bounceback::smtp
