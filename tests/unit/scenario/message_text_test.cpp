// The text body rules read: MIME decoding of single-part and multipart messages, and its bounds.
#include "scenario/message_text.hpp"

#include <catch2/catch.hpp>

#include "scenario/text_codecs.hpp"
#include "support.hpp"

using bounceback::scenario::message_text;
using namespace test;

namespace {
std::string text_of(const std::string& message) {
  std::string storage;
  return std::string(message_text(message, storage));
}
}  // namespace

TEST_CASE("a plain body is read as it is, without a copy", "[scenario][mime]") {
  const std::string m = "Subject: x\r\n\r\nHello =41 world\r\n";
  std::string storage;
  const auto text = message_text(m, storage);
  CHECK(text == "Hello =41 world\r\n");  // 7bit: '=41' is text, not an escape
  CHECK(text.data() == m.data() + m.find("Hello"));
  CHECK(storage.empty());
}

TEST_CASE("transfer encodings and charsets are decoded", "[scenario][mime]") {
  CHECK(text_of("Content-Transfer-Encoding: base64\r\n\r\nQ2xpY2sg\r\naGVyZQ==\r\n") ==
        "Click here");
  CHECK(text_of("Content-Transfer-Encoding: Quoted-Printable\r\n\r\n"
                "wire trans=\r\nfer =E2=82=AC5 a=3Db =ZZ\r\n") ==
        "wire transfer \xe2\x82\xac"
        "5 a=b =ZZ\r\n");
  CHECK(text_of("Content-Type: text/plain; charset=\"ISO-8859-1\"\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9\r\n") ==
        "caf\xc3\xa9\r\n");
  CHECK(text_of("Content-Type: text/plain; charset=latin1\r\n\r\ncaf\xe9") == "caf\xc3\xa9");
  CHECK(text_of("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                "JVBERi0=\r\n") == "");  // not text
}

TEST_CASE("multipart: the text parts, decoded, in order", "[scenario][mime]") {
  const std::string m =
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "preamble is not a part\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
      "--inner\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
      "Please click=\r\n here\r\n"
      "--inner\r\n"
      "Content-Type: text/html\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "PGI+d2lyZTwvYj4=\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
      "--outerX\r\nnot a delimiter, still the image part\r\n"
      "--outer--\r\n"
      "epilogue is not a part\r\n";
  CHECK(text_of(m) == "Please click here\n<b>wire</b>");
}

TEST_CASE("text attachments and attached messages are read, other attachments are not",
          "[scenario][mime]") {
  const std::string m =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
      "--b\r\nContent-Type: text/csv; name=\"list.csv\"\r\n"
      "Content-Disposition: attachment; filename=\"list.csv\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nYSxiCjEsMgo=\r\n"
      "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n"
      "--b\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
      "Subject: fwd\r\n\r\nForwarded text\r\n"
      "--b--\r\n";
  CHECK(text_of(m) == "See attached.\na,b\n1,2\n\nForwarded text");
}

TEST_CASE("a multipart without a boundary has no text", "[scenario][mime]") {
  CHECK(text_of("Content-Type: multipart/mixed\r\n\r\n--\r\n\r\nText\r\n--\r\n") == "");
  CHECK(text_of("Content-Type: multipart/mixed; boundary=\"\"\r\n\r\n--\r\n\r\nText\r\n--\r\n") ==
        "");
}

TEST_CASE("body rules read the decoded text", "[scenario][mime]") {
  Harness h(R"(
[[rule]]
on = "message"
body = "re:(?i)click here to claim"
reply = "554 5.7.1 spam"
[[rule]]
on = "message"
body = "*wire transfer*"
reply = "554 5.7.1 fraud"
)");
  Client c;
  auto d =
      h.message(c, "Content-Transfer-Encoding: base64\r\n\r\nQ2xpY2sgaGVyZSB0byBjbGFpbQ==\r\n");
  REQUIRE(d.reply);
  CHECK(d.reply->text == "spam");
  d = h.message(c,
                "Content-Transfer-Encoding: quoted-printable\r\n\r\nurgent wire trans=\r\nfer\r\n");
  REQUIRE(d.reply);
  CHECK(d.reply->text == "fraud");
  CHECK_FALSE(h.message(c, "Subject: x\r\n\r\nnothing to see\r\n").reply);
}

TEST_CASE("hostile MIME stays bounded", "[scenario][mime]") {
  // Nesting deeper than 8 levels is not followed.
  std::string deep = "Subject: x\r\n";
  for (int i = 0; i < 20; ++i)
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
            std::to_string(i) + "\r\n";
  deep += "Content-Type: text/plain\r\n\r\ntoo deep\r\n";
  CHECK(text_of(deep).find("too deep") == std::string::npos);
  // Parts beyond 1,000 are not read; the output never exceeds twice the input.
  std::string many = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
  for (int i = 0; i < 3000; ++i)
    many += "--p\r\nContent-Type: text/plain; charset=latin1\r\n\r\n\xff\xff\r\n";
  many += "--p--\r\n";
  const auto text = text_of(many);
  CHECK(text.size() <= 1000 * 8);
  CHECK(text.size() <= 2 * many.size());
}
