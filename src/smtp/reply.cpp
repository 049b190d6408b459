// Wire formatting and parsing of SMTP replies (RFC 5321 §4.2.1, RFC 2034 §4).
#include "smtp/reply.hpp"

#include <cctype>

namespace bounceback::smtp {

void Reply::append_to(std::string& out) const {
  const std::string code_text = std::to_string(code);
  std::string_view rest = text;
  for (;;) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool last = nl == std::string_view::npos;
    out += code_text;
    if (!last || !enhanced.empty() || !line.empty()) out += last ? ' ' : '-';  // "250\r\n"
    if (!enhanced.empty()) {
      out += enhanced;
      if (!line.empty()) out += ' ';
    }
    out += line;
    out += "\r\n";
    if (last) break;
    rest.remove_prefix(nl + 1);
  }
}

std::string Reply::wire() const {
  std::string out;
  out.reserve(text.size() + enhanced.size() + 8);  // one line's worth: most replies are one
  append_to(out);
  return out;
}

std::string Reply::summary() const {
  std::string out = std::to_string(code);
  if (!enhanced.empty()) out += ' ' + enhanced;
  if (!text.empty()) out += ' ';
  for (char c : text) {
    if (c == '\n')
      out += " / ";
    else
      out += c;
  }
  return out;
}

static bool all_digits(std::string_view s) {
  if (s.empty() || s.size() > 3) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_enhanced_code(std::string_view s) {
  const auto d1 = s.find('.');
  if (d1 != 1 || (s[0] != '2' && s[0] != '4' && s[0] != '5')) return false;
  const auto d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos) return false;
  return all_digits(s.substr(d1 + 1, d2 - d1 - 1)) && all_digits(s.substr(d2 + 1));
}

void append_without_enhanced_codes(std::string_view wire, std::string& out) {
  while (!wire.empty()) {
    const auto nl = wire.find('\n');
    std::string_view line = wire.substr(0, nl == std::string_view::npos ? wire.size() : nl + 1);
    wire.remove_prefix(line.size());
    if (line.size() > 4 && (line[3] == ' ' || line[3] == '-')) {
      std::string_view rest = line.substr(4);
      const auto end = rest.find_first_of(" \r\n");
      if (end != std::string_view::npos && is_enhanced_code(rest.substr(0, end))) {
        out.append(line.substr(0, 4));
        out.append(rest.substr(rest[end] == ' ' ? end + 1 : end));
        continue;
      }
    }
    out.append(line);
  }
}

// Parses one line "550[ -][X.Y.Z ]text" into code, enhanced and text.
static bool parse_line(std::string_view line, std::uint16_t& code, std::string& enhanced,
                       std::string_view& text) {
  if (line.size() < 3 || line[0] < '2' || line[0] > '5' || !std::isdigit((unsigned char)line[1]) ||
      !std::isdigit((unsigned char)line[2]))
    return false;
  if (line.size() > 3 && line[3] != ' ' && line[3] != '-') return false;
  code = static_cast<std::uint16_t>((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
  std::string_view rest = line.size() > 4 ? line.substr(4) : std::string_view{};
  const auto sp = rest.find(' ');
  const auto first = rest.substr(0, sp);
  enhanced.clear();
  if (is_enhanced_code(first)) {
    enhanced = first;
    rest = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp + 1);
  }
  text = rest;
  return true;
}

bool parse_reply(std::string_view text, Reply& out) {
  Reply r;
  bool first = true;
  while (!text.empty() || first) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::uint16_t code = 0;
    std::string enhanced;
    std::string_view body;
    if (!parse_line(line, code, enhanced, body)) {
      if (first) return false;
      // A continuation line without its own code takes the first line's.
      body = line;
      code = r.code;
      enhanced = r.enhanced;
    }
    if (first) {
      r.code = code;
      r.enhanced = enhanced;
    } else {
      if (code != r.code) return false;
      r.text += '\n';
    }
    r.text += body;
    first = false;
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  out = std::move(r);
  return true;
}

}  // namespace bounceback::smtp
