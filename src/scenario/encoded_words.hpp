// RFC 2047 encoded-words in header text ("=?UTF-8?B?...?=", "=?ISO-8859-1?Q?...?="), decoded
// so that rules and the API see a Subject as a mail client shows it.
#pragma once

#include <string>
#include <string_view>

namespace bounceback::scenario {

// `text` with every well-formed encoded-word in a known charset (text_codecs.hpp: UTF-8,
// US-ASCII, ISO-8859-1, ISO-8859-15, Windows-1252) decoded to UTF-8, and the whitespace between
// two adjacent encoded-words dropped (RFC 2047 §6.2). Anything else (other charsets, malformed
// words) stays as written. Never longer than three times `text` (a Windows-1252 byte becomes
// up to three UTF-8 bytes).
std::string decode_encoded_words(std::string_view text);

}  // namespace bounceback::scenario
