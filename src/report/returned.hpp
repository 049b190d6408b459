// The part of a report that returns the original message (RFC 3461 §4.3, RFC 3464 §2,
// RFC 5965 §2): whole or its header fields only, within the reporter's bound.
#pragma once

#include <string>
#include <string_view>

#include "report/report.hpp"

namespace bounceback::report {

struct Returned {
  std::string_view type;  // message/rfc822, text/rfc822-headers (RFC 6533's message/global,
                          // message/global-headers for an original whose header fields are 8-bit)
  // The part's body, CRLF, lines ≤ 998: the original itself when it is already so (no copy).
  std::string_view body() const { return copied ? std::string_view(copy) : original; }
  std::string_view original;
  std::string copy;
  bool copied = false;
  bool whole = false;  // the whole message, not its header fields
  bool cut = false;    // the header fields were longer than the bound and were cut
  bool eight_bit = false;
};

// The whole message when `want_whole` and it fits in `max`, else its header fields (cut at a
// line end within `max`). `headers_only`: `message` is already only the header fields.
Returned returned_content(std::string_view message, bool want_whole, std::size_t max,
                          bool headers_only = false);

// "The original message was too large..." when it could not be returned whole though asked.
std::string_view returned_note(const Returned& r, bool wanted_whole);

}  // namespace bounceback::report
