// Provider replies whose codes carry a meaning of the provider's own, as data: recognized by a
// marker in the reply text (Yahoo's bracketed TSS/BL tags, Orange's OFR numbers, Microsoft's
// wording for an unknown recipient, Gmail's 4.7.28 and 4.7.29). The built-in personas send
// these; `explain` reads a pasted one by its row. Meanings and advice are ours; the markers are
// the providers' own tags.
#include <algorithm>

#include "catalog/catalog.hpp"

namespace bounceback::catalog {
namespace {

using B = Bounce;

// {provider, code, enhanced, markers, bounce, meaning, action, note, example}
constexpr ProviderReply kProviders[] = {
    // Google (Gmail, Google Workspace): 4.7.28 and 4.7.29 in meanings of Google's own.
    {"Google", 421, "4.7.0", "very low reputation|Our system has detected that this message is",
     B::soft, "Gmail rate-limits mail from the sending IP because the IP's reputation is very low.",
     "Slow down and retry later; authenticate (SPF, DKIM, DMARC), cut complaints and unknown "
     "recipients, and watch the IP in Google's Postmaster Tools.",
     "The connection is closed after the reply; retries at a lower rate may pass.",
     "421-4.7.0 [192.0.2.1      15] Our system has detected that this message is suspicious due "
     "to the very low reputation of the sending IP address."},
    {"Google", 421, "4.7.28", "unusual rate", B::soft,
     "Gmail rate-limits mail from the sender's SPF domain (or IP): it sees an unusual rate of "
     "unsolicited mail from it.",
     "Slow down and retry later; check the list for unsolicited recipients and the domain for "
     "abuse.",
     "Close to the registered X.7.28 (mail flood), scoped to the SPF domain.",
     "421-4.7.28 Gmail has detected an unusual rate of mail originating from your SPF domain."},
    {"Google", 421, "4.7.29", "because this message wasn't sent|over a TLS connection", B::soft,
     "Gmail rate-limits bulk mail that did not come over TLS.",
     "Send with STARTTLS; the retry over TLS is accepted.",
     "The registered X.7.29 means an ARC failure; Gmail uses 4.7.29 for this instead.",
     "421-4.7.29 Your email has been rate limited because this message wasn't sent over a TLS "
     "connection."},
    // Microsoft (Outlook.com, Exchange Online): unknown recipients under codes of other subjects.
    {"Microsoft", 451, "4.4.4", "no mail-enabled subscriptions", B::soft,
     "Exchange Online holds the recipient's domain in a tenant that has no subscription with "
     "mail, so it cannot deliver there for now.",
     "Retry later; if it lasts, the recipient's administrators must fix their tenant or MX.",
     "A problem at the recipient's side, not of the sender or the message.",
     "451 4.4.4 Mail received as unauthenticated, incoming to a recipient domain configured in a "
     "hosted tenant which has no mail-enabled subscriptions."},
    {"Microsoft", 550, "5.4.1", "Recipient address rejected: Access denied", B::hard,
     "Exchange Online does not know the recipient: the domain's directory has no such address, "
     "so the edge refuses it (directory-based edge blocking).",
     "Remove the address, or ask the recipient for the right one.",
     "The X.4 subject says routing, but this is an unknown user; Sisimai reads it so.",
     "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)"},
    {"Microsoft", 550, "5.5.0", "Requested action not taken: mailbox unavailable", B::hard,
     "Outlook.com has no mailbox for the recipient.",
     "Remove the address, or ask the recipient for the right one.",
     "The X.5 subject says protocol, but Outlook.com uses this reply for unknown recipients.",
     "550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302)."},
    {"Microsoft", 550, "5.7.1", "(S3150)", B::hard,
     "Outlook.com refuses the sending IP because its network range is on Microsoft's block "
     "list.",
     "Ask the IP's provider (or Microsoft's sender support) to get the range delisted; send "
     "from another IP meanwhile.",
     "Sent at MAIL FROM, before any recipient is named.",
     "550 5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent ... our block list (S3150)."},
    // Orange (smtp-in.orange.fr): bilingual replies with OFR numbers, often at connect.
    {"Orange", 421, "", "OFR004_104", B::soft,
     "Orange limits the number of connections from the sending IP.",
     "Open fewer connections at once and retry later.", "Sent as the greeting.",
     "421 mwinf5c27 ME Trop de connexions ... Too many connections, slow down. OFR004_104 [104]"},
    {"Orange", 421, "4.2.0", "OFR005_505", B::soft,
     "Orange refuses the message for now (its sender or IP is under watch).", "Retry later.", "",
     "421 4.2.0 Service refuse. ... Service refused, please try later. OFR005_505 [505]"},
    {"Orange", 550, "", "OFR006_102", B::hard,
     "Orange blocks the sending IP for sending spam; the connection is refused at the greeting.",
     "Stop the spam at its source, then ask for the IP's reset through the link in the reply.",
     "Postfix defers a 5xx greeting (it skips the server) until the message expires.",
     "550 mwinf5c14 ME Adresse IP source bloquee ... Client host blocked for spamming issues. "
     "OFR006_102 [102]"},
    {"Orange", 550, "5.1.0", "OFR_415", B::hard, "Orange refuses the sender address.",
     "Send from an address whose domain exists and is properly set up (MX, SPF).", "",
     "550 5.1.0 Emetteur invalide. Invalid Sender. OFR_415 [415]"},
    {"Orange", 550, "5.2.0", "ofr_506", B::hard,
     "Orange refuses the message itself, usually as spam.",
     "Review the content and the sender's reputation before sending it again.",
     "The X.2 subject says mailbox, but the refusal is about the content; Sisimai reads it as "
     "spam.",
     "550 5.2.0 Mail rejete. Mail rejected. ofr_506 [506]"},
    {"Orange", 552, "5.1.1", "OFR_417", B::soft, "The recipient's Orange mailbox is full.",
     "Retry later; suppress the address if it stays full over several attempts.",
     "The 5.1.1 would say unknown user, but the text and OFR_417 say over quota.",
     "552 5.1.1 Boite du destinataire pleine. Recipient overquota. OFR_417 [417]"},
    // Yahoo and AOL: bracketed TSS/BL tags, and refusals of unknown users after the data.
    {"Yahoo", 421, "", "[IPTS04]", B::soft,
     "Yahoo defers mail from the sending IP because of unexpected volume or complaints from its "
     "users (the older form of [TSS04]).",
     "Slow down and retry later; look at complaint rates and list hygiene.", "",
     "421 [IPTS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
     "complaints"},
    {"Yahoo", 421, "", "Max message per connection reached", B::soft,
     "Yahoo closes a connection that has carried as many messages as it allows.",
     "Send the rest over a new connection.", "Nothing is wrong with the message or the address.",
     "421 Max message per connection reached, closing transmission channel"},
    {"Yahoo", 421, "4.7.0", "[TSS04]|[TSS05]", B::soft,
     "Yahoo defers mail from the sending IP: its volume is unexpected or Yahoo users complain "
     "about it.",
     "Slow down and retry later; bring complaints down (feedback loop, list hygiene, an easy "
     "unsubscribe) and authenticate with SPF, DKIM and DMARC.",
     "Sent at MAIL FROM, and the connection is closed. It clears once the traffic looks normal "
     "again; if it lasts, the IP's reputation is the problem.",
     "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or "
     "user complaints"},
    {"Yahoo", 450, "", "receiving mail too quickly", B::soft,
     "The recipient gets mail faster than Yahoo accepts for one mailbox.",
     "Retry later; spread messages to this recipient over time.", "",
     "450 User is receiving mail too quickly"},
    {"Yahoo", 451, "", "Message temporarily deferred", B::soft,
     "Yahoo defers the message for now: it looks like spam or the sender draws complaints.",
     "Retry later; review the content and the complaint rate if it keeps coming.",
     "The number in brackets is Yahoo's own reason code.",
     "451 Message temporarily deferred - [160]"},
    {"Yahoo", 550, "5.7.9", "sender is unauthenticated", B::hard,
     "Yahoo refuses the message because neither SPF nor DKIM authenticates its sender.",
     "Publish SPF and sign with DKIM for the sending domain, then send again.",
     "5.7.9 is registered for a too-weak AUTH mechanism; Yahoo uses it for sender "
     "authentication (since 2024).",
     "550 5.7.9 This mail has been blocked because the sender is unauthenticated."},
    {"Yahoo", 552, "", "mailbox not found", B::hard,
     "The recipient has no Yahoo mailbox; Yahoo says so after the message, not at RCPT.",
     "Remove the address.",
     "552 usually means a full mailbox (soft); with this text it is an unknown user.",
     "552 1 Requested mail action aborted, mailbox not found"},
    {"Yahoo", 553, "5.7.1", "[BL21]", B::hard,
     "Yahoo refuses connections from the sending IP because it is on a Spamhaus block list.",
     "Look the IP up at Spamhaus, fix the cause and ask for delisting; retries fail until then.",
     "Sent as the greeting: Postfix defers it (it skips the server) until the message expires.",
     "553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.1, because the ip is in "
     "Spamhaus's list"},
    {"Yahoo", 553, "5.7.1", "[BL23]", B::hard,
     "Yahoo refuses connections from the sending IP because it is on Spamhaus's exploits list "
     "(XBL): infected hosts, open proxies.",
     "Clean the host or network behind the IP, then ask Spamhaus for delisting.",
     "Sent as the greeting: Postfix defers it (it skips the server) until the message expires.",
     "553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL"},
    {"Yahoo", 553, "5.7.2", "[TSS09]|[TSS11]", B::hard,
     "Yahoo will not take mail from the sending IP any more: it is deferred for good, and "
     "retrying does not help.",
     "Stop sending to Yahoo from this IP; find why it was blocked (complaints, a compromised "
     "account), fix it, then ask Yahoo's sender support.",
     "5.7.2 is registered for mailing-list expansion; Yahoo uses it for this block.",
     "553 5.7.2 [TSS09] All messages from 192.0.2.1 will be permanently deferred; Retrying will "
     "NOT succeed."},
    {"Yahoo", 554, "", "dd This user doesn't have", B::hard,
     "The recipient has no Yahoo or AOL account; Yahoo says so after the message, not at RCPT.",
     "Remove the address.", "",
     "554 delivery error: dd This user doesn't have a yahoo.com account"},
    {"Yahoo", 554, "", "mailbox is disabled", B::hard,
     "The recipient's Yahoo or AOL mailbox is disabled.",
     "Stop sending to it; reach the recipient another way.", "",
     "554 30 Sorry, your message cannot be delivered. This mailbox is disabled (554.30)"},
    {"Yahoo", 554, "5.7.9", "not accepted for policy reasons", B::hard,
     "Yahoo refuses the message under its sending policy (content, sender reputation or "
     "authentication).",
     "Review authentication, content and complaint rates before sending it again.",
     "5.7.9 is registered for a too-weak AUTH mechanism; Yahoo uses it for policy refusals.",
     "554 5.7.9 Message not accepted for policy reasons."},
};

bool contains_nocase(std::string_view text, std::string_view needle) {
  const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  return std::search(text.begin(), text.end(), needle.begin(), needle.end(),
                     [&](char a, char b) { return lower(a) == lower(b); }) != text.end();
}

bool holds_marker(std::string_view text, std::string_view markers) {
  while (!markers.empty()) {
    const auto bar = markers.find('|');
    if (contains_nocase(text, markers.substr(0, bar))) return true;
    markers = bar == std::string_view::npos ? std::string_view{} : markers.substr(bar + 1);
  }
  return false;
}

constexpr bool sorted() {
  for (std::size_t i = 1; i < std::size(kProviders); ++i) {
    const auto &a = kProviders[i - 1], &b = kProviders[i];
    if (a.provider > b.provider || (a.provider == b.provider && a.code > b.code)) return false;
  }
  return true;
}
static_assert(sorted(), "kProviders must be sorted by (provider, code)");

}  // namespace

std::span<const ProviderReply> provider_replies() {
  return kProviders;
}

const ProviderReply* find_provider_reply(std::uint16_t code, std::string_view enhanced,
                                         std::string_view text) {
  for (const auto& row : kProviders)
    if (row.code == code && row.enhanced == enhanced && holds_marker(text, row.markers))
      return &row;
  return nullptr;
}

}  // namespace bounceback::catalog
