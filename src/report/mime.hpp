// What every generated message needs to be correct MIME (RFC 2045-2047, RFC 5322): header
// fields folded and free of control characters, CRLF line ends and no line over 998 octets,
// boundaries that cannot occur in the parts, and reading the original's header fields.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace bounceback::report {

// RFC 5322 §2.1.1: a line is at most 998 octets before its CRLF.
inline constexpr std::size_t max_line = 998;

// Appends "Name: value\r\n", the value's control characters (CR and LF included) made
// spaces, folded at spaces to `width` columns where it can be and never past 998. RFC 5322
// §2.1.1 asks for 78; a quoted reply line is kept whole (width max_line), as MTAs write
// Diagnostic-Code, since some parsers read such a field line by line.
void append_field(std::string& out, std::string_view name, std::string_view value,
                  std::size_t width = 78);

// The same for a value given in pieces ({"dns; ", host}), joined with no temporary string.
void append_field(std::string& out, std::string_view name,
                  std::initializer_list<std::string_view> value, std::size_t width = 78);

// Appends a continuation line of the field before it: four spaces and `value`, folded alike.
void append_continuation(std::string& out, std::string_view value, std::size_t width = 78);

// "<bb.<16 hex digits>@hostname>" (RFC 5322 §3.6.4).
std::string message_id(std::uint64_t unique, std::string_view hostname);

// Whether every line of `text` ends in CRLF (the last may have no end) and none is longer
// than 998 octets: append_lines() would copy it as it is.
bool clean_lines(std::string_view text);

// Appends `text` with every line end (CRLF, LF, or a lone CR) made CRLF, every line longer
// than 998 octets broken, and a final CRLF when the text does not end in one.
void append_lines(std::string& out, std::string_view text);

// "=_bb<hex>_<n>", with the smallest n for which it occurs in none of `parts`.
std::string boundary_for(std::uint64_t unique, std::initializer_list<std::string_view> parts);

// The header section of `message`: up to, not including, the empty line that ends it (the
// whole message when there is none).
std::string_view header_block(std::string_view message);

// The first field `name` (case-insensitive) of a header section, unfolded, spaces trimmed;
// "" when absent.
std::string header_value(std::string_view headers, std::string_view name);

// Whether any octet is outside US-ASCII.
bool has_8bit(std::string_view s);

// `text` as it may stand in a header field: as it is when printable US-ASCII, else as RFC
// 2047 UTF-8 "B" encoded-words, never splitting a UTF-8 sequence.
std::string encode_words(std::string_view text);

// RFC 3461 §4: xtext's "+HH" made the octet it stands for; anything else kept as it is.
std::string decode_xtext(std::string_view xtext);

// An ORCPT value ("rfc822;bob+2Bx@example.test") as an Original-Recipient value
// ("rfc822;bob+x@example.test"); "" when it has no ';'.
std::string original_recipient(std::string_view orcpt);

// `s` with every octet outside printable US-ASCII made '?' (a DSN's envelope id, RFC 3461 §4.4).
std::string printable(std::string_view s);

}  // namespace bounceback::report
