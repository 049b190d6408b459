// Splits a command line into its verb and argument, and parses the MAIL/RCPT paths and
// ESMTP parameters (RFC 5321 §4.1.1–4.1.2, RFC 1870 SIZE, 6152 8BITMIME, 6531 SMTPUTF8,
// 3461 DSN, 4954 AUTH=).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "smtp/extensions.hpp"

namespace bounceback::smtp {

enum class Verb : std::uint8_t {
  helo,
  ehlo,
  lhlo,
  mail,
  rcpt,
  data,
  bdat,
  rset,
  noop,
  vrfy,
  expn,
  help,
  quit,
  starttls,
  auth,
  unknown
};

struct CommandRow;  // command_table.hpp

struct CommandLine {
  Verb verb = Verb::unknown;
  const CommandRow* row = nullptr;  // null for an unknown command
  std::string_view name;            // as the client spelled it
  std::string_view arg;  // after the verb and its separating space, trailing spaces removed
};

// ASCII case-insensitive equality, as SMTP keywords compare.
bool iequals(std::string_view a, std::string_view b);

// `line` excludes the CRLF. Verbs are case-insensitive (§2.4), looked up in command_table().
CommandLine parse_command(std::string_view line);

// Parameters of MAIL FROM.
struct MailParams {
  std::optional<std::uint64_t> size;  // SIZE=
  std::string body;                   // BODY=7BIT|8BITMIME|BINARYMIME, as given
  bool smtputf8 = false;
  std::string ret;    // RET=FULL|HDRS
  std::string envid;  // ENVID= (xtext, kept encoded)
  std::string auth;   // AUTH=<mailbox> (RFC 4954 §5)
};

// Parameters of RCPT TO.
struct RcptParams {
  std::string notify;  // NOTIFY=NEVER or SUCCESS,FAILURE,DELAY
  std::string orcpt;   // ORCPT=addr-type;xtext
};

// Why a path or its parameters were refused; each maps to one reply.
enum class PathError : std::uint8_t {
  none,
  syntax,             // 501 5.5.4 Syntax: MAIL FROM:<address>
  bad_address,        // 501 5.1.7 (sender) / 501 5.1.3 (recipient)
  bad_parameter,      // 501 5.5.4 Bad parameter value
  unknown_parameter,  // 555 5.5.4 parameter not recognized (§4.1.1.11)
};

struct MailCommand {
  PathError error = PathError::none;
  std::string_view detail;  // the offending parameter, for the reply text
  std::string address;      // "" for the null reverse path <>
  MailParams params;
};

struct RcptCommand {
  PathError error = PathError::none;
  std::string_view detail;
  std::string address;
  RcptParams params;
};

// `arg` is what follows the verb: "FROM:<a@b> SIZE=10", "TO:<c@d> NOTIFY=NEVER". A parameter
// of an extension not in `offered` is not recognized (555), as on a server without it.
MailCommand parse_mail(std::string_view arg, ExtensionSet offered = every_extension);
RcptCommand parse_rcpt(std::string_view arg, ExtensionSet offered = every_extension);

// Validates a mailbox "local@domain" (dot-atom or quoted local part; domain name or
// address literal; UTF-8 allowed per RFC 6531). Postmaster without a domain is valid for RCPT.
bool valid_mailbox(std::string_view address);

}  // namespace bounceback::smtp
