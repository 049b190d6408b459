// Durations, sizes and ranges: accepted spellings and rejected ones.
#include "scenario/units.hpp"

#include <catch2/catch.hpp>

using namespace bounceback::scenario;
using namespace std::chrono_literals;

TEST_CASE("durations", "[scenario][units]") {
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("2s") == 2s);
  CHECK(parse_duration("1m") == 1min);
  CHECK(parse_duration("4h") == 4h);
  CHECK(parse_duration("1d") == 24h);
  CHECK(parse_duration("1h30m") == 90min);
  CHECK(parse_duration("0s") == 0ms);
  CHECK(parse_duration("36500d") == max_duration);
  CHECK(parse_duration("36499d23h59m59s999ms") == max_duration - 1ms);
  // Beyond 100 years a time point plus the duration could overflow int64 nanoseconds.
  for (auto bad : {"", "5", "s", "1x", "1.5s", "-1s", "1 s", "99999999999999999999s", "36501d",
                   "36500d1ms", "36499d25h", "9007199254740992ms", "106751d"}) {
    INFO(bad);
    CHECK_FALSE(parse_duration(bad));
  }
}

TEST_CASE("sizes", "[scenario][units]") {
  CHECK(parse_size("500") == 500u);
  CHECK(parse_size("500B") == 500u);
  CHECK(parse_size("10KiB") == 10240u);
  CHECK(parse_size("10kib") == 10240u);
  CHECK(parse_size("10KB") == 10000u);
  CHECK(parse_size("1MiB") == 1048576u);
  CHECK(parse_size("1MB") == 1000000u);
  CHECK(parse_size("2GiB") == 2147483648u);
  for (auto bad : {"", "MiB", "1TiB", "1.5MiB", "-1", "1 M", "99999999999999999999GiB"}) {
    INFO(bad);
    CHECK_FALSE(parse_size(bad));
  }
}

TEST_CASE("ranges", "[scenario][units]") {
  auto r = parse_range("2");
  REQUIRE(r);
  CHECK_FALSE(r->contains(1));
  CHECK(r->contains(2));
  CHECK_FALSE(r->contains(3));
  r = parse_range("1-3");
  REQUIRE(r);
  CHECK(r->contains(1));
  CHECK(r->contains(3));
  CHECK_FALSE(r->contains(4));
  r = parse_range("4-");
  REQUIRE(r);
  CHECK_FALSE(r->contains(3));
  CHECK(r->contains(4));
  CHECK(r->contains(1000000));
  for (auto bad : {"", "0", "0-2", "3-1", "-3", "1-2-3", "a", "1 - 2"}) {
    INFO(bad);
    CHECK_FALSE(parse_range(bad));
  }
}
