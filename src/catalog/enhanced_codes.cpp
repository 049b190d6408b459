// The enhanced status codes of RFC 3463 and the IANA registry (RFC 5248 and later), as data:
// one row per code, generic ("X.1.1": class from the query) or class-specific ("4.7.1") where a
// class needs its own text or advice. Sorted by (subject, detail, class), checked at compile time.
#include "catalog/catalog.hpp"
#include "catalog/key.hpp"

namespace bounceback::catalog {
namespace {

constexpr std::string_view k3463 = "RFC 3463", k4954 = "RFC 4954", k5248 = "RFC 5248",
                           k6531 = "RFC 6531", k6710 = "RFC 6710", k7293 = "RFC 7293",
                           k7372 = "RFC 7372";
// Codes outside the registry that a provider sends (its own numbering within a subject).
constexpr std::string_view kMicrosoft = "field (Microsoft Outlook.com, Exchange Online)";
constexpr std::string_view kSeedSoft =
    "Some bounce-classification tables count this 5.x.x code as a soft bounce because the "
    "address may work again later; it is still permanent per RFC 3463.";

// {code, meaning, action, note, standard text, reference[, field_soft]}
constexpr EnhancedCode kEnhanced[] = {
    // X.0.X Other or undefined status
    {"X.0.0", "Other or undefined status: only the class (success, temporary, permanent) is known.",
     "Act on the class and read the reply text for details.", "", "Other undefined status", k3463},
    {"2.0.0", "Success, with nothing more specific to report.", "Nothing to do.", "", "Ok", k3463},
    // X.1.X Addressing status
    {"X.1.0", "Something about the sender or recipient address is wrong, with no more detail.",
     "Check both addresses for typos and validity.", "", "Address rejected", k3463},
    {"2.1.0", "The sender address was accepted (usual answer to MAIL FROM).", "Nothing to do.", "",
     "Ok", k3463},
    {"X.1.1", "Bad destination mailbox address: the recipient's mailbox does not exist.",
     "Remove the address from the list, or get the right one from the recipient.",
     "The classic hard bounce. A 4.1.1 means the server could not verify the address yet.",
     "Recipient address rejected: User unknown", k3463},
    {"X.1.2",
     "Bad destination system address: the recipient's domain does not exist or cannot take "
     "mail.",
     "Check the domain part of the address for typos.", "",
     "Recipient address rejected: Domain not found", k3463},
    {"X.1.3", "Bad destination mailbox address syntax.",
     "Correct the address; it is not a valid mailbox.", "",
     "Recipient address rejected: Bad destination mailbox address syntax", k3463},
    {"X.1.4", "The destination address is ambiguous: it matches several mailboxes.",
     "Use a more specific address.", "", "Recipient address is ambiguous", k3463},
    {"X.1.5", "The destination address is valid.", "Nothing to do.",
     "Used in success replies (250 2.1.5 after RCPT TO).", "Destination address valid", k3463},
    {"2.1.5", "The recipient address was accepted (usual answer to RCPT TO).", "Nothing to do.", "",
     "Ok", k3463},
    {"X.1.6", "The mailbox has moved and there is no forwarding address.",
     "Ask the recipient for the new address; remove the old one.", "",
     "Mailbox has moved, no forwarding address", k3463},
    {"X.1.7", "The sender's address has bad syntax.",
     "Fix the MAIL FROM address (and the From header).", "",
     "Sender address rejected: Bad sender address syntax", k3463},
    {"X.1.8", "The sender's domain is invalid or does not resolve.",
     "Make sure the sender domain exists and has MX or A records.", "",
     "Sender address rejected: Domain not found", k3463},
    {"X.1.9",
     "The message was relayed to a system that does not support delivery status "
     "notifications; no further report will come.",
     "Nothing to do; delivery status past this point is unknown.", "",
     "Message relayed to non-compliant mailer", "RFC 3886"},
    {"X.1.10", "The recipient's domain publishes a null MX: it accepts no mail.",
     "Remove the address; it cannot receive mail.", "", "Recipient address has null MX",
     "RFC 7505"},
    // X.2.X Mailbox status
    {"X.2.0", "The mailbox exists but something about it stops delivery, with no more detail.",
     "Retry later for 4.2.0; for 5.2.0 retry in a later campaign before suppressing.", kSeedSoft,
     "Mailbox unavailable", k3463},
    {"X.2.1", "The mailbox is disabled and does not accept messages.",
     "Stop sending to it; reach the recipient another way.", kSeedSoft,
     "Mailbox disabled, not accepting messages", k3463},
    {"X.2.2", "The mailbox is full (over quota).",
     "Retry later; if it stays full over several attempts, suppress the address.",
     "Permanent per RFC 3463 when sent as 5.2.2, but it usually clears, so senders commonly "
     "treat it as a soft bounce.",
     "Mailbox full", k3463, true},
    {"X.2.3", "The message is larger than the recipient's per-mailbox size limit.",
     "Send a smaller message (link large attachments instead).", "",
     "Message length exceeds administrative limit", k3463},
    {"X.2.4", "A problem expanding a mailing list address.",
     "Tell the list owner; the list itself is misconfigured.", "", "Mailing list expansion problem",
     k3463},
    // X.3.X Mail system status
    {"X.3.0", "A problem with the receiving mail system, with no more detail.",
     "Retry later; if it persists, contact the receiving side.", "",
     "Requested action aborted: local error in processing", k3463},
    {"X.3.1", "The receiving mail system is out of storage.", "Retry later.",
     "Usually a temporary condition even when sent as 5.3.1, so senders often treat it as a "
     "soft bounce.",
     "Insufficient system storage", k3463, true},
    {"X.3.2", "The system is not accepting network messages (shutting down, or accepts no mail).",
     "Retry later for 4.3.2; for 5.3.2 use another MX or give up.",
     "421 4.3.2 is the usual answer of a server going down; 521 5.3.2 of one that never takes "
     "mail.",
     "System not accepting network messages", k3463},
    {"X.3.3", "The system cannot provide a feature the message needs (e.g. 8-bit transport).",
     "Send the message without that feature (e.g. 7-bit encoded).", "",
     "System not capable of selected features", k3463},
    {"X.3.4", "The message is larger than the system's global size limit.",
     "Send a smaller message; check the SIZE the server advertises in EHLO.", "",
     "Message size exceeds fixed maximum message size", k3463},
    {"X.3.5", "The receiving system is misconfigured.", "Contact the receiving side's postmaster.",
     "", "System incorrectly configured", k3463},
    {"X.3.6", "The message was accepted but its requested priority was changed.",
     "Nothing to do, unless the priority matters.", "Used in success replies.",
     "Requested priority was changed", k6710},
    // X.4.X Network and routing status
    {"X.4.0", "A network or routing problem, with no more detail.",
     "Retry later; check DNS and routing if it persists.", "", "Network or routing error", k3463},
    {"X.4.1", "No answer from the next host: the connection attempt timed out or was refused.",
     "Retry later.",
     "Microsoft 365 uses 550 5.4.1 'Recipient address rejected: Access denied' for recipients "
     "that do not exist in the directory.",
     "No answer from host", k3463},
    {"X.4.2", "The connection was established but broke or timed out during the transaction.",
     "Retry later; check the network path if it happens often.",
     "Postfix answers 421 4.4.2 '... Error: timeout exceeded' to an idle client.",
     "Error: timeout exceeded", k3463},
    {"X.4.3", "A directory server (usually DNS) failed, so routing could not be decided.",
     "Retry later; check the domain's DNS if it persists.", "",
     "Directory server failure: DNS lookup failed", k3463},
    {"X.4.4", "Unable to route: no usable next hop (e.g. no MX and no A record).",
     "Check the recipient domain's MX records.", "", "Unable to route", k3463},
    {"X.4.5", "The mail system is congested.", "Retry later, more slowly.", kSeedSoft,
     "Mail system congestion, please try again later", k3463, true},
    {"X.4.6", "A routing loop was detected: the message passed through too many hops.",
     "Ask the administrators to fix the forwarding or MX loop.", "",
     "Routing loop detected: too many hops", k3463},
    {"X.4.7", "Delivery time expired: the message stayed in a queue too long.",
     "Send again if still relevant; investigate why earlier attempts failed.",
     "Usually reported in a bounce (DSN) by the sender's own server, not by the receiver.",
     "Delivery time expired", k3463},
    // X.5.X Mail delivery protocol status
    {"X.5.0", "A protocol problem, with no more detail.",
     "Check the client's SMTP implementation against the session transcript.",
     "Outlook.com answers 550 5.5.0 'Requested action not taken: mailbox unavailable' to a "
     "recipient that does not exist: read that reply as an unknown user.",
     "Protocol error", k3463},
    {"X.5.1", "Invalid command: not recognized, not implemented, or out of sequence.",
     "Fix the client's commands or their order.", "", "Invalid command", k3463},
    {"X.5.2", "Syntax error in a command.", "Fix the command syntax.", "", "Syntax error", k3463},
    {"X.5.3", "Too many recipients for one transaction.",
     "Send the remaining recipients in another transaction.",
     "Normally 452 4.5.3 (RFC 5321 §4.5.3.1.10). Even as 5.5.3 the recipients are valid, so "
     "senders treat it as soft.",
     "Error: too many recipients", k3463, true},
    {"X.5.4", "Invalid command arguments (bad parameter or value).",
     "Correct the arguments; use only parameters the server advertises.", "",
     "Invalid command arguments", k3463},
    {"X.5.5", "Wrong protocol version between the two systems.",
     "Use a protocol version the server supports.", "", "Wrong protocol version", k3463},
    {"X.5.6", "An AUTH response line was longer than the server accepts.",
     "Use a mechanism with shorter responses, or avoid the initial-response form of AUTH.", "",
     "Authentication exchange line is too long", k4954},
    // X.6.X Message content or media status
    {"X.6.0", "A problem with the message content or media, with no more detail.",
     "Review the message's MIME structure and encoding.", "", "Message content rejected", k3463},
    {"X.6.1", "A media type in the message is not supported on the path.",
     "Send the content in a supported format.", "", "Media not supported", k3463},
    {"X.6.2", "The content needs conversion, but conversion is prohibited.",
     "Send the content already in the form the path needs.", "",
     "Conversion required and prohibited", k3463},
    {"X.6.3", "The content needs conversion that is not supported.",
     "Send the content in a form the destination supports.", "",
     "Conversion required but not supported", k3463},
    {"X.6.4", "The message was delivered after a conversion that lost some data.",
     "Check what was lost if it matters.", "Mostly seen in success or warning DSNs.",
     "Conversion with loss performed", k3463},
    {"X.6.5", "A needed conversion of the content failed.", "Send the content in another form.", "",
     "Conversion failed", k3463},
    {"X.6.6", "The message content is not available (e.g. a BURL reference could not be fetched).",
     "Check the referenced content and its access rights.", "", "Message content not available",
     "RFC 4468"},
    {"X.6.7", "Non-ASCII addresses are not allowed for this sender or recipient.",
     "Use an ASCII address, or a server that supports SMTPUTF8.", "",
     "Non-ASCII addresses not permitted for that sender/recipient", k6531},
    {"X.6.8", "A UTF-8 reply is required, but the client does not allow one.",
     "Use SMTPUTF8 in the client.", "", "UTF-8 string reply is required, but not permitted", k6531},
    {"X.6.9", "A message with UTF-8 headers cannot be transferred to one or more recipients.",
     "Deliver through SMTPUTF8-capable servers, or send an ASCII version.", "",
     "UTF-8 header message cannot be transferred", k6531},
    {"X.6.10", "Deprecated: a registered duplicate of X.6.8 (UTF-8 reply required).",
     "Treat it as X.6.8.", "", "UTF-8 string reply is required, but not permitted", k6531},
    // X.7.X Security or policy status
    {"X.7.0", "A security or policy problem, with no more detail.",
     "Read the reply text; check authentication, TLS and sending policy.",
     "Postfix: 530 5.7.0 'Must issue a STARTTLS command first', 421 4.7.0 'too many errors'.",
     "Security policy violation", k3463},
    {"2.7.0", "Authentication succeeded.", "Nothing to do.", "", "Authentication successful",
     k4954},
    {"4.7.0",
     "A temporary security or policy refusal: too many connections or errors, a TLS or AUTH "
     "problem, or a rate limit.",
     "Retry later, more slowly.",
     "Yahoo defers with 421 4.7.0 [TSS04] an IP whose volume or complaint rate looks wrong; "
     "Gmail with 421 4.7.0 for suspicious traffic.",
     "Temporarily rejected by local policy, try again later", k3463},
    {"X.7.1",
     "Delivery not authorized, message refused: the sender may not send to this recipient "
     "(policy, relay denied, blocklist, spam filter).",
     "Check blocklists and sender authentication, review the content, and ask the recipient's "
     "administrators if it persists.",
     "Providers use 5.7.1 for many policy rejections: relay access denied, IP on a blocklist, "
     "content judged to be spam.",
     "Delivery not authorized, message refused", k3463},
    {"4.7.1",
     "A temporary policy refusal, most often greylisting: unknown (client, sender, recipient) "
     "triples are refused once and accepted on a later retry.",
     "Retry after the greylist delay (minutes); a mailer that retries correctly gets through.",
     "Greylisting servers answer 450 or 451 4.7.1 on the first attempt. Rate limits and "
     "temporary reputation blocks also use 4.7.1.",
     "Greylisted, please try again later", k3463},
    {"X.7.2", "The sender may not send to this mailing list.", "Ask the list owner for permission.",
     "Yahoo uses 553 5.7.2 [TSS09] for something else: an IP it will not take mail from again "
     "('permanently deferred'); fix the IP's reputation or send from another one.",
     "Mailing list expansion prohibited", k3463},
    {"X.7.3", "A security conversion is required but not possible.",
     "Send the message in a form the destination can handle securely.", "",
     "Security conversion required but not possible", k3463},
    {"X.7.4", "The message asks for security features the path does not support.",
     "Send without those features or by another route.", "", "Security features not supported",
     k3463},
    {"X.7.5", "A cryptographic operation failed (e.g. decryption or signature check).",
     "Check keys and certificates.", "", "Cryptographic failure", k3463},
    {"X.7.6", "A cryptographic algorithm in the message is not supported.",
     "Use an algorithm the recipient supports.", "", "Cryptographic algorithm not supported",
     k3463},
    {"X.7.7", "The message failed an integrity check: it was altered or corrupted.",
     "Find what modified the message in transit.", "", "Message integrity failure", k3463},
    {"X.7.8", "Authentication credentials are invalid.", "Fix the user name or password.",
     "Postfix: 535 5.7.8 'Error: authentication failed'.", "Authentication credentials invalid",
     k4954},
    {"X.7.9", "The authentication mechanism is too weak for the server's policy.",
     "Use a stronger mechanism.",
     "Yahoo sends 5.7.9 outside AUTH: 554 5.7.9 'Message not accepted for policy reasons', and "
     "550 5.7.9 when the sender is authenticated by neither SPF nor DKIM.",
     "Authentication mechanism is too weak", k4954},
    {"X.7.10", "Encryption is needed before this authentication mechanism can be used.",
     "Start TLS, or use a stronger mechanism.", "", "Encryption needed", k5248},
    {"X.7.11", "The requested authentication mechanism may only be used over an encrypted link.",
     "Start TLS before AUTH.", "", "Encryption required for requested authentication mechanism",
     k4954},
    {"X.7.12", "A password transition is needed before this mechanism can be used.",
     "Authenticate once with a plaintext mechanism over TLS to complete the transition.", "",
     "A password transition is needed", k4954},
    {"X.7.13", "The user account is disabled.", "Contact the account's administrator.", "",
     "User account disabled", k5248},
    {"X.7.14", "The server requires a trust relationship with the submitting host.",
     "Set up the required trust (e.g. client certificate) with the server's operators.", "",
     "Trust relationship required", k5248},
    {"X.7.15", "The requested priority level is too low.",
     "Retry with a higher priority, or later.", "", "Priority level is too low", k6710},
    {"X.7.16", "The message is too big for the requested priority.",
     "Lower the priority or send a smaller message.", "",
     "Message is too big for the specified priority", k6710},
    {"X.7.17", "The mailbox's owner has changed since the time the sender gave (RRVS).",
     "Confirm the recipient before sending again; the address now belongs to someone else.", "",
     "Mailbox owner has changed", k7293},
    {"X.7.18", "The domain's owner has changed since the time the sender gave (RRVS).",
     "Confirm the recipient before sending again.", "", "Domain owner has changed", k7293},
    {"X.7.19", "The RRVS (recipient valid since) check cannot be completed.",
     "Retry later, or send without RRVS.", "", "RRVS test cannot be completed", k7293},
    {"X.7.20", "No passing DKIM signature was found.",
     "Sign the message with DKIM and publish the public key in DNS.", "",
     "No passing DKIM signature found", k7372},
    {"X.7.21", "DKIM signatures passed but none is acceptable to local policy.",
     "Sign with a domain and algorithm the receiver accepts.", "",
     "No acceptable DKIM signature found", k7372},
    {"X.7.22", "No valid DKIM signature matches the author (From) domain.",
     "Sign with the domain used in the From header.", "",
     "No valid author-matched DKIM signature found", k7372},
    {"X.7.23", "SPF validation failed: the sending IP is not authorized for the sender domain.",
     "Add the sending servers to the domain's SPF record.", "", "SPF validation failed", k7372},
    {"X.7.24", "SPF validation produced an error (e.g. a DNS failure or a broken record).",
     "Check the SPF record's syntax and lookup count; 4.7.24 can be retried.", "",
     "SPF validation error", k7372},
    {"X.7.25",
     "Reverse DNS validation failed: the sending IP has no PTR record, or it does not match.",
     "Give the sending IP a PTR record whose name resolves back to the same IP.",
     "Gmail answers 550 5.7.25 when the sending IP has no PTR record.",
     "Reverse DNS validation failed", k7372},
    {"X.7.26",
     "Several authentication checks failed: the sender domain could not be verified by SPF, "
     "DKIM or DMARC.",
     "Publish a correct SPF record, sign with DKIM, and publish a DMARC policy aligned with the "
     "From domain; then send again.",
     "Gmail and other large providers answer 550 5.7.26 for unauthenticated mail or DMARC "
     "failures; some sites use 5.7.1 for the same thing.",
     "Unauthenticated email is not accepted: sender domain failed DMARC (SPF and DKIM) checks",
     k7372},
    {"4.7.26",
     "Gmail rate-limits mail it cannot authenticate: neither SPF nor DKIM passes for the "
     "sender.",
     "Publish SPF and sign with DKIM for the sending domain; retries at a lower rate may get "
     "through meanwhile.",
     "Gmail answers 421 4.7.26 ('This mail has been rate limited because it is "
     "unauthenticated') before it starts refusing with 550 5.7.26.",
     "This mail has been rate limited because it is unauthenticated", "field (Gmail)"},
    {"X.7.27", "The sender's domain publishes a null MX, so it cannot receive replies.",
     "Use a sender domain that can receive mail.", "", "Sender address has null MX", "RFC 7505"},
    {"X.7.28", "The message looks like part of a flood of similar abusive messages.",
     "Slow down, and check for abuse or a compromised account.",
     "Gmail answers 421 4.7.28 when it sees an unusual rate of unsolicited mail from an IP; "
     "other providers use it for too many connections from one IP.",
     "Mail flood detected", "IANA registry"},
    {"X.7.29", "The message failed ARC validation.",
     "Check the ARC headers added by intermediaries (mailing lists, forwarders).",
     "Gmail gives 4.7.29 its own meaning: 421 4.7.29 rate-limits bulk mail that did not come "
     "over TLS; send with STARTTLS.",
     "ARC validation failure", "RFC 8617"},
    {"X.7.30",
     "The message needs REQUIRETLS, but the next hop does not support it, so it cannot be "
     "relayed.",
     "Send without REQUIRETLS, or through servers that support it.", "",
     "REQUIRETLS support required", "RFC 8689"},
    // Microsoft's own X.7.NNN codes, class-specific: the other class is not in use.
    {"5.7.57",
     "Microsoft 365's submission server refuses mail from a client that has not logged in.",
     "Authenticate with SMTP AUTH (after STARTTLS) before MAIL FROM.", "",
     "Client not authenticated to send mail", kMicrosoft},
    {"4.7.500",
     "Microsoft holds back the sending IP for now (4.7.500 to 4.7.699): the server says it is "
     "busy, or denies access for a while, because the IP's traffic looks suspicious and is "
     "being evaluated.",
     "Retry later at a lower rate; if it lasts for days, check the IP's standing with Microsoft "
     "(SNDS, the sender support form).",
     "Microsoft uses the range 4.7.500 to 4.7.699 for such temporary IP restrictions; Outlook.com "
     "sends 451 4.7.500 'Server busy. Please try again later'.",
     "Server busy. Please try again later", kMicrosoft},
    {"5.7.500",
     "Microsoft denies access to the sender or the message by one of its named rules (5.7.500 "
     "to 5.7.605 and 5.7.650 to 5.7.699 without a row of their own).",
     "Read the reply text for the rule; fix the sending setup it names before sending again.",
     "Seen for example as 5.7.510 (no mail over IPv6), 5.7.511 (banned sender), 5.7.512 (From "
     "header not RFC 5322 compliant).",
     "Access denied by the receiving provider's policy", kMicrosoft},
    {"5.7.509",
     "Microsoft refuses the message because its From domain fails DMARC and publishes a "
     "reject policy.",
     "Align SPF or DKIM with the From domain, then send again; retrying the same message fails "
     "the same way.",
     "Sent after the end of DATA. Gmail reports the same failure as 5.7.26.",
     "Access denied, sending domain does not pass DMARC verification and has a DMARC policy of "
     "reject",
     kMicrosoft},
    {"5.7.515",
     "Microsoft refuses mail from a high-volume sender domain that does not meet its "
     "authentication requirements (SPF, DKIM and DMARC, enforced since 2025).",
     "Publish SPF, sign with DKIM and publish a DMARC policy aligned with the From domain.", "",
     "Access denied, sending domain doesn't meet the required authentication level", kMicrosoft},
    {"5.7.606",
     "Microsoft refuses the sending IP: it is on Microsoft's own block list (5.7.606 to "
     "5.7.649).",
     "Ask for delisting through Microsoft's sender portal (sender.office.com) after fixing what "
     "got the IP listed; retries fail until then.",
     "Microsoft uses the range 5.7.606 to 5.7.649 for banned sending IPs.",
     "Access denied, banned sending IP", kMicrosoft},
    {"4.7.651", "Microsoft rate-limits the sending IP because of its reputation.",
     "Slow down and retry later; improve the IP's reputation (complaints, unknown users, "
     "authentication) and watch it in Microsoft's SNDS.",
     "Outlook.com: 451 4.7.651 'The mail server [IP] has been temporarily rate limited due to IP "
     "reputation'.",
     "The mail server has been temporarily rate limited due to IP reputation", kMicrosoft},
    {"5.7.700",
     "Microsoft 365 has stopped a tenant (an organization) from sending outside: it sent too "
     "much spam or bulk mail, or went past its sending limits (codes 5.7.700 to 5.7.749).",
     "An administrator of the sending tenant must find the cause (a compromised account, a "
     "mass mailing), fix it, and ask Microsoft support to lift the block.",
     "Written by Microsoft 365 into the sender's own bounce, not sent by the receiving server; "
     "retrying fails until the block is lifted.",
     "Access denied, the sending organization is blocked from sending", kMicrosoft},
    {"5.7.705",
     "Microsoft 365 blocks outgoing mail from a tenant that has sent too much spam or bulk "
     "mail.",
     "Stop the spam at its source (often a compromised account), then ask Microsoft support to "
     "unblock the tenant.",
     "Part of the 5.7.700 to 5.7.749 range of tenant blocks.",
     "Access denied, tenant has exceeded threshold", kMicrosoft},
    {"5.7.708",
     "Microsoft 365 refuses to relay mail from the sending IP: it is a known low-reputation "
     "address, typical of new tenants.",
     "Send through Microsoft's own outbound servers or a better-reputed IP; ask Microsoft "
     "support if the tenant is new and legitimate.",
     "Part of the 5.7.700 to 5.7.749 range of tenant blocks.",
     "Access denied, traffic not accepted from this IP", kMicrosoft},
    {"5.7.750",
     "Microsoft 365 blocks a tenant that relays many messages from domains it has not "
     "registered (not added and verified as accepted domains).",
     "Add and verify every sending domain in the tenant (or use a certificate-based "
     "connector), then ask Microsoft support to unblock it.",
     "Often the mark of a compromised on-premises server relaying spam through Exchange "
     "Online.",
     "Client blocked from sending from unregistered domains", kMicrosoft},
};

// Provider codes that share one meaning over a range: a code inside a range the table has no
// row for reads as the range's row (5.7.620 as 5.7.606, banned sending IP).
struct ProviderRange {
  detail::EnhancedKey first, last;
  std::string_view row;
};
constexpr ProviderRange kProviderRanges[] = {
    {{7, 500, 4}, {7, 699, 4}, "4.7.500"},  // Microsoft: temporary IP restrictions
    {{7, 500, 5}, {7, 605, 5}, "5.7.500"},  // Microsoft: access denied by a named rule
    {{7, 606, 5}, {7, 649, 5}, "5.7.606"},  // Microsoft: banned sending IP
    {{7, 650, 5}, {7, 699, 5}, "5.7.500"},
    {{7, 700, 5}, {7, 749, 5}, "5.7.700"},  // Microsoft 365: tenant blocked from sending
};

constexpr bool sorted_and_unique() {
  for (std::size_t i = 1; i < std::size(kEnhanced); ++i) {
    const auto a = detail::enhanced_key(kEnhanced[i - 1].code);
    const auto b = detail::enhanced_key(kEnhanced[i].code);
    if (!a || !b || !(*a < *b)) return false;
  }
  return true;
}
static_assert(sorted_and_unique(),
              "kEnhanced must be valid codes sorted by (subject, detail, class)");

}  // namespace

std::span<const EnhancedCode> enhanced_codes() {
  return kEnhanced;
}

namespace detail {
std::string_view provider_range_row(const EnhancedKey& key) {
  for (const auto& range : kProviderRanges)
    if (key.klass == range.first.klass && range.first <= key && key <= range.last) return range.row;
  return {};
}
}  // namespace detail

}  // namespace bounceback::catalog
