// bounceback::embedded::Server in this process, over real sockets (the examples' tiny SMTP
// client): ports, messages, generated mail waited for, scenarios from text, names and files,
// errors, reset, stop. The examples (examples/cpp) are the same built against an install.
#include <bounceback/embedded.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>

#include "../../../examples/cpp/send_mail.hpp"

using bounceback::embedded::Server;
using namespace std::chrono_literals;

namespace {
std::string send(const Server& mx, const std::string& to, const std::string& subject = "Hello") {
  return example::send_mail(mx.smtp_port(), "app@example.test", to, subject, "Body text");
}
}  // namespace

TEST_CASE("two embedded servers listen on distinct free loopback ports", "[embedded]") {
  Server a, b;
  CHECK(a.smtp_port() != 0);
  CHECK(a.http_port() != 0);
  CHECK(a.smtp_port() != b.smtp_port());
  CHECK(a.api_url() == "http://127.0.0.1:" + std::to_string(a.http_port()));
}

TEST_CASE("a message is read back: envelope, decoded subject and text, raw", "[embedded]") {
  Server mx;
  CHECK(send(mx, "user@example.test", "=?UTF-8?B?Q2Fmw6k=?=").starts_with("250 "));
  const auto all = mx.messages();
  REQUIRE(all.size() == 1);
  const auto& m = all.front();
  CHECK(m.from == "app@example.test");
  CHECK(m.to == std::vector<std::string>{"user@example.test"});
  CHECK(m.subject == "Caf\xc3\xa9");
  CHECK(m.text.starts_with("Body text"));
  CHECK(m.raw.starts_with("Received: "));
  CHECK(m.generated.empty());
  REQUIRE(mx.message(m.id));
  CHECK(mx.message(m.id)->raw == m.raw);
  CHECK_FALSE(mx.message("no-such-id"));
  CHECK(mx.messages({.to = "other@example.test"}).empty());
  CHECK(mx.messages({.subject = "caf"}).size() == 1);
}

TEST_CASE("wait_for returns generated mail once it exists, and times out", "[embedded]") {
  Server mx;
  CHECK(send(mx, "dsn-550-5.1.1@reply.test").starts_with("250 "));  // 250, then a DSN back
  const auto dsn = mx.wait_for({.to = "app@example.test"}, 5s);
  CHECK(dsn.generated == "dsn");
  CHECK(dsn.from.empty());
  CHECK_THROWS_AS(mx.wait_for({.to = "nobody@example.test"}, 100ms),
                  bounceback::embedded::WaitTimeout);
}

TEST_CASE("scenarios from a name, TOML text or a file, a bad one refused", "[embedded]") {
  Server mx({.scenario = "unknown-user"});
  const auto path = std::filesystem::temp_directory_path() / "bounceback-embedded-test.toml";
  std::ofstream(path) << "[[rule]]\non = \"rcpt\"\nreply = \"552 5.2.2 Mailbox full\"\n";
  mx.use_scenario_file(path);
  std::filesystem::remove(path);
  CHECK(send(mx, "user@example.test") == "552 5.2.2 Mailbox full");

  mx.use_scenario("[[rule]]\non = \"rcpt\"\nreply = \"554 5.7.1 No\"\n");
  CHECK(send(mx, "user@example.test") == "554 5.7.1 No");
  try {
    mx.use_scenario("[[rule]]\non = \"rcpt\"\nreply = 42\n");
    FAIL("a bad scenario was accepted");
  } catch (const bounceback::embedded::ScenarioError& e) {
    CHECK(std::string(e.what()).find(":3:") != std::string::npos);  // names the line
  }
  CHECK(send(mx, "user@example.test") == "554 5.7.1 No");  // the old one stays
  mx.use_scenario("accept-all");
  CHECK(send(mx, "user@example.test").starts_with("250 "));
  CHECK_THROWS_AS(mx.use_scenario("no-such-scenario"), bounceback::embedded::ScenarioError);
}

TEST_CASE("bad options and an unknown scenario fail at construction", "[embedded]") {
  CHECK_THROWS_AS(Server({.args = {"--no-such-option", "1"}}), std::invalid_argument);
  CHECK_THROWS_AS(Server({.scenario = "no-such-scenario"}), bounceback::embedded::ScenarioError);
  Server first;
  const auto taken = "127.0.0.1:" + std::to_string(first.smtp_port());
  CHECK_THROWS_AS(Server({.args = {"--smtp", taken}}), std::runtime_error);
}

TEST_CASE("the clock only moves forward, reset keeps the scenario", "[embedded]") {
  Server mx({.scenario = "greylisting"});
  CHECK(send(mx, "user@example.test").starts_with("451 "));
  CHECK_THROWS_AS(mx.advance_clock(-1s), std::invalid_argument);
  mx.reset();  // the greylist forgets the first attempt: refused again after 61s
  mx.advance_clock(61s);
  CHECK(send(mx, "user@example.test").starts_with("451 "));
  CHECK(mx.attempts("user@example.test").size() == 1);
}

TEST_CASE("stop is idempotent, what was captured stays readable", "[embedded]") {
  Server mx;
  CHECK(send(mx, "user@example.test").starts_with("250 "));
  const auto port = mx.smtp_port();
  mx.stop();
  mx.stop();
  CHECK(mx.messages().size() == 1);
  CHECK_THROWS(example::send_mail(port, "a@example.test", "b@example.test", "x", "y"));
}
