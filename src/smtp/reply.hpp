// An SMTP reply (RFC 5321 §4.2): a code, an optional enhanced status code (RFC 3463/2034)
// and one or more text lines, and its wire form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bounceback::smtp {

struct Reply {
  std::uint16_t code = 250;
  std::string enhanced;  // "2.1.0", or empty for replies that carry none (220, 354, 334)
  std::string text;      // lines separated by '\n'; a multi-line reply uses "code-" continuations

  // Appends the wire form: every line "CODE-X.Y.Z text\r\n", the last one "CODE X.Y.Z text\r\n".
  void append_to(std::string& out) const;
  std::string wire() const;
  // The reply as one line for logs and transcripts: lines joined with " / ".
  std::string summary() const;
};

// Parses "550 5.1.1 text", "550 text", "550-5.1.1 a\n550 5.1.1 b" or "550" into a Reply.
// Returns false when the text does not start with a 2xx-5xx code.
bool parse_reply(std::string_view text, Reply& out);

// True for "X.Y.Z" with X in {2,4,5}, Y 0..999, Z 0..999 (RFC 3463 §2).
bool is_enhanced_code(std::string_view s);

// Appends the wire reply `wire` (CRLF-terminated lines) to `out` with the enhanced code of
// every line left out: "250 2.1.0 Ok" becomes "250 Ok". A server that does not offer
// ENHANCEDSTATUSCODES sends its own replies so (RFC 2034 §3).
void append_without_enhanced_codes(std::string_view wire, std::string& out);

}  // namespace bounceback::smtp
