// The fixed replies of the protocol, prebuilt in wire form (Postfix wording, RFC 3463 codes).
#pragma once

#include <string_view>

namespace bounceback::smtp::replies {

using R = std::string_view;
inline constexpr R ok = "250 2.0.0 Ok\r\n";
inline constexpr R mail_ok = "250 2.1.0 Ok\r\n";
inline constexpr R rcpt_ok = "250 2.1.5 Ok\r\n";
inline constexpr R start_data = "354 End data with <CR><LF>.<CR><LF>\r\n";
inline constexpr R vrfy =
    "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n";
inline constexpr R help =
    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP VRFY QUIT STARTTLS AUTH\r\n";
inline constexpr R bye = "221 2.0.0 Bye\r\n";
inline constexpr R ready_tls = "220 2.0.0 Ready to start TLS\r\n";

inline constexpr R need_helo = "503 5.5.1 Error: send HELO/EHLO first\r\n";
inline constexpr R need_lhlo = "503 5.5.1 Error: send LHLO first\r\n";
// HELO and EHLO on an LMTP listener (RFC 2033 §4.1: the server must refuse them).
inline constexpr R helo_on_lmtp = "500 5.5.1 Error: this is LMTP, send LHLO\r\n";
inline constexpr R need_mail = "503 5.5.1 Error: need MAIL command\r\n";
inline constexpr R need_rcpt = "503 5.5.1 Error: need RCPT command\r\n";
inline constexpr R no_valid_rcpts = "554 5.5.1 Error: no valid recipients\r\n";
inline constexpr R nested_mail = "503 5.5.1 Error: nested MAIL command\r\n";
inline constexpr R data_after_bdat =
    "503 5.5.1 Error: DATA and BDAT cannot be mixed in one transaction\r\n";
inline constexpr R bdat_failed = "503 5.5.1 Error: BDAT transaction failed, send RSET\r\n";
inline constexpr R no_service = "503 5.5.1 Error: no SMTP service here, send QUIT\r\n";
inline constexpr R unknown_command = "502 5.5.2 Error: command not recognized\r\n";
inline constexpr R expn = "502 5.5.1 Error: EXPN is not supported\r\n";
// A command of an extension the server does not offer (BDAT without CHUNKING), as Postfix.
inline constexpr R not_implemented = "502 5.5.1 Error: command not implemented\r\n";
inline constexpr R line_too_long = "500 5.5.2 Error: line too long\r\n";
inline constexpr R helo_syntax = "501 5.5.4 Syntax: HELO hostname\r\n";
inline constexpr R ehlo_syntax = "501 5.5.4 Syntax: EHLO hostname\r\n";
inline constexpr R lhlo_syntax = "501 5.5.4 Syntax: LHLO hostname\r\n";
inline constexpr R mail_syntax = "501 5.5.4 Syntax: MAIL FROM:<address>\r\n";
inline constexpr R rcpt_syntax = "501 5.5.4 Syntax: RCPT TO:<address>\r\n";
inline constexpr R bdat_syntax = "501 5.5.4 Syntax: BDAT count [LAST]\r\n";
inline constexpr R no_arguments = "501 5.5.4 Syntax: this command takes no arguments\r\n";
inline constexpr R vrfy_syntax = "501 5.5.4 Syntax: VRFY address\r\n";
inline constexpr R bad_sender = "501 5.1.7 Bad sender address syntax\r\n";
inline constexpr R bad_recipient = "501 5.1.3 Bad recipient address syntax\r\n";
inline constexpr R bad_parameter = "501 5.5.4 Error: bad parameter value\r\n";
inline constexpr R unknown_parameter = "555 5.5.4 Error: parameter not recognized\r\n";
inline constexpr R too_many_rcpts = "452 4.5.3 Error: too many recipients\r\n";
inline constexpr R size_exceeded = "552 5.3.4 Message size exceeds fixed limit\r\n";
inline constexpr R message_too_big = "552 5.3.4 Error: message file too big\r\n";
inline constexpr R bare_lf =
    "550 5.6.0 Error: bare <LF> received; lines must end with <CR><LF>\r\n";
inline constexpr R pipelining_sync = "554 5.5.0 Error: SMTP protocol synchronization\r\n";
inline constexpr R store_failed = "451 4.3.0 Error: queue file write error\r\n";
// STARTTLS on a server that does not offer it: Postfix's reply when TLS is not enabled
// (smtpd.c, postscreen.c), "not implemented" rather than 454, which means "offered, but broken
// right now" and invites a retry (RFC 3207 §4).
inline constexpr R tls_not_offered = not_implemented;
inline constexpr R tls_active = "554 5.5.1 Error: TLS already active\r\n";
inline constexpr R tls_required = "530 5.7.0 Must issue a STARTTLS command first\r\n";
inline constexpr R auth_required = "530 5.7.0 Authentication required\r\n";
inline constexpr R auth_unavailable = "502 5.5.1 Error: authentication not enabled\r\n";
inline constexpr R auth_ok = "235 2.7.0 Authentication successful\r\n";
inline constexpr R auth_failed =
    "535 5.7.8 Error: authentication failed: authentication failure\r\n";
inline constexpr R auth_cancelled = "501 5.0.0 Error: authentication aborted\r\n";
inline constexpr R auth_bad_base64 = "501 5.5.2 Error: cannot decode response\r\n";
inline constexpr R auth_syntax = "501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n";
inline constexpr R auth_unknown_mechanism =
    "504 5.5.4 Error: unsupported authentication mechanism\r\n";
inline constexpr R auth_already = "503 5.5.1 Error: already authenticated\r\n";
inline constexpr R auth_in_transaction = "503 5.5.1 Error: MAIL transaction in progress\r\n";
inline constexpr R auth_needs_tls =
    "538 5.7.11 Encryption required for requested authentication mechanism\r\n";

}  // namespace bounceback::smtp::replies
