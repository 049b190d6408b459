// RFC 2047 encoded-words: what decodes, what stays as written, and header rules on them.
#include "scenario/encoded_words.hpp"

#include <catch2/catch.hpp>

#include "scenario/message_view.hpp"
#include "support.hpp"

using bounceback::scenario::decode_encoded_words;
using namespace test;

TEST_CASE("encoded-words decode to UTF-8", "[scenario][encoded-words]") {
  using Row = std::tuple<std::string, std::string>;
  auto [in, out] = GENERATE(table<std::string, std::string>({
      Row{"=?UTF-8?B?Q2Fmw6kgb2ZmZXI=?=", "Caf\xc3\xa9 offer"},
      Row{"=?utf-8?b?Q2Fmw6kgb2ZmZXI?=", "Caf\xc3\xa9 offer"},  // lower case, no padding
      Row{"=?UTF-8?Q?Caf=C3=A9_offer?=", "Caf\xc3\xa9 offer"},
      Row{"=?ISO-8859-1?Q?Caf=E9?=", "Caf\xc3\xa9"},  // Latin-1 becomes UTF-8
      Row{"=?iso-8859-1?B?Q2Fm6Q==?=", "Caf\xc3\xa9"},
      Row{"=?US-ASCII*en?Q?plain?=", "plain"},  // RFC 2231 language suffix
      Row{"Re: =?UTF-8?Q?caf=C3=A9?= now", "Re: caf\xc3\xa9 now"},
      // Whitespace between two words is dropped (§6.2), around text it stays.
      Row{"=?UTF-8?Q?a?= =?UTF-8?Q?b?=", "ab"}, Row{"=?UTF-8?Q?a?=\t  =?UTF-8?Q?b?= c", "ab c"},
      Row{"=?UTF-8?Q?a_?= =?UTF-8?Q?b?=", "a b"},
      Row{"x=?UTF-8?Q?a?=y", "xay"},  // lenient, like mail clients
  }));
  CAPTURE(in);
  CHECK(decode_encoded_words(in) == out);
}

TEST_CASE("what is not a known, well-formed word stays as written", "[scenario][encoded-words]") {
  auto in = GENERATE(as<std::string>{}, "plain text", "=?", "=?UTF-8?Q?unfinished",
                     "=?UTF-8?X?unknown encoding?=", "=?KOI8-R?B?8NLJ18XU?=",  // other charset
                     "=?UTF-8?Q?bad=ZZ?=", "=?UTF-8?Q?cut=A?=", "=?UTF-8?B?not*base64?=",
                     "=?UTF-8?Q?has space?=", "a =?x?= b", "100% =?");
  CAPTURE(in);
  CHECK(decode_encoded_words(in) == in);
}

TEST_CASE("a hostile header stays linear and bounded", "[scenario][encoded-words]") {
  std::string many;
  for (int i = 0; i < 200000; ++i) many += "=?UTF-8?Q?";  // 2 MB of word openings, none closed
  CHECK(decode_encoded_words(many) == many);
  const std::string word = "=?ISO-8859-1?B?" + std::string(200, '/') + "?=";  // 150 0xff bytes
  const auto out = decode_encoded_words(word);
  CHECK(out.size() == 300);  // each a two-byte UTF-8 character
  CHECK(out.size() <= word.size() * 2);
  // Beyond 256 bytes a "word" is not looked at.
  const std::string huge = "=?UTF-8?B?" + std::string(400, 'A') + "?=";
  CHECK(decode_encoded_words(huge) == huge);
}

TEST_CASE("header rules and lookups see decoded text", "[scenario][encoded-words]") {
  const std::string message =
      "From: a@b.test\r\nSubject: =?UTF-8?B?VmlhZ3JhIMOgIHByaXgg?=\r\n =?UTF-8?Q?cass=C3=A9?=\r\n"
      "\r\nbody\r\n";
  std::string subject;
  bounceback::scenario::for_each_header(message, "subject", [&](std::string_view v) {
    subject = std::string(v);
    return true;
  });
  CHECK(subject == "Viagra \xc3\xa0 prix cass\xc3\xa9");

  Harness h(R"(
[[rule]]
on = "message"
header.Subject = "re:(?i)viagra.*cassé"
reply = "554 5.7.1 spam"
)");
  Client c;
  c.message = message;
  auto d = h.engine.decide(c.event(bounceback::smtp::EventKind::message));
  REQUIRE(d.reply);
  CHECK(d.reply->code == 554);
}
