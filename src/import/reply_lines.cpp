// Splitting the joined forms of multi-line replies (see reply_lines.hpp).
#include "import/reply_lines.hpp"

#include "smtp/reply.hpp"

namespace bounceback::import {
namespace {

bool digit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

}  // namespace

bool starts_with_reply_code(std::string_view t) {
  return t.size() >= 3 && t[0] >= '2' && t[0] <= '5' && digit(t[1]) && digit(t[2]) &&
         (t.size() == 3 || t[3] == ' ' || t[3] == '-');
}

std::vector<std::string> split_joined_reply(std::string_view text) {
  text = trim(text);
  std::vector<std::string> lines;
  if (!starts_with_reply_code(text)) return lines;
  const std::string_view code = text.substr(0, 3);
  const std::string more = " " + std::string(code) + "-", last = " " + std::string(code) + " ";
  while (text.size() > 3 && text[3] == '-') {
    // The next line starts at the first " 550-" or " 550 " after this line's own code.
    std::size_t next = std::string_view::npos;
    for (const auto& marker : {more, last}) {
      const auto at = text.find(marker, 4);
      if (at != std::string_view::npos && at < next) next = at;
    }
    if (next == std::string_view::npos) break;
    lines.emplace_back(text.substr(0, next));
    text.remove_prefix(next + 1);
  }
  lines.emplace_back(text);
  return lines;
}

std::vector<std::string> split_reply_lines(std::string_view text, std::string_view separator) {
  std::vector<std::string> lines;
  while (true) {
    const auto at = text.find(separator);
    const auto line = trim(text.substr(0, at));
    if (!line.empty()) lines.emplace_back(line);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + separator.size());
  }
  if (lines.empty() || !starts_with_reply_code(lines.front())) return {};
  return lines;
}

std::vector<std::string> split_summary(std::string_view summary) {
  smtp::Reply r;
  if (!smtp::parse_reply(trim(summary), r)) return {};
  const std::string head = std::to_string(r.code);
  std::vector<std::string> parts;
  std::string_view text = r.text;
  while (true) {
    const auto at = text.find(" / ");
    parts.emplace_back(text.substr(0, at));
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 3);
  }
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    std::string line = head + (i + 1 < parts.size() ? '-' : ' ');
    if (!r.enhanced.empty()) line += r.enhanced + (parts[i].empty() ? "" : " ");
    line += parts[i];
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string reply_from_status(std::string_view status, std::string_view text) {
  const char* code = status.starts_with('2') ? "250" : status.starts_with('4') ? "451" : "550";
  std::string line = code;
  if (smtp::is_enhanced_code(status)) line += ' ' + std::string(status);
  if (!text.empty()) line += ' ' + std::string(trim(text));
  return line;
}

}  // namespace bounceback::import
