// A reply's wire lines, recovered from the one-line forms logs and reports write it in.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace bounceback::import {

// True when `text` starts like a reply line: three digits 2xx-5xx then ' ', '-' or its end.
bool starts_with_reply_code(std::string_view text);

// Postfix (and a DSN's unfolded Diagnostic-Code) writes a multi-line reply as its lines joined
// by one space: "550-5.1.1 a 550-5.1.1 b 550 5.1.1 c". Splits it again where the first line's
// code starts a line ("550-" or, for the last, "550 "). Empty when `text` is not a reply.
std::vector<std::string> split_joined_reply(std::string_view text);

// Lines separated by a marker: Exim's "\n" (backslash, n), a DSN's folded lines (newline).
std::vector<std::string> split_reply_lines(std::string_view text, std::string_view separator);

// Bounceback's attempt log summary: "550 5.1.1 first / second / third" (smtp::Reply::summary)
// back to "550-5.1.1 first", "550-5.1.1 second", "550 5.1.1 third".
std::vector<std::string> split_summary(std::string_view summary);

// "5.1.1" -> "550 5.1.1 text", "4.7.1" -> "451 4.7.1 text": a reply made from a status code
// where the input kept no reply (Sendmail's stat=, a DSN without Diagnostic-Code).
std::string reply_from_status(std::string_view status, std::string_view text);

}  // namespace bounceback::import
