// Folding, line ends, boundaries, encoded-words and xtext for the generated messages.
#include "report/mime.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "smtp/base64.hpp"
#include "smtp/command.hpp"

namespace bounceback::report {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

// Length of the UTF-8 sequence that starts with `lead` (1 for anything that cannot start one).
std::size_t utf8_length(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Sixteen lower-case hex digits, as "%016llx" writes them.
void append_hex16(std::string& out, std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  char hex[16];
  for (int i = 15; i >= 0; --i, v >>= 4) hex[i] = digits[v & 0xF];
  out.append(hex, sizeof hex);
}

}  // namespace

namespace {

// Appends `value` to a field whose first line already holds `column` octets: its control
// characters (CR and LF included) made spaces, folded before a run of spaces where the line
// would pass `width` columns (RFC 5322 §2.2.3), a word too long for any line broken at 998.
void append_folded(std::string& out, std::size_t column, std::string_view value,
                   std::size_t width) {
  // Most values are short and clean: as they are, with no copy.
  if (column + value.size() <= width && std::none_of(value.begin(), value.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
      })) {
    out += value;
    out += "\r\n";
    return;
  }
  std::string clean(value);
  for (auto& c : clean)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
  const std::size_t first_column = column;
  std::size_t i = 0;
  while (i < clean.size()) {
    std::size_t end = i;
    while (end < clean.size() && is_space(clean[end])) ++end;
    while (end < clean.size() && !is_space(clean[end])) ++end;
    std::string_view word(clean.data() + i, end - i);
    if (column + word.size() > width && column > first_column && is_space(word.front())) {
      out += "\r\n";
      column = 0;
    }
    while (column + word.size() > max_line) {
      const std::size_t room = max_line - column;
      out.append(word.substr(0, room));
      out += "\r\n ";
      column = 1;
      word.remove_prefix(room);
    }
    out += word;
    column += word.size();
    i = end;
  }
  out += "\r\n";
}

}  // namespace

void append_field(std::string& out, std::string_view name, std::string_view value,
                  std::size_t width) {
  out += name;
  out += ": ";
  while (!value.empty() && is_space(value.front())) value.remove_prefix(1);
  append_folded(out, name.size() + 2, value, width);
}

void append_field(std::string& out, std::string_view name,
                  std::initializer_list<std::string_view> value, std::size_t width) {
  std::size_t size = 0;
  bool clean = true;
  for (const auto piece : value) {
    size += piece.size();
    clean = clean && std::none_of(piece.begin(), piece.end(), [](char c) {
              return static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
            });
  }
  const bool leading_space =
      size > 0 && is_space(value.begin()->empty() ? ' ' : value.begin()->front());
  if (!clean || leading_space || name.size() + 2 + size > width) {
    std::string joined;
    joined.reserve(size);
    for (const auto piece : value) joined += piece;
    return append_field(out, name, joined, width);
  }
  out += name;
  out += ": ";
  for (const auto piece : value) out += piece;
  out += "\r\n";
}

void append_continuation(std::string& out, std::string_view value, std::size_t width) {
  out += "    ";
  append_folded(out, 4, value, width);
}

std::string message_id(std::uint64_t unique, std::string_view hostname) {
  std::string id = "<bb.";
  id.reserve(22 + hostname.size());
  append_hex16(id, unique);
  id += '@';
  id += hostname;
  id += '>';
  return id;
}

// Stored messages always are.
bool clean_lines(std::string_view text) {
  std::size_t start = 0;
  for (auto lf = text.find('\n'); lf != std::string_view::npos; lf = text.find('\n', start)) {
    if (lf == start || text[lf - 1] != '\r' || lf - 1 - start > max_line ||
        text.substr(start, lf - 1 - start).find('\r') != std::string_view::npos)
      return false;
    start = lf + 1;
  }
  const auto last = text.substr(start);  // the last line, without an end
  return last.size() <= max_line && last.find('\r') == std::string_view::npos;
}

void append_lines(std::string& out, std::string_view text) {
  if (clean_lines(text)) {
    out += text;
    if (!out.empty() && out.back() != '\n') out += "\r\n";
    return;
  }
  out.reserve(out.size() + text.size() + text.size() / 16 + 2);  // room for CRs to come
  // A line at a time (memchr), not an octet at a time: a whole original passes through here.
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::size_t next = end == std::string_view::npos ? text.size() : end + 1;
    if (const auto cr = text.substr(0, end).find('\r'); cr != std::string_view::npos) {
      end = cr;  // CRLF, or a lone CR
      next = cr + 1 < text.size() && text[cr + 1] == '\n' ? cr + 2 : cr + 1;
    }
    auto line = text.substr(0, end);
    while (line.size() > max_line) {
      out.append(line.substr(0, max_line));
      out += "\r\n";
      line.remove_prefix(max_line);
    }
    out += line;
    if (end != std::string_view::npos) out += "\r\n";
    text.remove_prefix(next);
  }
  if (!out.empty() && out.back() != '\n') out += "\r\n";
}

