// Glob and regex patterns, CIDR prefixes and header lookup.
#include "scenario/pattern.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <vector>

#include "scenario/cidr.hpp"
#include "scenario/message_view.hpp"

using namespace bounceback::scenario;

namespace {
Pattern compile(std::string_view spec) {
  std::string error;
  auto p = Pattern::compile(spec, error);
  INFO(error);
  REQUIRE(p.valid());
  return p;
}
}  // namespace

TEST_CASE("globs match the whole text, case-insensitively", "[scenario][pattern]") {
  auto p = compile("*@unknown.example");
  CHECK(p.matches("bob@unknown.example"));
  CHECK(p.matches("BOB@Unknown.EXAMPLE"));
  CHECK_FALSE(p.matches("bob@unknown.example.org"));
  CHECK_FALSE(p.matches("bob@known.example"));
  auto q = compile("retry-me@*");
  CHECK(q.matches("retry-me@x.test"));
  CHECK_FALSE(q.matches("xretry-me@x.test"));
  auto dot = compile("a.b?");  // '.' is literal, '?' is one character
  CHECK(dot.matches("a.bc"));
  CHECK_FALSE(dot.matches("axbc"));
  CHECK_FALSE(dot.matches("a.b"));
  auto meta = compile("(x)+[y]");  // regex metacharacters in a glob are literal
  CHECK(meta.matches("(x)+[y]"));
  CHECK_FALSE(meta.matches("xx"));
}

