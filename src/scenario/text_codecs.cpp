// Quoted-printable and the charsets rules and the API can read.
#include "scenario/text_codecs.hpp"

#include "smtp/command.hpp"

namespace bounceback::scenario {
namespace {

// Windows-1252's 0x80-0x9F (the rest is ISO-8859-1); 0 where the code page has no character.
constexpr char16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// ISO-8859-15 differs from ISO-8859-1 in eight places (the euro sign, French and Finnish
// letters).
char32_t latin9(unsigned char b) {
  switch (b) {
    case 0xA4:
      return 0x20AC;
    case 0xA6:
      return 0x0160;
    case 0xA8:
      return 0x0161;
    case 0xB4:
      return 0x017D;
    case 0xB8:
      return 0x017E;
    case 0xBC:
      return 0x0152;
    case 0xBD:
      return 0x0153;
    case 0xBE:
      return 0x0178;
    default:
      return b;
  }
}

void append_code_point(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | c >> 6);
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {  // the code pages here stay in the Basic Multilingual Plane
    out += static_cast<char>(0xe0 | c >> 12);
    out += static_cast<char>(0x80 | (c >> 6 & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629 §4: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](std::size_t i) { return i < s.size() && (b(i) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<Charset> known_charset(std::string_view name) {
  name = name.substr(0, name.find('*'));  // RFC 2231 §5: "charset*language"
  for (std::string_view utf8 : {"utf-8", "utf8", "us-ascii", "ascii"})
    if (smtp::iequals(name, utf8)) return Charset::utf8;
  for (std::string_view latin1 : {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1"})
    if (smtp::iequals(name, latin1)) return Charset::latin1;
  for (std::string_view latin9 : {"iso-8859-15", "iso8859-15", "iso_8859-15", "latin9"})
    if (smtp::iequals(name, latin9)) return Charset::latin9;
  for (std::string_view cp1252 : {"windows-1252", "cp1252", "x-cp1252"})
    if (smtp::iequals(name, cp1252)) return Charset::cp1252;
  return std::nullopt;
}

void append_as_utf8(std::string_view bytes, Charset charset, std::string& out) {
  if (charset == Charset::utf8) {
    out += bytes;
    return;
  }
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    char32_t code = b;
    if (charset == Charset::latin9) code = latin9(b);
    if (charset == Charset::cp1252 && b >= 0x80 && b < 0xa0)
      code = cp1252_high[b - 0x80] ? cp1252_high[b - 0x80] : 0xFFFD;
    append_code_point(code, out);
  }
}

void append_valid_utf8(std::string_view bytes, std::string& out) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const std::size_t n = utf8_sequence(bytes.substr(i));
    if (n == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    out.append(bytes.substr(i, n));
    i += n;
  }
}

bool decode_quoted_printable(std::string_view in, std::string& out, bool header) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (header && c == '_') {
      out += ' ';
      continue;
    }
    if (c != '=') {
      out += c;
      continue;
    }
    if (!header) {  // a soft line break: '=' then optional spaces, then the line's end
      std::size_t j = i + 1;
      while (j < in.size() && (in[j] == ' ' || in[j] == '\t')) ++j;
      if (j < in.size() && (in[j] == '\r' || in[j] == '\n')) {
        i = in[j] == '\r' && j + 1 < in.size() && in[j + 1] == '\n' ? j + 1 : j;
        continue;
      }
    }
    const int high = i + 2 < in.size() ? hex_digit(in[i + 1]) : -1;
    const int low = i + 2 < in.size() ? hex_digit(in[i + 2]) : -1;
    if (high < 0 || low < 0) {
      if (header) return false;
      out += c;  // not an escape: kept as written
      continue;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return true;
}

}  // namespace bounceback::scenario
