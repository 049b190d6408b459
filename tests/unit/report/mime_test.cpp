// The MIME helpers of the generated reports: folding, line ends, boundaries, reading the
// original's fields, encoded-words and xtext.
#include "report/mime.hpp"

#include <catch2/catch.hpp>

using namespace bounceback::report;

namespace {

std::size_t longest_line(const std::string& s) {
  std::size_t longest = 0, start = 0;
  while (start <= s.size()) {
    auto end = s.find("\r\n", start);
    if (end == std::string::npos) end = s.size();
    longest = std::max(longest, end - start);
    start = end + 2;
  }
  return longest;
}

}  // namespace

TEST_CASE("a field is folded at spaces and stripped of line breaks", "[report]") {
  std::string out;
  append_field(out, "Subject", "one\r\ntwo");
  CHECK(out == "Subject: one  two\r\n");

  out.clear();
  const std::string words(40, 'a');
  append_field(out, "Subject", words + " " + words + " " + words);
  CHECK(out == "Subject: " + words + "\r\n " + words + "\r\n " + words + "\r\n");

  out.clear();
  append_field(out, "X-Long", std::string(3000, 'x'));  // no space to fold at
  CHECK(longest_line(out) <= max_line);
  CHECK(out.size() > 3000);
}

TEST_CASE("text gets CRLF line ends and no line over 998 octets", "[report]") {
  std::string out;
  append_lines(out, "a\nb\r\nc\rd");
  CHECK(out == "a\r\nb\r\nc\r\nd\r\n");
  out.clear();
  append_lines(out, std::string(2500, 'y') + "\n");
  CHECK(longest_line(out) == max_line);
  CHECK(out.ends_with("\r\n"));
  out.clear();
  append_lines(out, "ends\r\n");
  CHECK(out == "ends\r\n");
}

TEST_CASE("a line is broken only past 998 octets, wherever it ends", "[report]") {
  const std::string a(max_line, 'a');
  const auto lines = [](std::string_view text) {
    std::string out;
    append_lines(out, text);
    return out;
  };
  CHECK(lines(a) == a + "\r\n");
  CHECK(lines(a + "\r\n") == a + "\r\n");
  CHECK(lines(a + "b") == a + "\r\nb\r\n");
  CHECK(lines(a + a + "\n") == a + "\r\n" + a + "\r\n");
  CHECK(lines(a + a + "b\rc") == a + "\r\n" + a + "\r\nb\r\nc\r\n");
  CHECK(lines("\r\r\n\n") == "\r\n\r\n\r\n");
  CHECK(lines("").empty());
  std::string after = "x";  // text appended to a part that did not end its line
  append_lines(after, "");
  CHECK(after == "x\r\n");
}

TEST_CASE("an octet over 127 is found wherever it is", "[report]") {
  for (std::size_t size = 1; size < 40; ++size)
    for (std::size_t at = 0; at < size; ++at) {
      std::string s(size, 'a');
      CHECK_FALSE(has_8bit(s));
      s[at] = static_cast<char>(0x80 + at);
      CAPTURE(size, at);
      CHECK(has_8bit(s));
    }
}

TEST_CASE("a boundary occurs in none of the parts", "[report]") {
  const auto first = boundary_for(7, {"hello"});
  CHECK(first == "=_bb0000000000000007_0");
  const std::string trap = "--" + first + "\r\n";
  const auto second = boundary_for(7, {"hello", trap});
  CHECK(second != first);
  CHECK(trap.find(second) == std::string::npos);
}

TEST_CASE("the original's header fields are read, unfolded", "[report]") {
  const std::string message =
      "Subject: a long\r\n  subject\r\nmessage-id: <x@y>\r\n\r\nSubject: not a header\r\n";
  const auto headers = header_block(message);
  CHECK(headers == "Subject: a long\r\n  subject\r\nmessage-id: <x@y>\r\n");
  CHECK(header_value(headers, "subject") == "a long  subject");
  CHECK(header_value(headers, "Message-ID") == "<x@y>");
  CHECK(header_value(headers, "References").empty());
  CHECK(header_block("no body\nat all") == "no body\nat all");
  CHECK(header_block("A: b\n\nbody") == "A: b\n");
}

TEST_CASE("non-ASCII text becomes RFC 2047 encoded-words", "[report]") {
  CHECK(encode_words("plain") == "plain");
  CHECK(encode_words("Caf\xC3\xA9") == "=?UTF-8?B?Q2Fmw6k=?=");
  // Long text: several words, none over 75 characters, no UTF-8 sequence split.
  std::string long_text;
  for (int i = 0; i < 40; ++i) long_text += "\xC3\xA9";
  const auto encoded = encode_words(long_text);
  std::size_t start = 0;
  int words = 0;
  while (start < encoded.size()) {
    auto end = encoded.find(' ', start);
    if (end == std::string::npos) end = encoded.size();
    CHECK(end - start <= 75);
    ++words;
    start = end + 1;
  }
  CHECK(words == 2);
}

TEST_CASE("xtext and ORCPT are decoded as RFC 3461 says", "[report]") {
  CHECK(decode_xtext("a+2Bb+3Dc") == "a+b=c");
  CHECK(decode_xtext("keep+ZZ+2") == "keep+ZZ+2");  // not a hexchar: kept
  CHECK(original_recipient("rfc822;bob+2Bx@example.test") == "rfc822;bob+x@example.test");
  CHECK(original_recipient("RFC822; bob@example.test") == "RFC822;bob@example.test");
  CHECK(original_recipient("no type").empty());
  CHECK(printable("a\x01\xC3") == "a??");
}
