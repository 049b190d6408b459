// A mailer that retries after greylisting, tested with Catch2 against the embedded server.
#define CATCH_CONFIG_MAIN
#include <bounceback/embedded.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "send_mail.hpp"

using namespace std::chrono_literals;

// The mailer under test, here a tiny SMTP client: the reply where its transaction ended.
std::string send_mail(std::uint16_t port, const std::string& to) {
  return example::send_mail(port, "app@example.test", to, "Welcome", "Hi");
}

TEST_CASE("a greylisted message is accepted when retried after the window") {
  // 451 at the first attempt of each (client, sender, recipient); a retry after 60s passes
  bounceback::embedded::Server mx({.scenario = "greylisting"});

  CHECK(send_mail(mx.smtp_port(), "user@example.test").starts_with("451 4.7.1 "));
  mx.advance_clock(61s);  // instead of waiting a minute
  CHECK(send_mail(mx.smtp_port(), "user@example.test").starts_with("250 "));

  const auto attempts = mx.attempts("user@example.test");  // oldest first
  REQUIRE(attempts.size() == 2);
  CHECK(attempts[0].outcome == "refused");
  CHECK(*attempts[1].gap >= 61s);
  CHECK(mx.wait_for({.to = "user@example.test"}).subject == "Welcome");
}

TEST_CASE("reset forgets the messages, and scenarios swap as TOML text") {
  bounceback::embedded::Server mx;
  CHECK(send_mail(mx.smtp_port(), "b@example.test").starts_with("250 "));
  CHECK(mx.messages({.to = "b@example.test"}).size() == 1);
  mx.reset();
  CHECK(mx.messages().empty());

  mx.use_scenario(R"(
    [[rule]]
    on = "rcpt"
    rcpt = "*@unknown.example"
    reply = "550 5.1.1 <{rcpt}>: User unknown"
  )");
  CHECK(send_mail(mx.smtp_port(), "x@unknown.example") ==
        "550 5.1.1 <x@unknown.example>: User unknown");
  CHECK_THROWS_AS(mx.use_scenario("[[rule]]\non = \"nowhere\"\n"),
                  bounceback::embedded::ScenarioError);
}
