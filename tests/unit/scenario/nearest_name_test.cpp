// "Did you mean …?" for unknown scenario names: edit distance and the nearest built-in.
#include "scenario/nearest_name.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "scenario/loader.hpp"

using namespace bounceback::scenario;

TEST_CASE("edit distance counts insertions, deletions, substitutions, swaps", "[scenario][names]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("greylistng", "greylisting") == 1);    // insertion
  CHECK(edit_distance("greylistingg", "greylisting") == 1);  // deletion
  CHECK(edit_distance("grexlisting", "greylisting") == 1);   // substitution
  CHECK(edit_distance("gmial", "gmail") == 1);               // two letters swapped
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("GMAIL", "gmail") == 0);  // case-insensitive
}

TEST_CASE("nearest_name suggests only a plausible typo", "[scenario][names]") {
  const std::vector<std::string_view> names{"greylisting", "gmail",        "yahoo",
                                            "flaky",       "tls-required", "auth-required"};
  CHECK(nearest_name("greylistng", names) == "greylisting");
  CHECK(nearest_name("gmial", names) == "gmail");
  CHECK(nearest_name("tls-requird", names) == "tls-required");
  CHECK(nearest_name("auth-requred", names) == "auth-required");
  CHECK_FALSE(nearest_name("postfix", names));
  CHECK_FALSE(nearest_name("x", names));
}

TEST_CASE("load_scenario: an unknown name suggests the nearest built-in", "[scenario][names]") {
  const auto r = load_scenario("greylistng");
  REQUIRE_FALSE(r.ok());
  CHECK(r.unreadable);
  CHECK(r.error_text() == "bounceback: unknown scenario 'greylistng'; did you mean greylisting?\n");
  const auto far = load_scenario("nothing-like-it");
  CHECK_THAT(far.error_text(), Catch::StartsWith("bounceback: unknown scenario 'nothing-like-it'; "
                                                 "built-in scenarios: accept-all "));
  const auto missing = load_scenario("/no/such/dir/s.toml");
  CHECK(missing.error_text() == "/no/such/dir/s.toml: cannot open: No such file or directory\n");
  std::string error;
  CHECK(builtin_text("greylisting", error) != nullptr);
  CHECK(builtin_text("gmial", error) == nullptr);
  CHECK(error == "unknown scenario 'gmial'; did you mean gmail?");
}
