// The pure half of the Redis store: the --state URL, key names, which script a request uses
// and the arguments it becomes, and how the decide script's reply is read.
#include "redis/state_script.hpp"

#include <catch2/catch.hpp>

using namespace bounceback;
using namespace std::chrono_literals;

TEST_CASE("state URLs: redis://HOST:PORT[/DB]", "[redis]") {
  std::string error;
  auto u = redis::parse_url("redis://127.0.0.1:6380/2", error);
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 6380);
  CHECK(u->db == 2);
  u = redis::parse_url("redis://cache.internal", error);
  REQUIRE(u);
  CHECK(u->host == "cache.internal");
  CHECK(u->port == 6379);
  CHECK(u->db == 0);
  u = redis::parse_url("redis://[::1]:7000", error);
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->port == 7000);
  const char* bad[] = {"http://x:1",    "redis://",       "redis://:6379",
                       "redis://h:",    "redis://h:0",    "redis://h:70000",
                       "redis://h:1/x", "redis://h:1/16", "redis://[::1:7"};
  for (const char* text : bad) {
    CAPTURE(text);
    error.clear();
    CHECK_FALSE(redis::parse_url(text, error));
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("key names: prefix, table letter, the hash in hex", "[redis]") {
  CHECK(redis::key_name("bounceback:", redis::Table::greylist, 0xff) ==
        "bounceback:g:00000000000000ff");
  CHECK(redis::key_name("p:", redis::Table::attempts, 0x0123456789abcdefULL) ==
        "p:a:0123456789abcdef");
  CHECK(redis::key_name("x", redis::Table::quota, 0).size() == 1 + 2 + 16);
}

TEST_CASE("scripts are named by their SHA-1", "[redis]") {
  CHECK(redis::decide_script().sha1.size() == 40);
  CHECK(redis::decide_script().sha1 != redis::quota_script().sha1);
  CHECK(redis::clear_script().source.find("KEYS") != std::string_view::npos);
}

TEST_CASE("a greylist decision at rcpt: one counter, one quota key, one check", "[redis]") {
  scenario::StateRequest q;
  q.now = scenario::TimePoint{std::chrono::milliseconds(1'000'000)};
  q.count = scenario::StateRequest::Count::add;
  q.counters = {1};
  q.counter_idle = 7 * 24h;
  q.quotas = {2};
  q.size = 100;
  scenario::StateRequest::Check c;
  c.greylist = scenario::GreylistSpec{5min, 4h};
  c.triplet = 3;
  q.checks = {c};
  const auto in = redis::decide_invocation(q, "bb:");
  CHECK(in.script == &redis::decide_script());
  CHECK(in.keys == std::vector<std::string>{"bb:a:0000000000000001", "bb:q:0000000000000002",
                                            "bb:g:0000000000000003"});
  CHECK(in.args == std::vector<std::string>{"1000000", "1", "604800000", "1", "1", "100", "1", "0",
                                            "0", "0", "1", "300000", "14400000"});
}

TEST_CASE("attempts, quota and rate_limit arguments, in the script's order", "[redis]") {
  scenario::StateRequest q;
  q.count = scenario::StateRequest::Count::read;
  q.counters = {1, 2};
  scenario::StateRequest::Check c;
  c.attempts = scenario::Range{1, 2};
  c.attempts_of = 2;
  c.quota = 500;
  c.rate_limit = scenario::RateLimitSpec{10, 1min, scenario::RateKey::client_ip};
  c.rate_key = 9;
  q.checks = {c};
  const auto in = redis::decide_invocation(q, "p:");
  CHECK(in.keys.back() == "p:r:0000000000000009");
  const std::vector<std::string> tail(in.args.begin() + 7, in.args.end());
  CHECK(tail == std::vector<std::string>{"1", "1", "2", "2", "1", "500", "1", "10", "60000", "0"});
  CHECK(in.args[1] == "2");  // read, not count
}

TEST_CASE("quota and clear invocations", "[redis]") {
  const std::vector<std::uint64_t> rcpts{5, 6};
  const auto q = redis::quota_invocation(rcpts, 42, scenario::TimePoint{}, 30 * 24h, "p:");
  CHECK(q.script == &redis::quota_script());
  CHECK(q.keys.size() == 2);
  CHECK(q.args[1] == "42");
  const auto c = redis::clear_invocation("p:");
  CHECK(c.script == &redis::clear_script());
  CHECK(c.keys.empty());
  CHECK(c.args == std::vector<std::string>{"p:"});
}

TEST_CASE("the decide script's reply", "[redis]") {
  scenario::StateAnswer a;
  const long long reply[] = {2, 1, 3};
  REQUIRE(redis::read_decide_reply(reply, a));
  CHECK(a.matched == 2);
  CHECK(a.recipient == 1);
  CHECK(a.counts == std::vector<std::uint64_t>{3});
  const long long short_reply[] = {1};
  CHECK_FALSE(redis::read_decide_reply(short_reply, a));
  const long long bad[] = {-1, 0};
  CHECK_FALSE(redis::read_decide_reply(bad, a));
}