std::string boundary_for(std::uint64_t unique, std::initializer_list<std::string_view> parts) {
  std::string b = "=_bb";
  b.reserve(32);
  append_hex16(b, unique);
  b += '_';
  const std::size_t base = b.size();
  for (unsigned n = 0;; ++n) {
    b.resize(base);
    char digits[12];
    b.append(digits, std::to_chars(digits, digits + sizeof digits, n).ptr);
    bool found = false;
    for (const auto p : parts) found = found || p.find(b) != std::string_view::npos;
    if (!found) return b;
  }
}

std::string_view header_block(std::string_view message) {
  std::size_t line = 0;
  while (line < message.size()) {
    if (message[line] == '\n') return message.substr(0, line);
    if (message.compare(line, 2, "\r\n") == 0) return message.substr(0, line);
    const auto eol = message.find('\n', line);
    if (eol == std::string_view::npos) break;
    line = eol + 1;
  }
  return message;
}

std::string header_value(std::string_view headers, std::string_view name) {
  std::size_t line = 0;
  while (line < headers.size()) {
    auto eol = headers.find('\n', line);
    if (eol == std::string_view::npos) eol = headers.size();
    const auto text = headers.substr(line, eol - line);
    if (text.size() > name.size() && text[name.size()] == ':' &&
        smtp::iequals(text.substr(0, name.size()), name)) {
      std::string value;
      auto part = text.substr(name.size() + 1);
      for (;;) {
        if (!part.empty() && part.back() == '\r') part.remove_suffix(1);
        value += part;
        line = eol + 1;
        if (line >= headers.size() || !is_space(headers[line])) break;
        eol = headers.find('\n', line);
        if (eol == std::string_view::npos) eol = headers.size();
        part = headers.substr(line, eol - line);
      }
      const auto first = value.find_first_not_of(" \t");
      if (first == std::string::npos) return {};
      return value.substr(first, value.find_last_not_of(" \t") - first + 1);
    }
    line = eol + 1;
  }
  return {};
}

bool has_8bit(std::string_view s) {
  // Eight octets at a time with no early exit, which the compiler vectorises: originals and
  // parts are read whole, and almost all are ASCII.
  std::uint64_t seen = 0;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, s.data() + i, 8);
    seen |= word;
  }
  for (; i < s.size(); ++i) seen |= static_cast<unsigned char>(s[i]);
  return (seen & 0x8080808080808080ULL) != 0;
}

std::string encode_words(std::string_view text) {
  bool plain = true;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    plain = plain && u >= 0x20 && u < 0x7F;
  }
  if (plain && text.find("=?") == std::string_view::npos) return std::string(text);
  // RFC 2047 §2: an encoded-word is at most 75 characters; 45 octets make 60 of base64.
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t n = utf8_length(static_cast<unsigned char>(text[end]));
      if (end + n - i > 45) break;
      end = std::min(end + n, text.size());
    }
    if (end == i) end = i + 1;
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + smtp::base64_encode(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string decode_xtext(std::string_view xtext) {
  std::string out;
  out.reserve(xtext.size());
  for (std::size_t i = 0; i < xtext.size(); ++i) {
    unsigned value = 0;
    const char* hex = xtext.data() + i + 1;  // unsigned from_chars takes no sign
    if (xtext[i] == '+' && i + 2 < xtext.size() &&
        std::from_chars(hex, hex + 2, value, 16).ptr == hex + 2) {
      out += static_cast<char>(value);
      i += 2;
      continue;
    }
    out += xtext[i];
  }
  return out;
}

std::string original_recipient(std::string_view orcpt) {
  const auto semi = orcpt.find(';');
  if (semi == std::string_view::npos) return {};
  std::string type(orcpt.substr(0, semi));
  while (!type.empty() && is_space(type.back())) type.pop_back();
  auto address = orcpt.substr(semi + 1);
  while (!address.empty() && is_space(address.front())) address.remove_prefix(1);
  // RFC 6533 §3's utf-8 type keeps its own escapes (\x{...}); the others are xtext.
  return type + ";" + (smtp::iequals(type, "utf-8") ? std::string(address) : decode_xtext(address));
}

std::string printable(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) c = '?';
  return out;
}

}  // namespace bounceback::report
