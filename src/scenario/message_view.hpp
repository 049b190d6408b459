// Read-only views of a raw message (RFC 5322 §2.2): the header section, header lookup by
// case-insensitive name with folded lines unfolded (§2.2.3) and encoded-words decoded, and
// the body.
#pragma once

#include <string>
#include <string_view>

namespace bounceback::scenario {

// `s` without the spaces, tabs, CRs and LFs around it (a header value, a parameter, a line).
inline std::string_view trim_blanks(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// The text after the first empty line ("" when there is none).
std::string_view message_body(std::string_view message);

// Calls `f(value)` for each header field named `name` (case-insensitive), value unfolded, with
// leading whitespace removed and RFC 2047 encoded-words decoded (encoded_words.hpp); stops
// early when `f` returns true. Returns whether it did.
template <class F>
bool for_each_header(std::string_view message, std::string_view name, F&& f);

// Non-template core: finds the next field named `name` starting at `pos`, unfolds it into
// `value`; returns false at the end of the header section.
bool next_header(std::string_view message, std::string_view name, std::size_t& pos,
                 std::string& value);

template <class F>
bool for_each_header(std::string_view message, std::string_view name, F&& f) {
  std::size_t pos = 0;
  std::string value;
  while (next_header(message, name, pos, value))
    if (f(std::string_view(value))) return true;
  return false;
}

}  // namespace bounceback::scenario
