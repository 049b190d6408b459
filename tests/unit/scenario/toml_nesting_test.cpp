// The nesting pre-scan: every form of nesting toml++ recurses on is bounded and reported at
// its line and column; strings and comments do not count; real scenarios pass.
#include "scenario/toml_nesting.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "scenario/builtin.hpp"
#include "scenario/loader.hpp"

using bounceback::scenario::find_excess_nesting;
using bounceback::scenario::NestingLimits;

namespace {

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// "a.a.a...a" with `parts` parts.
std::string dotted(std::size_t parts) {
  return "a" + repeat(".a", parts - 1);
}

}  // namespace

TEST_CASE("nesting: built-in scenarios are well within the bounds", "[scenario][nesting]") {
  for (const auto& b : bounceback::scenario::builtin_scenarios()) {
    INFO(b.name);
    CHECK_FALSE(find_excess_nesting(b.text));
  }
}

TEST_CASE("nesting: dotted keys", "[scenario][nesting]") {
  CHECK_FALSE(find_excess_nesting(dotted(32) + " = 1\n"));
  auto e = find_excess_nesting(dotted(33) + " = 1\n");
  REQUIRE(e);
  CHECK(e->line == 1);
  CHECK(e->column == 65);  // the 33rd part
  CHECK_THAT(e->message, Catch::Contains("more than 32 dotted parts"));

  // The crash of issue 12: one key of 40,000 parts (80 KB), here on line 3.
  e = find_excess_nesting("name = \"x\"\n\n" + dotted(40000) + " = 1\n");
  REQUIRE(e);
  CHECK(e->line == 3);
  CHECK(e->column == 65);

  // Quoted parts, blanks around dots and a leading blank count the same.
  e = find_excess_nesting("  \"a\" . 'b' ." + repeat(" \"x.y\" .", 31) + " c = 1");
  REQUIRE(e);
  CHECK(e->line == 1);
}

TEST_CASE("nesting: table headers", "[scenario][nesting]") {
  CHECK_FALSE(find_excess_nesting("[" + dotted(32) + "]\nx = 1\n"));
  auto e = find_excess_nesting("[server]\n[" + dotted(33) + "]\n");
  REQUIRE(e);
  CHECK(e->line == 2);
  CHECK(e->column == 66);
  e = find_excess_nesting("[[" + dotted(40) + "]]\n");
  REQUIRE(e);
  CHECK(e->column == 67);
  // A header's depth adds to its keys': 32 + 32 parts is at the total bound, 33 + 32 over it.
  CHECK_FALSE(find_excess_nesting("[" + dotted(32) + "]\n" + dotted(32) + " = 1\n"));
  e = find_excess_nesting("[[" + dotted(32) + "]]\n" + dotted(32) + " = 1\n");
  REQUIRE(e);
  CHECK(e->line == 2);
  CHECK(e->column == 1);
  CHECK_THAT(e->message, Catch::Contains("more than 64 levels"));
}

TEST_CASE("nesting: arrays and inline tables", "[scenario][nesting]") {
  CHECK_FALSE(find_excess_nesting("x = " + repeat("[", 32) + "1" + repeat("]", 32) + "\n"));
  auto e = find_excess_nesting("x = " + repeat("[", 40000));
  REQUIRE(e);
  CHECK(e->line == 1);
  CHECK(e->column == 37);  // the 33rd '['
  CHECK_THAT(e->message, Catch::Contains("nested more than 32 deep"));

  e = find_excess_nesting("x = " + repeat("{a=", 33) + "1" + repeat("}", 33));
  REQUIRE(e);
  CHECK(e->column == 1 + 4 + 32 * 3);

  // Arrays of inline tables of arrays, across lines with comments.
  const std::string mixed =
      "x = [ # open\n" + repeat("  { a = [\n", 15) + "1" + repeat("]}", 15) + "\n]\n";
  CHECK_FALSE(find_excess_nesting(mixed));
  e = find_excess_nesting("x = [ # open\n" + repeat("  { a = [\n", 16));
  REQUIRE(e);
  CHECK(e->line == 17);  // x's array and 16 pairs: the 33rd bracket opens on line 17

  // Siblings do not add up: closing brackets bring the depth back.
  CHECK_FALSE(
      find_excess_nesting("x = [" + repeat(repeat("[", 30) + repeat("]", 30) + ",", 100) + "]"));
}

