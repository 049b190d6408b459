// The ESMTP extensions the server can offer (RFC 5321 §4.1.1.1), as data: the EHLO keyword and
// what the server stops doing when a configuration leaves the extension out. A server that
// does not advertise an extension behaves without it (issue 17): its parameters get 555, its
// command is not implemented, its reply codes are not sent.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace bounceback::smtp {

enum class Extension : std::uint8_t {
  size,                 // RFC 1870: SIZE= on MAIL; the limit is advertised
  pipelining,           // RFC 2920: advertised only (commands are read in batches anyway)
  eightbitmime,         // RFC 6152: BODY= on MAIL
  smtputf8,             // RFC 6531: SMTPUTF8 on MAIL
  enhancedstatuscodes,  // RFC 2034: the server's own replies carry X.Y.Z codes
  chunking,             // RFC 3030: the BDAT command
  binarymime,           // RFC 3030: advertised only (BODY=BINARYMIME is read with 8BITMIME)
  dsn,                  // RFC 3461: RET= and ENVID= on MAIL, NOTIFY= and ORCPT= on RCPT
  starttls,             // RFC 3207: the STARTTLS command (offered before TLS only)
  auth,                 // RFC 4954: the AUTH command and AUTH= on MAIL
  vrfy,                 // RFC 5321 §3.5: advertised only (VRFY is answered either way)
  help,                 // RFC 5321 §4.1.1.8: advertised only (HELP is answered either way)
};
inline constexpr std::size_t extension_count = 12;

// A set of extensions, one bit each.
using ExtensionSet = std::uint16_t;
constexpr ExtensionSet bit(Extension e) {
  return static_cast<ExtensionSet>(1u << static_cast<unsigned>(e));
}
inline constexpr ExtensionSet every_extension = (1u << extension_count) - 1;

// The EHLO keyword of each extension, in enum order.
inline constexpr std::array<std::string_view, extension_count> extension_keywords{
    "SIZE",     "PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES",
    "CHUNKING", "BINARYMIME", "DSN",      "STARTTLS", "AUTH",
    "VRFY",     "HELP"};

inline constexpr std::string_view keyword(Extension e) {
  return extension_keywords[static_cast<std::size_t>(e)];
}

// The extension named `keyword` (ASCII case-insensitive, as EHLO keywords compare), or none.
std::optional<Extension> find_extension(std::string_view keyword);

// What the server advertises when nothing says otherwise, in this order.
inline constexpr std::array<Extension, 10> default_extensions{Extension::size,
                                                              Extension::pipelining,
                                                              Extension::eightbitmime,
                                                              Extension::smtputf8,
                                                              Extension::enhancedstatuscodes,
                                                              Extension::chunking,
                                                              Extension::dsn,
                                                              Extension::starttls,
                                                              Extension::auth,
                                                              Extension::vrfy};

ExtensionSet set_of(std::span<const Extension> list);

}  // namespace bounceback::smtp
