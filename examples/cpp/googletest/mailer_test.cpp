// A mailer that retries after greylisting, tested with GoogleTest against the embedded server:
// one server for the suite, reset before each test.
#include <gtest/gtest.h>

#include <bounceback/embedded.hpp>
#include <chrono>
#include <memory>

#include "send_mail.hpp"

using namespace std::chrono_literals;

class Greylisting : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    mx = std::make_unique<bounceback::embedded::Server>(
        bounceback::embedded::Options{.scenario = "greylisting"});
  }
  static void TearDownTestSuite() { mx.reset(); }  // stops it, joins its threads
  void SetUp() override { mx->reset(); }           // no messages, an empty greylist

  static std::string send(const std::string& to) {
    return example::send_mail(mx->smtp_port(), "app@example.test", to, "Welcome", "Hi");
  }
  static inline std::unique_ptr<bounceback::embedded::Server> mx;
};

TEST_F(Greylisting, RetryAfterTheWindowIsAccepted) {
  EXPECT_EQ(send("user@example.test").substr(0, 10), "451 4.7.1 ");
  mx->advance_clock(61s);
  EXPECT_EQ(send("user@example.test").substr(0, 4), "250 ");

  const auto attempts = mx->attempts("user@example.test");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].outcome, "refused");
  EXPECT_EQ(attempts[1].outcome, "accepted");
  ASSERT_TRUE(attempts[1].gap.has_value());
  EXPECT_GE(*attempts[1].gap, 61s);

  const auto messages = mx->messages({.to = "user@example.test"});
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].subject, "Welcome");
  EXPECT_NE(messages[0].raw.find("\r\n\r\nHi\r\n"), std::string::npos);
}

TEST_F(Greylisting, RetryTooSoonIsRefusedAgain) {
  EXPECT_EQ(send("early@example.test").substr(0, 4), "451 ");
  mx->advance_clock(30s);
  EXPECT_EQ(send("early@example.test").substr(0, 4), "451 ");
  EXPECT_TRUE(mx->messages().empty());
  EXPECT_EQ(mx->attempts("early@example.test").size(), 2u);
}
