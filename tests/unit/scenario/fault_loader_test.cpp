// The fault keys of a rule: what each loads into the rule and the engine's decision, and the
// errors for values and combinations that cannot mean anything.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace test;
using namespace std::chrono_literals;
using smtp::Malformed;
using smtp::Pacing;

TEST_CASE("fault keys load into the rule and the decision", "[scenario][faults]") {
  auto s = load(R"(
name = "faults"
[[rule]]
on = "helo"
split = [3, 10]
[[rule]]
on = "mail"
split = 4
split_pause = "0s"
[[rule]]
on = "rcpt"
rcpt = "slow@*"
line_pause = "2s"
reply = ["250-a", "250 b"]
[[rule]]
on = "rcpt"
rcpt = "long@*"
malformed = "long_line"
line_length = 9000
[[rule]]
on = "rcpt"
rcpt = "rst@*"
drop = "reset"
[[rule]]
on = "connect"
shutdown_after = 3
[[rule]]
on = "noop"
shutdown_after = "1m30s"
malformed = "no_text"
)");
  const auto& r = s->rules;
  REQUIRE(r.size() == 7);
  CHECK(r[0].fault.pacing == Pacing::split);
  CHECK(r[0].fault.cuts.count == 2);
  CHECK(r[0].fault.cuts.at[0] == 3);
  CHECK(r[0].fault.cuts.at[1] == 10);
  CHECK_FALSE(r[0].fault.cuts.pieces);
  CHECK(r[0].fault.pause == 100ms);  // the default pause
  CHECK(r[1].fault.cuts.pieces);
  CHECK(r[1].fault.cuts.count == 4);
  CHECK(r[1].fault.pause == 0ms);
  CHECK(r[2].fault.pacing == Pacing::line_pause);
  CHECK(r[2].fault.pause == 2s);
  CHECK(r[3].fault.malformed == Malformed::long_line);
  CHECK(r[3].fault.line_length == 9000);
  CHECK(r[4].drop);
  CHECK(r[4].fault.reset);
  CHECK(r[5].fault.shutdown_commands == 3);
  CHECK(r[6].fault.shutdown_in == 90s);
  CHECK(r[6].fault.malformed == Malformed::no_text);

  Harness h(R"(
name = "decide"
[[rule]]
on = "rcpt"
rcpt = "rst@*"
drop = "reset"
[[rule]]
on = "rcpt"
malformed = "mixed_codes"
)");
  Client c;
  c.from = "a@example.test";
  const auto rst = h.rcpt(c, "rst@example.test");
  CHECK(rst.drop);
  CHECK(rst.fault.reset);
  const auto mixed = h.rcpt(c, "x@example.test");
  CHECK(mixed.fault.malformed == Malformed::mixed_codes);
  CHECK_FALSE(mixed.reply);  // the normal reply, spoiled
  CHECK(mixed.rule == 1);
}

TEST_CASE("fault keys: bad values and combinations are errors", "[scenario][faults]") {
  const auto error = [](const std::string& rule) {
    return first_error("name = \"bad\"\n[[rule]]\non = \"rcpt\"\n" + rule).message;
  };
  CHECK(error("drop = \"rst\"").starts_with("rule[0].drop: expected true"));
  CHECK(error("split = [10, 3]").starts_with("rule[0].split: expected ascending byte offsets"));
  CHECK(error("split = []").starts_with("rule[0].split: expected byte offsets"));
  CHECK(error("split = [1,2,3,4,5,6,7,8,9]").starts_with("rule[0].split: expected byte offsets"));
  CHECK(error("split = 1").starts_with("rule[0].split: expected a number of pieces from 2"));
  CHECK(error("split_pause = \"1s\"") == "rule[0].split_pause: goes with split");
  CHECK(error("line_pause = \"0s\"") == "rule[0].line_pause: must be longer than 0s");
  CHECK(error("malformed = \"garbled\"") ==
        "rule[0].malformed: expected one of no_final_line, mixed_codes, bare_lf, long_line, "
        "no_text, got \"garbled\"");
  CHECK(error("malformed = \"bare_lf\"\nline_length = 600") ==
        "rule[0].line_length: goes with malformed = \"long_line\"");
  CHECK(error("malformed = \"long_line\"\nline_length = 512")
            .starts_with("rule[0].line_length: expected an integer >= 513"));
  CHECK(error("shutdown_after = 0").starts_with("rule[0].shutdown_after: expected a number"));
  CHECK(error("shutdown_after = true").starts_with("rule[0].shutdown_after: expected a number"));
  CHECK(error("shutdown_after = \"0s\"") == "rule[0].shutdown_after: must be longer than 0s");
  CHECK(error("drip = \"10ms\"\nsplit = 2") == "rule[0]: choose one of drip, split and line_pause");
  CHECK(error("drop = \"reset\"\nmalformed = \"no_text\"") ==
        "rule[0].malformed: is never used with drop");
  CHECK(error("hang = true\nshutdown_after = 2") ==
        "rule[0].shutdown_after: is never used with hang");
}
