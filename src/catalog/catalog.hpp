// The reply-code catalogue: every SMTP basic reply code and enhanced status code we know,
// as constant data, with lookup, the standard reply per code, and `explain` for the CLI/API.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "smtp/reply.hpp"

namespace bounceback::catalog {

// Bounce type as mailers and ESPs classify a failed delivery: soft = retry / keep the address,
// hard = stop and suppress the address. RFC 5321 only knows temporary (4xx) and permanent (5xx).
enum class Bounce : std::uint8_t { none, soft, hard };

std::string_view to_string(Bounce b);  // "none" | "soft" | "hard"

// One basic (three-digit) reply code, RFC 5321 §4.2 and the field.
struct BasicCode {
  std::uint16_t code;
  // "success"|"intermediate"|"temporary"|"permanent"|"informational"|"not_smtp"
  std::string_view klass;
  Bounce bounce;
  std::string_view meaning, action, note;
  std::string_view standard_enhanced;  // the enhanced code usually sent with it, "" for none
  std::string_view standard_text;      // a realistic (Postfix-like) text for that pairing
  std::string_view reference;          // "RFC 5321", "RFC 4954", "field (Exchange)", ...
};

// One enhanced status code, RFC 3463 / IANA registry. `code` is either generic ("X.1.1": the
// class comes from the query) or class-specific ("4.7.1", "2.0.0") when a class needs its own
// text or advice. Class and bounce derive from the first digit of the code asked for:
// 2 → success/none, 4 → temporary/soft, 5 → permanent/hard unless `field_soft`.
struct EnhancedCode {
  std::string_view code;
  std::string_view meaning, action, note, standard_text;
  std::string_view reference;  // "RFC 3463", "RFC 7372", ...
  bool field_soft = false;     // a 5.x.x senders commonly treat as a soft bounce (see note)
};

// A provider's reply whose codes mean something of the provider's own, recognized by a marker
// in its text (Yahoo's "[TSS04]", Orange's "OFR_417"): explained by the row, since the codes
// alone would say another thing (Yahoo's "552 1 ... mailbox not found" is an unknown user, not
// a full mailbox; Orange's "552 5.1.1 ... OFR_417" a full mailbox, not an unknown user).
struct ProviderReply {
  std::string_view provider;  // "Yahoo", "Microsoft", "Orange"
  std::uint16_t code;
  std::string_view enhanced;  // exactly what the reply carries, "" for none
  std::string_view markers;   // text the reply holds, case-insensitive; '|' between variants
  Bounce bounce;
  std::string_view meaning, action, note;
  std::string_view example;  // a reply of this kind (addresses and ids left out)
};

// Lookup. find_enhanced accepts "5.1.1" (a class-specific row if any, else the "X.1.1" row,
// else the row of a provider range holding it, e.g. 5.7.620 → 5.7.606) or a generic "X.1.1";
// nullptr when the code is not in the catalogue.
const BasicCode* find_basic(std::uint16_t code);
const EnhancedCode* find_enhanced(std::string_view code);
std::span<const BasicCode> basic_codes();           // sorted by code, unique
std::span<const EnhancedCode> enhanced_codes();     // sorted by (subject, detail, class), unique
std::span<const ProviderReply> provider_replies();  // sorted by (provider, code)
// The provider row for a reply with these codes whose `text` (what follows the codes) holds
// one of the row's markers; nullptr when none does.
const ProviderReply* find_provider_reply(std::uint16_t code, std::string_view enhanced,
                                         std::string_view text);

// The reply an address-encoded recipient like 552-5.2.2@reply.test gets: enhanced defaults to
// the code's standard one when empty; text from the enhanced code if known (a provider range
// such as Microsoft's 5.7.606-5.7.649 counts), else a text fitting its class and subject
// (RFC 3463), never another code's; the basic code's own text when the enhanced code is its
// standard one.
smtp::Reply standard_reply(std::uint16_t code, std::string_view enhanced = {});

// For `bounceback explain QUERY` and GET /api/v1/codes/{code}: QUERY is "550", "5.1.1" or
// "550 5.7.26" (also "550-5.7.26"); reply text after the codes is read only for a provider's
// marker ("421 4.7.0 [TSS04] Messages from ..." is explained by Yahoo's row).
struct Explanation {
  std::string code, enhanced, klass;
  std::optional<std::string> bounce;  // "hard"|"soft"
  std::string meaning, action, note;
  std::string code_meaning;  // with both codes: the basic code's own meaning
  std::string example;       // a standard reply for the query, e.g. "550 5.1.1 Recipient ..."
  std::string reference;     // where the code(s) are defined
  std::string warning;       // e.g. the two codes disagree in class ("550 4.7.1"); "" if none
  std::string provider;      // "Yahoo [TSS04]" when a provider row explains the pasted reply
};
std::optional<Explanation> explain(std::string_view query);
std::string render(const Explanation&);  // human-readable multi-line text for the CLI

}  // namespace bounceback::catalog
