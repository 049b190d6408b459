// The body regexes searched together (RE2::Set) answer as each pattern alone would.
#include "scenario/body_regexes.hpp"

#include <catch2/catch.hpp>

#include "scenario/message_view.hpp"
#include "support.hpp"

using namespace test;

TEST_CASE("body regexes searched in one pass answer as each pattern alone",
          "[scenario][body_regexes]") {
  const std::vector<std::string> patterns{"re:(?i)(click here to claim|wire transfer urgently)",
                                          "re:[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{4}",
                                          "re:",  // matches every body, the empty one too
                                          "re:^$",
                                          "re:^1X",
                                          "re:X\\r\\n$",
                                          "re:a.b",  // dot_nl: . spans lines, as in a glob's *
                                          "re:(?i)k\\.test",  // RE2 folds U+212A onto k
                                          "*click*",          // globs are matched alone
                                          "1X*"};
  std::string toml;
  for (const auto& p : patterns) {
    std::string escaped;
    for (char c : p) escaped += c == '\\' ? std::string("\\\\") : std::string(1, c);
    toml += "[[rule]]\non = \"message\"\nbody = \"" + escaped + "\"\nreply = \"554 5.7.1 no\"\n";
  }
  const auto s = load(toml);
  REQUIRE(s->body_regexes.in_use());

  std::string lines;
  for (int i = 1; i <= 13; ++i) lines += std::to_string(i % 10) + std::string(77, 'X') + "\r\n";
  const std::vector<std::string> bodies{lines,
                                        "",
                                        "Click Here To Claim your prize",
                                        "card 1234-5678-9012-3456 ok",
                                        "a\nb",
                                        "x@\xe2\x84\xaa.test",
                                        "\xff\xfe invalid UTF-8 \xc3",
                                        "1XX\r\n"};
  int found = 0;
  for (const auto& body : bodies) {
    const std::string message = "From: <a@b.test>\r\nSubject: x\r\n\r\n" + body;
    // Asked in file order and in reverse, each with a fresh search.
    scenario::BodyRegexes::Search forward(s->body_regexes, message),
        backward(s->body_regexes, message);
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const auto& rule = s->rules[i];
      const auto& last = s->rules[patterns.size() - 1 - i];
      INFO("body <" << body << "> pattern " << rule.body->spec());
      const bool alone = rule.body->matches(scenario::message_body(message));
      CHECK(forward.matches(rule) == alone);
      CHECK(backward.matches(last) == last.body->matches(scenario::message_body(message)));
      found += alone;
    }
  }
  CHECK(found > 15);  // the bodies exercise both answers
}

TEST_CASE("body regexes keep first-match order", "[scenario][body_regexes]") {
  Harness h(R"(
[[rule]]
on = "message"
body = "re:(?i)casino"
reply = "554 5.7.1 first"
[[rule]]
on = "message"
rcpt = "*@a.test"
reply = "550 5.7.1 second"
[[rule]]
on = "message"
body = "re:lottery"
reply = "554 5.7.1 third"
)");
  Client c;
  c.rcpts = {"x@b.test"};
  CHECK(h.message(c, "Subject: x\r\n\r\nlottery and CASINO\r\n").rule == 0);
  c.rcpts = {"x@b.test"};
  CHECK(h.message(c, "Subject: x\r\n\r\nlottery\r\n").rule == 2);
  c.rcpts = {"x@a.test"};
  CHECK(h.message(c, "Subject: x\r\n\r\nlottery\r\n").rule == 1);
  c.rcpts = {"x@b.test"};
  CHECK(h.message(c, "Subject: casino\r\n\r\nnothing\r\n").rule == -1);  // the body only
}

TEST_CASE("a single body regex is matched alone", "[scenario][body_regexes]") {
  const auto one = load(
      "[[rule]]\non = \"message\"\nbody = \"re:x\"\n"
      "[[rule]]\non = \"message\"\nbody = \"*y*\"\n");
  CHECK_FALSE(one->body_regexes.in_use());
}
