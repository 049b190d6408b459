// Base64, quoted-printable and the charsets rules can read.
#include "scenario/text_codecs.hpp"

#include "smtp/command.hpp"

namespace bounceback::scenario {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<Charset> known_charset(std::string_view name) {
  name = name.substr(0, name.find('*'));  // RFC 2231 §5: "charset*language"
  for (std::string_view utf8 : {"utf-8", "utf8", "us-ascii"})
    if (smtp::iequals(name, utf8)) return Charset::utf8;
  for (std::string_view latin1 : {"iso-8859-1", "iso8859-1", "latin1"})
    if (smtp::iequals(name, latin1)) return Charset::latin1;
  return std::nullopt;
}

void append_as_utf8(std::string_view bytes, Charset charset, std::string& out) {
  if (charset == Charset::utf8) {
    out += bytes;
    return;
  }
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xc0 | b >> 6);
      out += static_cast<char>(0x80 | (b & 0x3f));
    }
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
    const int high = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
    const int low = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
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
