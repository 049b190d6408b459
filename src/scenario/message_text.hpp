// The text a `body` rule reads: the message's body as a mail client shows it, not as it
// travels. Quoted-printable and base64 are decoded, ISO-8859-1 becomes UTF-8, and of a
// multipart message (RFC 2046 §5.1) only the text parts count, joined by a line break.
#pragma once

#include <string>
#include <string_view>

namespace bounceback::scenario {

// The body of `message` decoded as above. A plain 7bit/8bit single-part body (most test
// mail) is returned as a view into `message`; otherwise the text is built in `storage`.
// Bounded: multipart nesting at 8 levels, 1,000 parts; the output is never longer than three
// times the message (a Windows-1252 byte can become three UTF-8 bytes).
std::string_view message_text(std::string_view message, std::string& storage);

}  // namespace bounceback::scenario