TEST_CASE("nesting: dotted keys inside inline tables", "[scenario][nesting]") {
  auto e = find_excess_nesting("x = { ok = 1, " + dotted(33) + " = 1 }");
  REQUIRE(e);
  CHECK(e->column == 15 + 64);
  // Under both the key and the value bounds, but 20 levels of 4-part keys are 81 levels deep.
  e = find_excess_nesting("x = " + repeat("{" + dotted(4) + "=", 20) + "1" + repeat("}", 20));
  REQUIRE(e);
  CHECK_THAT(e->message, Catch::Contains("more than 64 levels"));
}

TEST_CASE("nesting: strings and comments are not structure", "[scenario][nesting]") {
  const std::string deep = dotted(100) + repeat("[{", 100);
  CHECK_FALSE(find_excess_nesting("x = \"" + deep + "\"\n"));
  CHECK_FALSE(find_excess_nesting("x = '" + deep + "'\n"));
  CHECK_FALSE(find_excess_nesting("x = \"\"\"\n" + deep + "\n\"\"\" # " + deep + "\n"));
  CHECK_FALSE(find_excess_nesting("x = '''" + deep + "\n'''\n"));
  CHECK_FALSE(find_excess_nesting("# " + deep + "\n" + "x = 1 # " + deep + "\n"));
  CHECK_FALSE(find_excess_nesting("x = \"a \\\" " + deep + "\"\n"));  // escaped quote
  CHECK_FALSE(find_excess_nesting("\"" + deep + "\" = 1\n"));         // one quoted part
  CHECK_FALSE(find_excess_nesting("x = 1979-05-27T07:32:00.999 # " + deep + "\n"));
  // Up to two quotes may end a multi-line string's content: """"" closes after the fifth.
  CHECK_FALSE(find_excess_nesting("x = \"\"\"a\"\"\"\"\"\n" + dotted(3) + " = 1\n"));
  auto e = find_excess_nesting("x = \"\"\"a\"\"\"\"\"\n" + dotted(33) + " = 1\n");
  REQUIRE(e);
  CHECK(e->line == 2);
  // A string does not hide what follows it on the next line.
  e = find_excess_nesting("x = 'one line\n" + dotted(33) + " = 1\n");
  REQUIRE(e);
  CHECK(e->line == 2);
}

TEST_CASE("nesting: columns count code points, as toml++ does", "[scenario][nesting]") {
  auto e = find_excess_nesting("\"\xC3\xA9\xC3\xA9\"." + dotted(32) + " = 1");
  REQUIRE(e);
  CHECK(e->column == 68);  // the 32nd part after "éé". starts at column 6
  // A byte-order mark does not make the first line a value.
  e = find_excess_nesting("\xEF\xBB\xBF" + dotted(33) + "= 1");
  REQUIRE(e);
}

TEST_CASE("nesting: the limits are settable", "[scenario][nesting]") {
  NestingLimits tight;
  tight.key_parts = 2;
  CHECK_FALSE(find_excess_nesting("a.b = 1", tight));
  CHECK(find_excess_nesting("a.b.c = 1", tight));
}

TEST_CASE("nesting: the loader refuses deep input before parsing it", "[scenario][nesting]") {
  const auto r = bounceback::scenario::load_scenario_text(
      "[[rule]]\non = \"rcpt\"\n" + dotted(40000) + " = 1\n", "deep.toml");
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.error_text(), Catch::StartsWith("deep.toml:3:65: key has more than 32"));
}
