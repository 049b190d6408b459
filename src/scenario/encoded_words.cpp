// RFC 2047 decoding: B (base64) and Q encodings, the charsets of text_codecs.hpp.
// Lenient like mail clients (a word next to text is decoded too), bounded like everything
// else: a word is looked for only within max_word bytes, so hostile input stays linear.
#include "scenario/encoded_words.hpp"

#include "scenario/text_codecs.hpp"
#include "smtp/base64.hpp"

namespace bounceback::scenario {
namespace {

// RFC 2047 §2 allows 75; mailers that exceed it are common, a hostile header is not a word.
constexpr std::size_t max_word = 256;

// Decodes the encoded-word at the start of `s` ("=?charset?E?text?=") onto `out`; returns
// its length, or 0 when `s` does not start with one this decoder knows.
std::size_t decode_word(std::string_view s, std::string& out) {
  s = s.substr(0, max_word);
  if (s.size() < 8 || s[0] != '=' || s[1] != '?') return 0;
  const auto q1 = s.find('?', 2);
  if (q1 == std::string_view::npos || q1 + 3 >= s.size() || s[q1 + 2] != '?') return 0;
  const auto q3 = s.find('?', q1 + 3);
  if (q3 == std::string_view::npos || q3 + 1 >= s.size() || s[q3 + 1] != '=') return 0;
  const auto charset = known_charset(s.substr(2, q1 - 2));
  const std::string_view text = s.substr(q1 + 3, q3 - q1 - 3);
  if (!charset || text.find_first_of(" \t") != std::string_view::npos) return 0;
  std::string bytes;
  const char encoding = s[q1 + 1];
  if (encoding == 'B' || encoding == 'b') {
    auto decoded = smtp::base64_decode(text);
    if (!decoded) return 0;
    bytes = std::move(*decoded);
  } else if (!(encoding == 'Q' || encoding == 'q') || !decode_quoted_printable(text, bytes, true)) {
    return 0;
  }
  append_as_utf8(bytes, *charset, out);
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
