// Reply wire formatting (multi-line, enhanced codes) and parse_reply.
#include "smtp/reply.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace bounceback::smtp;

TEST_CASE("Reply wire form", "[smtp][reply]") {
  auto [code, enhanced, text, wire] =
      GENERATE(table<std::uint16_t, std::string, std::string, std::string>({
          {250, "2.1.0", "Ok", "250 2.1.0 Ok\r\n"},
          {550, "5.1.1", "User unknown", "550 5.1.1 User unknown\r\n"},
          {220, "", "mx.test ESMTP", "220 mx.test ESMTP\r\n"},
          {354, "", "End data", "354 End data\r\n"},
          {250, "2.0.0", "", "250 2.0.0\r\n"},
          {250, "", "", "250\r\n"},
          {250, "", "a\nb\nc", "250-a\r\n250-b\r\n250 c\r\n"},
          {450, "4.2.0", "first\nsecond", "450-4.2.0 first\r\n450 4.2.0 second\r\n"},
          {450, "4.2.0", "first\r\nsecond", "450-4.2.0 first\r\n450 4.2.0 second\r\n"},
          {250, "", "mx\n", "250-mx\r\n250\r\n"},
      }));
  const Reply r{code, enhanced, text};
  CAPTURE(text);
  CHECK(r.wire() == wire);
  std::string appended = "x";
  r.append_to(appended);
  CHECK(appended == "x" + wire);
}

TEST_CASE("Reply summary", "[smtp][reply]") {
  const Reply r{450, "4.2.0", "first\nsecond"};
  CHECK(r.summary() == "450 4.2.0 first / second");
  CHECK(Reply{250, "", ""}.summary() == "250");
}

TEST_CASE("parse_reply", "[smtp][reply]") {
  auto [input, ok, code, enhanced, text] =
      GENERATE(table<std::string, bool, std::uint16_t, std::string, std::string>({
          {"550 5.1.1 User unknown", true, 550, "5.1.1", "User unknown"},
          {"550 User unknown", true, 550, "", "User unknown"},
          {"550", true, 550, "", ""},
          {"550 ", true, 550, "", ""},
          {"550 5.1.1", true, 550, "5.1.1", ""},
          {"421 4.7.0 mx closing\r\n", true, 421, "4.7.0", "mx closing"},
          {"250-2.0.0 a\r\n250 2.0.0 b\r\n", true, 250, "2.0.0", "a\nb"},
          {"250-a\n250-b\n250 c", true, 250, "", "a\nb\nc"},
          {"451 4.3.0 first\nsecond line", true, 451, "4.3.0", "first\nsecond line"},
          {"250 5.5.5.5 odd", true, 250, "", "5.5.5.5 odd"},
          {"250 3.0.0 odd", true, 250, "", "3.0.0 odd"},
          {"250-a\n251 b", false, 0, "", ""},
          {"", false, 0, "", ""},
          {"abc", false, 0, "", ""},
          {"25", false, 0, "", ""},
          {"2500 x", false, 0, "", ""},
          {"150 x", false, 0, "", ""},
          {"600 x", false, 0, "", ""},
          {"25x ok", false, 0, "", ""},
      }));
  CAPTURE(input);
  Reply r;
  REQUIRE(parse_reply(input, r) == ok);
  if (!ok) return;
  CHECK(r.code == code);
  CHECK(r.enhanced == enhanced);
  CHECK(r.text == text);
}

TEST_CASE("parse_reply inverts wire()", "[smtp][reply]") {
  const Reply replies[] = {
      {250, "2.1.0", "Ok"},
      {550, "5.7.1", "line one\nline two\nline three"},
      {220, "", "mx.test ESMTP"},
      {421, "4.4.2", "timeout"},
  };
  for (const auto& in : replies) {
    Reply out;
    REQUIRE(parse_reply(in.wire(), out));
    CHECK(out.code == in.code);
    CHECK(out.enhanced == in.enhanced);
    CHECK(out.text == in.text);
  }
}

TEST_CASE("is_enhanced_code", "[smtp][reply]") {
  auto [code, valid] = GENERATE(table<std::string, bool>({
      {"2.0.0", true},
      {"4.7.0", true},
      {"5.1.1", true},
      {"5.999.999", true},
      {"3.0.0", false},
      {"5.1000.1", false},
      {"5.1", false},
      {"5..1", false},
      {"5.1.", false},
      {"5.1.1.1", false},
      {"55.1.1", false},
      {"5.a.1", false},
      {"", false},
      {".", false},
  }));
  CAPTURE(code);
  CHECK(is_enhanced_code(code) == valid);
}
