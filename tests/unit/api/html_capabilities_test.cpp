// The capabilities of a message's HTML view: random, single-use, bound to a message and a
// variant, expiring, bounded in number.
#include "api/html_capabilities.hpp"

#include <catch2/catch.hpp>
#include <set>

using bounceback::api::HtmlCapabilities;

TEST_CASE("an HTML capability opens one message once", "[api]") {
  HtmlCapabilities caps;
  const auto now = HtmlCapabilities::Clock::now();
  const auto remote = caps.issue("m-1", true, now);
  const auto plain = caps.issue("m-1", false, now);
  REQUIRE(remote);
  REQUIRE(plain);
  CHECK(remote->size() == 32);
  CHECK(remote->find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(*remote != *plain);
  CHECK(caps.redeem(*remote, "m-1", now) == std::optional<bool>(true));
  CHECK_FALSE(caps.redeem(*remote, "m-1", now));  // used up
  CHECK(caps.redeem(*plain, "m-1", now) == std::optional<bool>(false));
  CHECK_FALSE(caps.redeem("", "m-1", now));
  CHECK_FALSE(caps.redeem(std::string(32, '0'), "m-1", now));  // forged
}

TEST_CASE("an HTML capability is for its message only, and used up by any attempt", "[api]") {
  HtmlCapabilities caps;
  const auto now = HtmlCapabilities::Clock::now();
  const auto c = caps.issue("m-1", true, now);
  REQUIRE(c);
  CHECK_FALSE(caps.redeem(*c, "m-2", now));
  CHECK_FALSE(caps.redeem(*c, "m-1", now));
  const auto prefix = caps.issue("m-1", true, now);
  CHECK_FALSE(caps.redeem(prefix->substr(0, 31), "m-1", now));  // no prefix match
}

TEST_CASE("an HTML capability expires, and only the newest are kept", "[api]") {
  HtmlCapabilities caps;
  const auto now = HtmlCapabilities::Clock::now();
  const auto c = caps.issue("m-1", false, now);
  CHECK_FALSE(caps.redeem(*c, "m-1", now + HtmlCapabilities::lifetime));
  const auto d = caps.issue("m-1", false, now);
  CHECK(caps.redeem(*d, "m-1", now + HtmlCapabilities::lifetime - std::chrono::seconds(1)));
  std::set<std::string> issued;
  const auto first = caps.issue("m-1", false, now);
  for (std::size_t i = 0; i < HtmlCapabilities::capacity; ++i)
    issued.insert(*caps.issue("m-1", false, now));
  CHECK(issued.size() == HtmlCapabilities::capacity);
  CHECK_FALSE(caps.redeem(*first, "m-1", now));  // pushed out by newer ones
  CHECK(caps.redeem(*issued.begin(), "m-1", now));
}