namespace {
// The same glob as a plain RE2 regex ("re:"), which never takes the literal pre-check.
std::string as_regex(std::string_view glob) {
  std::string out = "re:(?i)^(?:";
  for (char c : glob) {
    if (c == '*')
      out += ".*";
    else if (c == '?')
      out += '.';
    else if (static_cast<unsigned char>(c) < 0x80 && !std::isalnum(static_cast<unsigned char>(c)))
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out + ")$";
}
}  // namespace

TEST_CASE("the glob literal pre-check agrees with RE2", "[scenario][pattern]") {
  const std::vector<std::string> globs = {"*@unknown.example",
                                          "retry-me@*",
                                          "a.b?",
                                          "exact@x.test",
                                          "*",
                                          "?",
                                          "ab*ba",
                                          "*@*",
                                          "*s@example.com",
                                          "k*",
                                          "*ss",
                                          "a?*c",
                                          "**x",
                                          "\xc3\xa9*@x.test",
                                          "*@\xc3\xa9.test",
                                          "Stra\xc3\x9f*",
                                          "\xe2\x84\xaa*",
                                          "*\xc5\xbf"};
  const std::vector<std::string> texts = {"",
                                          "a",
                                          "x",
                                          "bob@unknown.example",
                                          "BOB@UNKNOWN.EXAMPLE",
                                          "bob@unknown.example.org",
                                          "retry-me@x.test",
                                          "RETRY-ME@",
                                          "a.bc",
                                          "a.b",
                                          "axbc",
                                          "a.b\xc3\xa9",
                                          "exact@X.TEST",
                                          "aba",
                                          "abba",
                                          "ab\nba",
                                          "ss@example.com",
                                          "\xc5\xbfs@example.com",
                                          "\xc5\xbf@example.com",
                                          "k",
                                          "K",
                                          "\xe2\x84\xaa",
                                          "\xe2\x84\xaa"
                                          "elvin",
                                          "kelvin",
                                          "ss",
                                          "s\xc5\xbf",
                                          "\xc5\xbf",
                                          "abc",
                                          "a\xc3\xa9"
                                          "c",
                                          "ac",
                                          "\xc3\xa9@x.test",
                                          "\xc3\x89@X.test",
                                          "e@\xc3\x89.test",
                                          "strasse",
                                          "STRA\xc3\x9f"
                                          "E",
                                          "stra\xe1\xba\x9e",
                                          "\xff\xfe@x.test",
                                          "x\xffx"};
  for (const auto& g : globs) {
    const auto fast = compile(g);
    const auto slow = compile(as_regex(g));
    for (const auto& t : texts) {
      INFO("glob " << g << " text " << t);
      CHECK(fast.matches(t) == slow.matches(t));
    }
  }
}

TEST_CASE("re: patterns are RE2 regexes searched anywhere", "[scenario][pattern]") {
  auto p = compile("re:^(alice|bob)@");
  CHECK(p.matches("alice@x.test"));
  CHECK_FALSE(p.matches("carol@x.test"));
  auto cs = compile("re:viagra");
  CHECK(cs.matches("buy viagra now"));
  CHECK_FALSE(cs.matches("buy VIAGRA now"));  // regexes are case-sensitive unless (?i)
  auto ci = compile("re:(?i)viagra");
  CHECK(ci.matches("buy VIAGRA now"));
  std::string error;
  CHECK_FALSE(Pattern::compile("re:(unclosed", error).valid());
  CHECK_FALSE(error.empty());
  CHECK_FALSE(Pattern::compile("re:(a)\\1", error).valid());  // backreferences: not in RE2
}

TEST_CASE("CIDR prefixes, IPv4 and IPv6", "[scenario][cidr]") {
  auto in = [](std::string_view cidr, std::string_view ip) {
    auto c = parse_cidr(cidr);
    auto a = parse_ip(ip);
    REQUIRE(c);
    REQUIRE(a);
    return c->contains(*a);
  };
  CHECK(in("10.0.0.0/8", "10.255.1.2"));
  CHECK_FALSE(in("10.0.0.0/8", "11.0.0.1"));
  CHECK(in("192.0.2.0/24", "192.0.2.77"));
  CHECK_FALSE(in("192.0.2.0/24", "192.0.3.1"));
  CHECK(in("192.0.2.128/25", "192.0.2.200"));
  CHECK_FALSE(in("192.0.2.128/25", "192.0.2.100"));
  CHECK(in("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(in("127.0.0.1", "127.0.0.2"));
  CHECK(in("0.0.0.0/0", "203.0.113.9"));
  CHECK(in("127.0.0.1", "::ffff:127.0.0.1"));  // a mapped address is the same client
  CHECK(in("2001:db8::/32", "2001:db8:1234::1"));
  CHECK_FALSE(in("2001:db8::/32", "2001:db9::1"));
  CHECK(in("::1", "::1"));
  CHECK_FALSE(in("::1", "::2"));
  CHECK(in("fe80::/10", "fe80::1:2:3:4"));
  CHECK(in("2001:db8::1", "2001:0db8:0:0:0:0:0:1"));
  CHECK(in("::/0", "1.2.3.4"));  // ::/0 holds every address, mapped IPv4 included
  for (auto bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/33", "1.2.3.4/",
                   "::1::2", "2001:db8::/129", "12345::", "1:2:3:4:5:6:7:8:9", "g::1", "a/8"}) {
    INFO(bad);
    CHECK_FALSE(parse_cidr(bad));
  }
}

TEST_CASE("header lookup: case-insensitive names, unfolded values; body", "[scenario][message]") {
  const std::string m =
      "Received: from x\r\n\tby y\r\n"
      "SUBJECT: Hello\r\n  folded world\r\n"
      "X-Tag: one\r\n"
      "x-tag: two\r\n"
      "\r\n"
      "Subject: not a header (body)\r\n";
  std::vector<std::string> seen;
  for_each_header(m, "subject", [&](std::string_view v) {
    seen.emplace_back(v);
    return false;
  });
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == "Hello  folded world");
  seen.clear();
  for_each_header(m, "X-TAG", [&](std::string_view v) {
    seen.emplace_back(v);
    return false;
  });
  CHECK(seen == std::vector<std::string>{"one", "two"});
  CHECK(message_body(m) == "Subject: not a header (body)\r\n");
  CHECK(message_body("No-Body: x\r\n") == "");
  CHECK_FALSE(for_each_header(m, "Missing", [](std::string_view) { return true; }));
}
