// A message the server accepted: envelope, DSN parameters, the exact bytes, and the facts
// of the session that delivered it. The session hands it out (Output::Then::store) and
// answers 250 only once the MessageSink holds it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "smtp/command.hpp"

namespace bounceback::smtp {

struct Recipient {
  std::string address;
  RcptParams params;  // DSN NOTIFY/ORCPT
};

struct AcceptedMessage {
  std::string queue_id;
  std::string from;  // "" for the null reverse path
  MailParams params;
  std::vector<Recipient> rcpts;
  // Dot-unstuffed, exactly as accepted; the store prepends its Received header (RFC 5321 §4.4).
  std::string data;
  std::string session_id, client_ip, helo, tls_version, tls_cipher, auth_user;
  std::string server_hostname;  // the name the server gave in its banner (Received "by")
  bool esmtp = false;           // greeted with EHLO (Received "with ESMTP"), else HELO
  bool lmtp = false;            // came over LMTP (Received "with LMTP", RFC 3848)
  bool tls = false;
  bool chunked = false;  // arrived by BDAT (RFC 3030)
  // "" for a message a client sent; "dsn", "auto-reply" or "complaint" for one Bounceback
  // wrote in reaction to another (docs/scenarios.md, "Accepted now, bounced later").
  std::string generated;
  std::string about;  // a generated message's original: its queue id ("" otherwise)
};

// Where accepted messages go. store() returns only once the message is safe (in memory,
// and on disk when a spool is configured); false makes the server answer 451 4.3.0.
class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual bool store(AcceptedMessage&& message) = 0;
};

struct SessionFacts;  // smtp/event.hpp

// Receives the transcript: each command line in (AUTH secrets redacted) and each reply out.
class TranscriptSink {
 public:
  virtual ~TranscriptSink() = default;
  virtual void line(bool inbound, std::string_view text) = 0;
  // The session's facts each time they change (greeting, TLS, AUTH, a message accepted), so
  // that an open session is shown as it is, not as it began.
  virtual void facts(const SessionFacts&) {}
};

}  // namespace bounceback::smtp
