// Hostile input: regexes and globs over a 50 MB body stay linear and never recurse deeply.
#include <catch2/catch.hpp>
#include <chrono>

#include "support.hpp"

using namespace test;

TEST_CASE("body and header patterns over a 50 MB message", "[scenario][re2][slow]") {
  Harness h(R"(
[[rule]]
on = "message"
body = "re:(a+)+b"
reply = "554 5.7.1 catastrophic backtracking would hang here"
[[rule]]
on = "message"
body = "re:(?i)(x|xx)*y"
reply = "554 5.7.1 second"
[[rule]]
on = "message"
body = "*needle*"
reply = "554 5.7.1 found the needle"
[[rule]]
on = "message"
header.Subject = "re:(a|aa)*c"
reply = "554 5.7.1 header"
)");
  Client c;
  // 50 MB of 'a' with no 'b': a backtracking engine takes exponential time on rule 0.
  std::string message = "Subject: " + std::string(1 << 20, 'a') + "\r\n\r\n";
  message.append(50u << 20, 'a');
  message += "\r\n";
  const auto start = std::chrono::steady_clock::now();
  auto d = h.message(c, message);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(d.proceeds());
  CHECK(elapsed < std::chrono::seconds(20));

  // The same size with the needle at the very end does match.
  message.back() = '\n';
  message += "the needle\r\n";
  auto found = h.message(c, message);
  CHECK(code_of(found) == 554);
  CHECK(found.rule == 2);
}
