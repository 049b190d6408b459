// The wording of a DSN as each provider writes it: sender, subject, the human-readable part
// and the provider's own header fields. Postfix's texts are its bounce.cf templates; Gmail's and
// Microsoft's follow their published non-delivery reports (docs/scenarios.md lists sources).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "report/report.hpp"

namespace bounceback::report {

// What a DSN reports as a whole: any failure makes it a failure report, else any delay a
// delay warning, else a success report.
enum class Kind : std::uint8_t { failure, delay, success };
Kind kind_of(std::span<const RecipientOutcome> rcpts);

// The From field's value.
std::string dsn_from(Style style, std::string_view hostname);
// The Subject, given the original's (unfolded, possibly encoded-words).
std::string dsn_subject(Style style, Kind kind, std::string_view original_subject);
// The human-readable part (LF line ends; the caller makes them CRLF). `note` is "" or a
// sentence about the returned content.
std::string dsn_text(Style style, Kind kind, const Reporter& reporter, const Original& original,
                     std::span<const RecipientOutcome> rcpts, std::string_view note);
// Fields the provider adds (X-Failed-Recipients, ...), appended to `out`.
void dsn_fields(std::string& out, Style style, Kind kind, std::span<const RecipientOutcome> rcpts);

// The recipient's domain, for Remote-MTA and the texts.
std::string_view domain_of(std::string_view address);
// The Status value: the reply's enhanced code, else its class with ".0.0".
std::string status_of(const smtp::Reply& reply);

}  // namespace bounceback::report
