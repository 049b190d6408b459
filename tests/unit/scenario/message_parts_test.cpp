// The API's decoded view of a message: text, HTML, attachments (RFC 2231/2047 names, part
// numbers), links, charsets, and the bounds under hostile input.
#include "scenario/message_parts.hpp"

#include <catch2/catch.hpp>

#include "scenario/message_links.hpp"
#include "scenario/mime_entity.hpp"
#include "scenario/text_codecs.hpp"

using namespace bounceback::scenario;

namespace {
const std::string mixed =
    "Subject: x\r\n"
    "Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n"
    "--m\r\n"
    "Content-Type: multipart/alternative; boundary=a\r\n\r\n"
    "--a\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=E9 http://x.test/a.\r\n"
    "--a\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
    "<a href=\"https://x.test/r?a=1&amp;b=2\">r</a>\r\n"
    "--a--\r\n"
    "--m\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n"
    "Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
    "--m\r\nContent-Type: application/octet-stream\r\n"
    "Content-Disposition: attachment;\r\n filename*0*=UTF-8''%E2%82%AC; filename*1=\"uro.txt\"\r\n"
    "\r\nEuro\r\n"
    "--m\r\nContent-Type: text/plain; name=\"=?ISO-8859-1?Q?r=E9sum=E9.txt?=\"\r\n\r\nfile\r\n"
    "--m\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n"
    "--m--\r\n";
}  // namespace

TEST_CASE("text, HTML and attachments of a mixed message", "[scenario][mime][parts]") {
  const auto p = message_parts(mixed);
  CHECK(p.text == "caf\xc3\xa9 http://x.test/a.");  // the CRLF before "--a" is the delimiter's
  CHECK(p.html == "<a href=\"https://x.test/r?a=1&amp;b=2\">r</a>");
  REQUIRE(p.attachments.size() == 4);
  CHECK(p.attachments[0].part_id == "2");
  CHECK(p.attachments[0].type == "image/png");
  CHECK(p.attachments[0].content_id == "logo@x");
  CHECK(p.attachments[0].disposition == "inline");
  CHECK(p.attachments[0].size == 8);
  CHECK(attachment_bytes(p.attachments[0]) == "\x89PNG\r\n\x1a\n");
  CHECK(p.attachments[1].name ==
        "\xe2\x82\xac"
        "uro.txt");  // RFC 2231 continuations
  CHECK(attachment_bytes(p.attachments[1]) == "Euro");
  CHECK(p.attachments[2].name == "r\xc3\xa9sum\xc3\xa9.txt");  // RFC 2047 in a quoted name
  CHECK(p.attachments[3].type == "message/rfc822");
  CHECK(p.attachments[3].part_id == "5");
  CHECK(attachment_bytes(p.attachments[3]) == "Subject: inner\r\n\r\ninner body");
  CHECK_FALSE(p.parts_omitted);
  CHECK(p.unknown_charsets.empty());
  bool complete = false;
  CHECK(message_links(p.text, p.html, {}, complete) ==
        std::vector<std::string>{"http://x.test/a", "https://x.test/r?a=1&b=2"});
  CHECK(complete);
}

TEST_CASE("a single-part message is its own text, or one attachment", "[scenario][mime][parts]") {
  CHECK(message_parts("Subject: x\r\n\r\nhello\r\n").text == "hello\r\n");
  const auto p = message_parts("Content-Type: application/pdf; name=a.pdf\r\n\r\n%PDF");
  REQUIRE(p.attachments.size() == 1);
  CHECK(p.attachments[0].part_id == "1");
  CHECK(p.attachments[0].name == "a.pdf");
  CHECK(p.text.empty());
}

