// The basic reply codes: RFC 5321 §4.2, its SMTP extensions (RFC 3207, 4954, 5248, 7504) and
// the three-digit numbers seen in the field (Exchange, GroupWise, bounce tables), as data.
// One row per code, sorted by code (checked at compile time) so lookup is a binary search.
#include "catalog/catalog.hpp"

namespace bounceback::catalog {
namespace {

constexpr std::string_view kSuccess = "success", kInformational = "informational",
                           kIntermediate = "intermediate", kTemporary = "temporary",
                           kPermanent = "permanent", kNotSmtp = "not_smtp";
constexpr std::string_view kRfc5321 = "RFC 5321 §4.2.2, §4.2.3";

// {code, class, bounce, meaning, action, note, standard enhanced, standard text, reference}
constexpr BasicCode kBasic[] = {
    {101, kNotSmtp, Bounce::soft,
     "Not an SMTP reply: the client could not open a connection to the server at all (wrong "
     "host name or port, no route to the network). No server ever answered.",
     "Check the server name, port and network path; the mailer should keep the message queued "
     "and retry. To reproduce it with bounceback, point the client at a closed port or use a "
     "`drop` rule on `connect`.",
     "Clients and bounce tables print it as a code, but no server sends it; 101 is also the "
     "Linux errno ENETUNREACH (network unreachable).",
     "", "", "field (client-side)"},
    {111, kNotSmtp, Bounce::soft,
     "Not an SMTP reply: the connection was refused, so no SMTP session could start (nothing "
     "listening, or a firewall rejecting the connection).",
     "Check the host, port and firewall rules, and that the server is running; the mailer "
     "should retry later. To reproduce it, stop the listener (refused connection) or use a "
     "`drop` rule on `connect`.",
     "111 is the Linux errno ECONNREFUSED, which some clients show as if it were a reply code.", "",
     "", "field (client-side)"},
    {120, kNotSmtp, Bounce::none,
     "Not an SMTP reply: SMTP defines no 1xx replies (RFC 5321 §4.2.1 notes that no SMTP command "
     "allows a positive preliminary reply).",
     "Treat any such number as a client- or vendor-specific status, and look at the client's own "
     "logs for what happened.",
     "Some web tables list 120 as a pending delivery; no RFC or common server defines it.", "", "",
     "field (unverified)"},
    {130, kNotSmtp, Bounce::none,
     "Not an SMTP reply: SMTP defines no 1xx replies, so 130 comes from a client or a tool, not "
     "from a mail server.",
     "Look at the sending client's logs; there is nothing to fix on the receiving side.",
     "Some web tables list 130 as a delivery without confirmation; no RFC or common server "
     "defines it.",
     "", "", "field (unverified)"},
    {211, kInformational, Bounce::none,
     "System status or help reply, for example an answer to HELP with no argument.",
     "Nothing to do; it carries information for a human.",
     "RFC 5321 puts it in the 2yz (positive completion) class; its second digit 1 marks "
     "information rather than a completed mail action.",
     "2.0.0", "System status: ok", kRfc5321},
    {214, kInformational, Bounce::none,
     "Help message: information about the server or a command, usually in answer to HELP.",
     "Nothing to do; it is meant for a person reading the session.",
     "A 2yz reply in RFC 5321; often points to a web page.", "2.0.0",
     "See https://www.rfc-editor.org/rfc/rfc5321", kRfc5321},
    {220, kSuccess, Bounce::none,
     "Service ready: the server's greeting when a connection opens, and the go-ahead after "
     "STARTTLS.",
     "Proceed with EHLO (or with the TLS handshake after STARTTLS).",
     "After STARTTLS, Postfix answers `220 2.0.0 Ready to start TLS` (RFC 3207).", "",
     "Service ready", kRfc5321},
    {221, kSuccess, Bounce::none,
     "The server is closing the connection, normally in answer to QUIT.",
     "Nothing to do; the session ended cleanly.", "", "2.0.0", "Bye", kRfc5321},
    {235, kSuccess, Bounce::none, "Authentication succeeded (AUTH).",
     "Continue with the mail transaction.", "", "2.7.0", "Authentication successful",
     "RFC 4954 §6"},
    {250, kSuccess, Bounce::none,
     "Requested action okay, completed. After the end of DATA it means the server has taken "
     "responsibility for the message.",
     "Nothing to do; for a message, delivery to this server succeeded.",
     "A 250 at end of DATA is a promise: the server must not lose the message afterwards.", "2.0.0",
     "Ok", kRfc5321},
    {251, kSuccess, Bounce::none,
     "User not local; the server accepts the recipient and will forward the message.",
     "Nothing to do; optionally update the address if a new one is given.",
     "Rarely sent by modern servers.", "2.1.5", "User not local; will forward", kRfc5321},
    {252, kSuccess, Bounce::none,
     "The server cannot verify the user (VRFY) but will accept mail for it and try to deliver.",
     "Send the message normally; VRFY results are not a reliable address check.",
     "Most servers answer VRFY this way so they do not reveal which mailboxes exist.", "2.0.0",
     "Cannot VRFY user, but will accept message and attempt delivery", kRfc5321},
    {334, kIntermediate, Bounce::none,
     "AUTH challenge: the server waits for the next step of the authentication exchange (the "
     "text is base64).",
     "Send the base64 response the mechanism requires, or `*` to cancel.", "", "", "VXNlcm5hbWU6",
     "RFC 4954 §4"},
    {354, kIntermediate, Bounce::none,
     "Start mail input: the server accepted DATA and waits for the message, ended by a line "
     "holding a single dot.",
     "Send the message, dot-stuffed, then <CRLF>.<CRLF>.", "", "",
     "End data with <CR><LF>.<CR><LF>", kRfc5321},
    {420, kTemporary, Bounce::soft,
     "Timeout or connection problem during the transfer; a non-standard code sent by Novell "
     "GroupWise servers.",
     "Retry later. If it persists, ask the receiving side whether a firewall or hardware fault "
     "cuts the connection.",
     "Not defined by any RFC; only GroupWise is known to send it.", "4.4.2",
     "Timeout - connection problem", "field (GroupWise)"},
    {421, kTemporary, Bounce::soft,
     "Service not available: the server is closing the connection (overload, maintenance, too "
     "many connections, idle timeout, or a temporary block).",
     "Retry later from the queue with back-off; do not treat the recipients as failed.",
     "The server may send 421 at any point and then close; a client must handle it after any "
     "command. Greylisting and rate limits often use it.",
     "4.3.2", "Service not available, closing transmission channel", kRfc5321},
    {422, kTemporary, Bounce::soft,
     "The recipient's mailbox is over its storage limit (non-standard code).",
     "Retry later; if it lasts, tell the recipient by another channel to free space.",
     "Not in RFC 5321; the standard way is 452 or 552 with 4.2.2/5.2.2.", "4.2.2",
     "Recipient mailbox is over quota", "field"},
    {431, kTemporary, Bounce::soft,
     "The receiving server is short of disk space or memory (non-standard code).",
     "Retry later; when sending in bulk, send in smaller batches.",
     "Seen in bounce tables for Exchange; RFC servers use 452 4.3.1.", "4.3.1",
     "Insufficient system storage", "field (Exchange)"},
    {432, kTemporary, Bounce::soft,
     "Exchange: the recipient server's incoming mail queue has been stopped. RFC 4954 also uses "
     "432 with 4.7.12: a password transition is needed before this mechanism can be used.",
     "Retry later and contact the recipient's administrators if it persists; for AUTH, log in "
     "once with a plain mechanism over TLS to complete the transition.",
     "Two unrelated meanings: the Exchange queue stop in the field, the AUTH one in RFC 4954.",
     "4.3.2", "Incoming mail queue has been stopped", "field (Exchange); RFC 4954 §6"},
    {441, kTemporary, Bounce::soft, "The recipient's server is not responding (non-standard).",
     "Retry later; the sending server normally does so by itself.",
     "The dotless form of 4.4.1, No answer from host.", "4.4.1", "No answer from host", "field"},
    {442, kTemporary, Bounce::soft, "The connection was lost during the transfer (non-standard).",
     "Retry; if it keeps happening, look at the network path (router, firewall, proxy).",
     "The dotless form of 4.4.2, Bad connection.", "4.4.2", "Connection lost during transmission",
     "field"},
    {446, kTemporary, Bounce::soft,
     "The maximum hop count was exceeded: the message is looping between servers "
     "(non-standard).",
     "Ask the mail administrators to fix the forwarding or routing loop.",
     "The dotless form of 4.4.6, Routing loop detected; Exchange reports loops this way.", "4.4.6",
     "Maximum hop count exceeded, routing loop detected", "field (Exchange)"},
    {447, kTemporary, Bounce::soft,
     "The outgoing message timed out because of problems with the receiving server "
     "(non-standard).",
     "Retry later; if the message had many recipients, split them across several messages.",
     "The dotless form of 4.4.7, Delivery time expired.", "4.4.7", "Message delivery time expired",
     "field (Exchange)"},
    {449, kTemporary, Bounce::soft, "A routing error (non-standard, Microsoft Exchange).",
     "Check the connector and DNS (MX) configuration on the Exchange side; retry later.",
     "Only Exchange is known to send it.", "4.4.0", "Routing error", "field (Exchange)"},
    {450, kTemporary, Bounce::soft,
     "Requested mail action not taken: the mailbox is unavailable for now (busy, locked, or "
     "temporarily blocked by policy, e.g. greylisting or an IP reputation check).",
     "Retry later with back-off; check the sending IP's reputation if it lasts.",
     "Postfix answers 450 4.7.1 when it cannot resolve the client's host name, and 450 4.1.1 "
     "for an address it could not verify yet.",
     "4.2.0", "Requested mail action not taken: mailbox unavailable", kRfc5321},
    {451, kTemporary, Bounce::soft,
     "Requested action aborted: local error in processing on the receiving side (overload, a "
     "failed lookup, a filter error, or greylisting).",
     "Retry later; it usually clears. If it never does, ask the receiving side.",
     "Greylisting servers commonly answer 451 4.7.1 on the first attempt and accept the "
     "retry.",
     "4.3.0", "Requested action aborted: local error in processing", kRfc5321},
    {452, kTemporary, Bounce::soft,
     "Requested action not taken: insufficient system storage, or too many recipients in this "
     "transaction.",
     "Retry later; on too many recipients, send the remaining ones in a new transaction.",
     "RFC 5321 §4.5.3.1.10: the right reply for too many recipients is 452 (4.5.3), not 552.",
     "4.3.1", "Insufficient system storage", kRfc5321},
    {454, kTemporary, Bounce::soft,
     "TLS not available for a temporary reason (STARTTLS), or a temporary authentication "
     "failure (AUTH).",
     "Retry later; a client that requires TLS must not fall back to plaintext.", "", "4.7.0",
     "TLS not available due to temporary reason", "RFC 3207 §4; RFC 4954 §6"},
    {455, kTemporary, Bounce::soft,
     "The server cannot accommodate the MAIL or RCPT parameters right now.",
     "Retry later, or without the parameter if it is optional.", "", "4.5.4",
     "Server unable to accommodate parameters", kRfc5321},
    {471, kTemporary, Bounce::soft,
     "A local error on the mail server, often in its anti-spam or content filter "
     "(non-standard).",
     "Retry later; if it persists, ask the operator of the server that sent it.",
     "Not defined by any RFC.", "4.7.0", "Temporary local problem, please try again later",
     "field"},
    {500, kPermanent, Bounce::hard,
     "Syntax error: the command was not recognized, or the line was too long.",
     "Fix the client: send valid commands within the line-length limits.",
     "Some bounce tables list 500 as 'address does not exist'; per RFC 5321 it is a command "
     "syntax error, and a firewall or antivirus rewriting the session can cause it.",
     "5.5.2", "Syntax error, command unrecognized", kRfc5321},
    {501, kPermanent, Bounce::hard,
     "Syntax error in the parameters or arguments, for example a malformed address in MAIL FROM "
     "or RCPT TO.",
     "Correct the address or argument and send again.", "", "5.5.4",
     "Syntax error in parameters or arguments", kRfc5321},
    {502, kPermanent, Bounce::hard, "Command not implemented by this server.",
     "Do not use the command with this server (check the EHLO capabilities first).", "", "5.5.1",
     "Command not implemented", kRfc5321},
    {503, kPermanent, Bounce::hard,
     "Bad sequence of commands, e.g. RCPT before MAIL, DATA without a valid recipient, or "
     "MAIL before the required AUTH.",
     "Fix the client's command order; authenticate first if the server requires it.",
     "Postfix: `503 5.5.1 Error: need RCPT command`.", "5.5.1", "Bad sequence of commands",
     kRfc5321},
    {504, kPermanent, Bounce::hard,
     "Command parameter not implemented, e.g. an unsupported AUTH mechanism.",
     "Use a parameter or mechanism the server advertises.",
     "Some tables call it a timeout; RFC 5321 defines it as an unimplemented parameter.", "5.5.4",
     "Command parameter not implemented", kRfc5321},
    {510, kPermanent, Bounce::hard,
     "Bad email address (non-standard): one of the recipient addresses does not exist.",
     "Check the recipient addresses for typos and remove the bad one.",
     "The dotless form of 5.1.0; real servers send 550 5.1.0 or 550 5.1.1.", "5.1.0",
     "Address rejected", "field"},
    {511, kPermanent, Bounce::hard,
     "Bad recipient mailbox address (non-standard): the mailbox does not exist.",
     "Correct the address or remove it from the list.",
     "The dotless form of 5.1.1; real servers send 550 5.1.1.", "5.1.1",
     "Bad destination mailbox address", "field"},
    {512, kPermanent, Bounce::hard,
     "The recipient's domain cannot be found in DNS (non-standard code).",
     "Check the domain part of the address for typos (e.g. .con for .com).",
     "The dotless form of 5.1.2.", "5.1.2", "Bad destination system address: domain not found",
     "field"},
    {513, kPermanent, Bounce::hard,
     "The address type or syntax is incorrect (non-standard); sometimes sent when the server "
     "requires authentication.",
     "Correct the address syntax; if it is fine, configure SMTP authentication.",
     "The dotless form of 5.1.3.", "5.1.3", "Bad destination mailbox address syntax", "field"},
    {521, kPermanent, Bounce::hard,
     "This host does not accept mail at all (sent at connection time).",
     "Do not retry this host; deliver to another MX or report the address as undeliverable.", "",
     "5.3.2", "Host does not accept mail", "RFC 7504 §3"},
    {523, kPermanent, Bounce::hard,
     "Encryption needed: the requested authentication mechanism requires a security layer such "
     "as TLS first (RFC 5248 with 5.7.10).",
     "Issue STARTTLS before AUTH, or use a stronger mechanism.",
     "Bounce tables also use 523 as the dotless 5.2.3: the total size of the message exceeds "
     "the recipient server's limit; send smaller messages or split the recipient list.",
     "5.7.10", "Encryption needed", "RFC 5248; field"},
    {525, kPermanent, Bounce::hard,
     "The user's account is disabled (authentication succeeded but the account may not be "
     "used).",
     "Contact the administrator of the account.", "", "5.7.13", "User account disabled",
     "RFC 5248"},
    {530, kPermanent, Bounce::hard,
     "Authentication required: the server does not accept this command before AUTH (or before "
     "STARTTLS).",
     "Configure the client with a user name and password (and TLS). If it already "
     "authenticates, check that the sending IP is not blocklisted and the addresses are "
     "valid.",
     "Postfix sends `530 5.7.0 Must issue a STARTTLS command first` when TLS is required. It "
     "concerns the sender's setup, not the recipient address.",
     "5.7.0", "Authentication required", "RFC 4954 §6; RFC 3207 §4"},
    {534, kPermanent, Bounce::hard,
     "The authentication mechanism is too weak for the server's policy.",
     "Use a stronger mechanism, or authenticate over TLS.",
     "Gmail sends 534 5.7.9 when an application password is needed.", "5.7.9",
     "Authentication mechanism is too weak", "RFC 4954 §6"},
    {535, kPermanent, Bounce::hard, "Authentication credentials invalid.",
     "Fix the user name or password; do not retry the same credentials in a loop.",
     "A sender-side setup problem, not a recipient bounce.", "5.7.8",
     "Authentication credentials invalid", "RFC 4954 §6"},
    {538, kPermanent, Bounce::hard,
     "Encryption is required for the requested authentication mechanism.", "Start TLS before AUTH.",
     "", "5.7.11", "Encryption required for requested authentication mechanism", "RFC 4954 §6"},
    {541, kPermanent, Bounce::hard,
     "The recipient's server rejected the message, typically by its anti-spam filter "
     "(non-standard code).",
     "Review content and sender reputation; ask the recipient to allow-list the sender.",
     "As a dotless code it would be 5.4.1 (no answer from host); Microsoft 365 does send "
     "550 5.4.1 'Recipient address rejected: Access denied' for unknown recipients.",
     "5.7.1", "Message rejected as spam by content filter", "field"},
    {550, kPermanent, Bounce::hard,
     "Requested action not taken: mailbox unavailable. Most often the recipient does not exist; "
     "also used for policy refusals (relay denied, blocklisted sender, failed authentication).",
     "Read the enhanced code: on 5.1.1 remove the address from the list and reach the recipient "
     "another way; on 5.7.x fix the sender's authentication or reputation.",
     "The enhanced code tells the cases apart: 5.1.1 unknown user, 5.7.1 policy, 5.7.26 "
     "authentication (DMARC).",
     "5.1.1", "Recipient address rejected: User unknown", kRfc5321},
    {551, kPermanent, Bounce::hard,
     "User not local: the server will not forward; the reply may suggest another address.",
     "Send to the suggested address, or contact the recipient for the right one.",
     "Some servers use it to refuse relaying for addresses they do not host.", "5.1.6",
     "User not local; please try another path", kRfc5321},
    {552, kPermanent, Bounce::soft,
     "Requested mail action aborted: exceeded storage allocation (the mailbox is full, or the "
     "message is larger than allowed).",
     "For a full mailbox, retry in a later campaign and suppress the address if it lasts; for "
     "a size limit, send a smaller message (link large attachments).",
     "Permanent per RFC 5321, but a full mailbox usually clears, so senders commonly treat it "
     "as a soft bounce. RFC 5321 §4.5.3.1.10 also says clients should treat 552 for too many "
     "recipients as temporary.",
     "5.2.2", "Mailbox full", kRfc5321},
    {553, kPermanent, Bounce::hard,
     "Requested action not taken: mailbox name not allowed (bad address syntax, or a sender "
     "address the server refuses).",
     "Check the From and recipient addresses for syntax errors; make sure the sender domain is "
     "set up (SPF, DKIM) and allowed for the account.",
     "Postfix uses `553 5.7.1 Sender address rejected: not owned by user` for login mismatch.",
     "5.1.3", "Requested action not taken: mailbox name not allowed", kRfc5321},
    {554, kPermanent, Bounce::hard,
     "Transaction failed: the server refuses the message, commonly as spam, for a blocklisted "
     "IP or domain, or a virus. As a greeting, it means no SMTP service here.",
     "Check blocklists and sender authentication (SPF, DKIM, DMARC), review the content, and "
     "request delisting where needed before sending again.",
     "The address itself may be valid; many senders do not suppress it on a policy block.", "5.7.1",
     "Message refused: local policy violation", kRfc5321},
    {555, kPermanent, Bounce::hard,
     "MAIL FROM or RCPT TO parameters not recognized or not implemented.",
     "Send only the parameters the server advertised in its EHLO reply.", "", "5.5.4",
     "MAIL FROM/RCPT TO parameters not recognized or not implemented", kRfc5321},
    {556, kPermanent, Bounce::hard,
     "The recipient's domain does not accept mail (it publishes a null MX).",
     "Do not retry; the address cannot receive mail.", "", "5.1.10",
     "Recipient address has null MX", "RFC 7504 §3; RFC 7505"},
    {911, kNotSmtp, Bounce::hard,
     "Not an SMTP reply: a pseudo-code some email service providers use for a hard bounce whose "
     "original code could not be found (an invalid address, or a rejection by the sender's own "
     "server, e.g. a sending limit).",
     "Look for the original reply in the provider's logs before suppressing the address.",
     "Provider-specific; no RFC defines it.", "", "", "field (ESP)"},
};

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < std::size(kBasic); ++i)
    if (kBasic[i - 1].code >= kBasic[i].code) return false;
  return true;
}
static_assert(sorted_and_unique(), "kBasic must be sorted by code, one row per code");

}  // namespace

std::span<const BasicCode> basic_codes() {
  return kBasic;
}

}  // namespace bounceback::catalog
