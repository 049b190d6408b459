// The enhanced status codes of RFC 3463 and the IANA registry, as data: one row per code,
// generic ("X.1.1") or class-specific ("4.7.1"), sorted by (subject, detail, class).
#include "catalog/catalog.hpp"
#include "catalog/key.hpp"

namespace bounceback::catalog {
namespace {

// {code, meaning, action, note, standard text, reference[, field_soft]}
constexpr EnhancedCode kEnhanced[] = {
    {"X.0.0", "Other or undefined status.", "Act on the class.", "", "Other undefined status",
     "RFC 3463"},
    {"2.0.0", "Success, nothing more specific to say.", "Nothing to do.", "", "Ok", "RFC 3463"},
    {"X.1.1", "Bad destination mailbox address: the recipient does not exist.",
     "Remove the address.", "", "Recipient address rejected: User unknown", "RFC 3463"},
    {"X.2.2", "Mailbox full.", "Retry later.", "", "Mailbox full", "RFC 3463", true},
    {"X.3.0", "Other or undefined mail system status.", "Retry later.", "",
     "Requested action aborted: local error in processing", "RFC 3463"},
    {"X.7.1", "Delivery not authorized, message refused.", "Fix the policy issue.", "",
     "Delivery not authorized, message refused", "RFC 3463"},
    {"4.7.1", "Temporary policy refusal, often greylisting.", "Retry later.", "",
     "Greylisted, please try again later", "RFC 3463"},
    {"X.7.26", "Multiple authentication checks failed.", "Fix SPF, DKIM and DMARC.", "",
     "Message rejected: sender authentication (SPF, DKIM, DMARC) failed", "RFC 7372"},
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

}  // namespace bounceback::catalog