TEST_CASE("charsets become UTF-8; unknown ones are named and made valid",
          "[scenario][mime][parts]") {
  std::string out;
  append_as_utf8("\x80\x93\x94\x9d", Charset::cp1252, out);
  CHECK(out == "\xe2\x82\xac\xe2\x80\x9c\xe2\x80\x9d\xef\xbf\xbd");
  out.clear();
  append_as_utf8("\xa4\xbd\xe9", Charset::latin9, out);
  CHECK(out == "\xe2\x82\xac\xc5\x93\xc3\xa9");
  out.clear();
  append_valid_utf8("ok \xc3\xa9 \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82", out);
  CHECK(out ==
        "ok \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
        "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd");
  const auto p = message_parts("Content-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2 ok");
  CHECK(p.text == "\xef\xbf\xbd\xef\xbf\xbd ok");
  CHECK(p.unknown_charsets == std::vector<std::string>{"koi8-r"});
}

TEST_CASE("RFC 2231 parameters", "[scenario][mime]") {
  CHECK(header_parameter("attachment; filename*=iso-8859-1'fr'caf%E9.txt", "filename") ==
        "caf\xc3\xa9.txt");
  CHECK(header_parameter("x; name*0=\"a b\"; name*2=c; name*1=\"-\"", "name") == "a b-c");
  CHECK(header_parameter("x; name*1=gap", "name").empty());  // no section 0: nothing
  CHECK(header_parameter("x; name=plain; name*=UTF-8''other", "name") == "plain");
  CHECK(header_parameter("x; name*0*=bad%ZZ%4", "name") == "bad%ZZ%4");
}

TEST_CASE("hostile structure stays within the bounds", "[scenario][mime][parts]") {
  // Unterminated boundaries: the last part runs to the end.
  const auto open = message_parts(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nfirst\r\n--b\r\n"
      "Content-Type: image/gif\r\n\r\nGIF8");
  CHECK(open.text == "first");
  REQUIRE(open.attachments.size() == 1);
  CHECK(attachment_bytes(open.attachments[0]) == "GIF8");

  // Deep nesting is cut at 8 levels and flagged.
  std::string deep;
  for (int i = 0; i < 200; ++i)
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b" +
            std::to_string(i) + "\r\n";
  deep += "\r\ntoo deep\r\n";
  const auto d = message_parts(deep);
  CHECK(d.parts_omitted);
  CHECK(d.text.empty());

  // 5,000 parts: 1,000 visited, 100 attachments listed, the rest counted.
  std::string many = "Content-Type: multipart/mixed; boundary=p\r\n\r\n";
  for (int i = 0; i < 5000; ++i) many += "--p\r\nContent-Type: image/png\r\n\r\nx\r\n";
  const auto m = message_parts(many);
  CHECK(m.parts_omitted);
  CHECK(m.attachments.size() == 100);
  CHECK(m.attachments_omitted == 900);

  // A huge header and a text over the bound: cut at a character boundary, flagged.
  MessagePartsBounds small;
  small.max_text = 7;
  const auto t = message_parts("X-Big: " + std::string(1 << 20, 'a') +
                                   "\r\nContent-Type: text/plain; charset=latin1\r\n\r\n"
                                   "\xe9\xe9\xe9\xe9\xe9",
                               small);
  CHECK(t.text == "\xc3\xa9\xc3\xa9\xc3\xa9");
  CHECK(t.text_truncated);

  // A long file name is cut at a character boundary.
  const auto n =
      message_parts("Content-Type: image/png; name=\"" + std::string(300, 'x') + "\"\r\n\r\n");
  REQUIRE(n.attachments.size() == 1);
  CHECK(n.attachments[0].name.size() == 255);
}

TEST_CASE("links: schemes, punctuation, duplicates and bounds", "[scenario][mime][links]") {
  bool complete = false;
  CHECK(message_links("see (https://a.test/x?y=1), mailto:me@a.test; xhttp://no HTTP://B.test/", "",
                      {}, complete) ==
        std::vector<std::string>{"https://a.test/x?y=1", "mailto:me@a.test", "HTTP://B.test/"});
  CHECK(complete);
  CHECK(message_links("http:// https://", "", {}, complete).empty());
  std::string text;
  for (int i = 0; i < 300; ++i) text += "http://h.test/" + std::to_string(i % 150) + " ";
  text += "http://h.test/" + std::string(3000, 'z');
  const auto links = message_links(text, "", {}, complete);
  CHECK(links.size() == 100);
  CHECK_FALSE(complete);
}
