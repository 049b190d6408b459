// The MIME text codecs rules and the API need besides base64 (smtp/base64.hpp): quoted-printable
// (RFC 2045 §6.7, and RFC 2047's header form) and the charsets turned into UTF-8 (UTF-8,
// US-ASCII, ISO-8859-1, ISO-8859-15, Windows-1252). Shared by encoded-words in headers, decoded
// message bodies and the API's message view.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bounceback::scenario {

enum class Charset { utf8, latin1, latin9, cp1252 };  // US-ASCII is UTF-8's subset

// "utf-8", "US-ASCII", "iso-8859-1", "latin1", "iso-8859-15", "windows-1252" (an RFC 2231
// "*language" suffix is ignored); nullopt for any other charset.
std::optional<Charset> known_charset(std::string_view name);

// Appends `bytes` in `charset` to `out` as UTF-8 (UTF-8 bytes are appended as they are).
void append_as_utf8(std::string_view bytes, Charset charset, std::string& out);

// Appends `bytes` to `out` with every byte that is not part of well-formed UTF-8 (RFC 3629 §4)
// replaced by U+FFFD, so that text of an unknown charset can still go into JSON.
void append_valid_utf8(std::string_view bytes, std::string& out);

// The value of a hexadecimal digit (either case), or -1: quoted-printable's and RFC 2231's
// escapes.
int hex_digit(char c);

// Header form (RFC 2047 §4.2: '_' is a space; a bad "=XX" is false) or body form (RFC 2045
// §6.7: "=" at the end of a line is a soft line break; a bad "=XX" is kept as written).
bool decode_quoted_printable(std::string_view in, std::string& out, bool header);

}  // namespace bounceback::scenario
