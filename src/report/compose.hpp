// The parts every generated message shares: its first fields, its place in the thread of
// the original, and the parts of a multipart/report.
#pragma once

#include <string>
#include <string_view>

#include "report/report.hpp"

namespace bounceback::report {

// Date, From, To, Subject and Message-ID (RFC 5322 §3.6). `subject` is already encoded.
void append_origin(std::string& out, const Reporter& rep, std::string_view from,
                   std::string_view to, std::string_view subject);

// In-Reply-To and References of a reply to the original whose header section is `headers`.
void append_thread(std::string& out, std::string_view headers);

// One body part of a multipart: its delimiter line, fields and body (which ends in CRLF).
void append_part(std::string& out, std::string_view boundary, std::string_view description,
                 std::string_view type, bool eight_bit, std::string_view body);

}  // namespace bounceback::report
