// The Received trace header a receiving MX prepends to each message (RFC 5321 §4.4), with the
// "with" protocol names of RFC 3848. Pure: the caller supplies the time of receipt.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/message.hpp"

namespace bounceback::smtp {

// "SMTP" after HELO; after EHLO "ESMTP", plus "S" over TLS and "A" once authenticated.
std::string_view with_protocol(bool esmtp, bool tls, bool authenticated, bool lmtp = false);

// "Mon, 30 Nov 2026 09:54:36 +0000" (RFC 5322 §3.3, in UTC).
std::string rfc5322_date(std::chrono::system_clock::time_point at);
// The same in a buffer of its own, for writers that should not allocate for it.
struct DateText {
  char text[32];
  std::uint8_t size = 0;
  std::string_view view() const { return {text, size}; }
};
DateText rfc5322_date_text(std::chrono::system_clock::time_point at);

// The whole header, folded, ending in CRLF:
//   Received: from HELO ([IP])
//   	(using TLSv1.3 with cipher ...)                    only over TLS
//   	by HOSTNAME (Bounceback) with ESMTPS id QUEUEID
//   	for <rcpt>; DATE                                    "for" only with one recipient
// Client-supplied text (HELO, recipient) is bounded and its control characters replaced, so
// it can never end the header early.
std::string received_header(const AcceptedMessage& m, std::chrono::system_clock::time_point at);
// Writes that header in front of m.data, in place when its room holds it (a large message's
// does: smtp/message_room.hpp), without building it as a string first.
void prepend_received_header(AcceptedMessage& m, std::chrono::system_clock::time_point at);

}  // namespace bounceback::smtp
