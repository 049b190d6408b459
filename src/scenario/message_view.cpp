// Header section walking: linear, no recursion, bounded by the message itself.
#include "scenario/message_view.hpp"

#include <cctype>

#include "scenario/encoded_words.hpp"

namespace bounceback::scenario {
namespace {

// The line starting at `pos` without its line ending; advances `pos` past it.
std::string_view take_line(std::string_view m, std::size_t& pos) {
  const auto nl = m.find('\n', pos);
  const auto end = nl == std::string_view::npos ? m.size() : nl;
  std::string_view line = m.substr(pos, end - pos);
  pos = nl == std::string_view::npos ? m.size() : nl + 1;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool name_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') {
    // Obsolete syntax allows whitespace before the colon (RFC 5322 §4.5.8).
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    std::string_view n = line.substr(0, colon);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.remove_suffix(1);
    if (n.size() != name.size()) return false;
    line = n;
  }
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) !=
        std::tolower(static_cast<unsigned char>(name[i])))
      return false;
  return true;
}

bool is_continuation(std::string_view line) {
  return !line.empty() && (line.front() == ' ' || line.front() == '\t');
}

}  // namespace

std::string_view message_body(std::string_view m) {
  std::size_t pos = 0;
  while (pos < m.size())
    if (take_line(m, pos).empty()) return m.substr(pos);
  return {};
}

bool next_header(std::string_view m, std::string_view name, std::size_t& pos, std::string& value) {
  while (pos < m.size()) {
    const std::string_view line = take_line(m, pos);
    if (line.empty()) {
      pos = m.size();  // end of the header section
      return false;
    }
    if (is_continuation(line) || !name_is(line, name)) continue;
    std::string_view first = line.substr(line.find(':') + 1);
    while (!first.empty() && (first.front() == ' ' || first.front() == '\t'))
      first.remove_prefix(1);
    value.assign(first);
    // Unfolding removes the line breaks and keeps the whitespace that follows them.
    for (;;) {
      std::size_t peek = pos;
      if (peek >= m.size()) break;
      const std::string_view next = take_line(m, peek);
      if (!is_continuation(next)) break;
      value += next;
      pos = peek;
    }
    if (value.find("=?") != std::string::npos) value = decode_encoded_words(value);
    return true;
  }
  return false;
}

}  // namespace bounceback::scenario
