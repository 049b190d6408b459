// RFC 2047 decoding: B (base64) and Q encodings, UTF-8 / US-ASCII / ISO-8859-1 charsets.
// Lenient like mail clients (a word next to text is decoded too), bounded like everything
// else: a word is looked for only within max_word bytes, so hostile input stays linear.
#include "scenario/encoded_words.hpp"

#include <optional>

#include "smtp/command.hpp"

namespace bounceback::scenario {
namespace {

// RFC 2047 §2 allows 75; mailers that exceed it are common, a hostile header is not a word.
constexpr std::size_t max_word = 256;

enum class Charset { utf8, latin1 };  // US-ASCII is UTF-8's subset

std::optional<Charset> charset_of(std::string_view name) {
  name = name.substr(0, name.find('*'));  // RFC 2231 §5: "charset*language"
  for (std::string_view utf8 : {"utf-8", "utf8", "us-ascii"})
    if (smtp::iequals(name, utf8)) return Charset::utf8;
  for (std::string_view latin1 : {"iso-8859-1", "iso8859-1", "latin1"})
    if (smtp::iequals(name, latin1)) return Charset::latin1;
  return std::nullopt;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// RFC 2047 §4.2: "_" is a space, "=XX" a byte.
bool decode_q(std::string_view in, std::string& out) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '_') {
      out += ' ';
    } else if (in[i] == '=') {
      if (i + 2 >= in.size()) return false;
      const int high = hex_value(in[i + 1]), low = hex_value(in[i + 2]);
      if (high < 0 || low < 0) return false;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return true;
}

// RFC 2047 §4.1 (RFC 2045 §6.8 alphabet); padding ends the data.
bool decode_b(std::string_view in, std::string& out) {
  unsigned bits = 0;
  int count = 0;
  for (const char c : in) {
    if (c == '=') break;
    const int v = base64_value(c);
    if (v < 0) return false;
    bits = (bits << 6 | static_cast<unsigned>(v)) & 0xffffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      out += static_cast<char>((bits >> count) & 0xff);
    }
  }
  return true;
}

void append_latin1(std::string& out, std::string_view bytes) {
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

// Decodes the encoded-word at the start of `s` ("=?charset?E?text?=") onto `out`; returns
// its length, or 0 when `s` does not start with one this decoder knows.
std::size_t decode_word(std::string_view s, std::string& out) {
  s = s.substr(0, max_word);
  if (s.size() < 8 || s[0] != '=' || s[1] != '?') return 0;
  const auto q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 + 3 >= s.size() || s[q1 + 2] != '?') return 0;
  const auto q3 = s.find('?', q1 + 3);
  if (q3 == std::string_view::npos || q3 + 1 >= s.size() || s[q3 + 1] != '=') return 0;
  const auto charset = charset_of(s.substr(2, q1 - 2));
  const std::string_view text = s.substr(q1 + 3, q3 - q1 - 3);
  if (!charset || text.find_first_of(" \t") != std::string_view::npos) return 0;
  std::string bytes;
  const char encoding = s[q1 + 1];
  const bool ok = (encoding == 'B' || encoding == 'b')   ? decode_b(text, bytes)
                  : (encoding == 'Q' || encoding == 'q') ? decode_q(text, bytes)
                                                         : false;
  if (!ok) return 0;
  if (*charset == Charset::latin1)
    append_latin1(out, bytes);
  else
    out += bytes;
  return q3 + 2;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

std::string decode_encoded_words(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool after_word = false;  // the last thing decoded was an encoded-word
  std::size_t i = 0;
  while (i < text.size()) {
    if (after_word && is_space(text[i])) {
      // Whitespace between two encoded-words is not text (§6.2): keep it only if no word
      // follows.
      std::size_t j = i;
      while (j < text.size() && is_space(text[j])) ++j;
      if (const auto used = decode_word(text.substr(j), out)) {
        i = j + used;
        continue;
      }
      out.append(text.substr(i, j - i));
      i = j;
      after_word = false;
      continue;
    }
    if (text[i] == '=') {
      if (const auto used = decode_word(text.substr(i), out)) {
        i += used;
        after_word = true;
        continue;
      }
    }
    out += text[i++];
    after_word = false;
  }
  return out;
}

}  // namespace bounceback::scenario
