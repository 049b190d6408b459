// Searching refusals with the messages' query syntax: from:, to:, words in the reply line or
// the outcome, subject: never, negation.
#include "api/refusal_search.hpp"

#include <catch2/catch.hpp>
#include <string>

using bounceback::api::parse_search;
using bounceback::api::refusal_matches;
using bounceback::store::Refusal;
using bounceback::store::RefusalOutcome;

namespace {

bool matches(std::string_view query, const Refusal& r) {
  std::string error;
  const auto q = parse_search(query, error);
  REQUIRE(q);
  return refusal_matches(*q, r);
}

Refusal greylisted() {
  Refusal r;
  r.code = 451;
  r.enhanced = "4.7.1";
  r.text = "<User@Example.test>: Greylisted, try again later";
  r.from = "app@example.test";
  r.rcpt = "User@Example.test";
  return r;
}

}  // namespace

TEST_CASE("refusals are searched by sender, recipient and reply", "[api]") {
  const Refusal r = greylisted();
  CHECK(matches("", r));
  CHECK(matches("from:app@", r));
  CHECK_FALSE(matches("from:user@", r));
  CHECK(matches("to:user@example.test", r));  // case-insensitive
  CHECK_FALSE(matches("to:app@", r));
  CHECK(matches("greylisted", r));
  CHECK(matches("\"451 4.7.1 <user\"", r));  // a phrase across the codes and the text
  CHECK(matches("4.7.1", r));
  CHECK_FALSE(matches("550", r));
  CHECK(matches("-550 to:user", r));
  CHECK_FALSE(matches("!greylisted", r));
  CHECK_FALSE(matches("subject:greylisted", r));  // a refusal has no subject
  CHECK(matches("-subject:anything", r));
}

TEST_CASE("a refusal without a reply is found by its outcome", "[api]") {
  Refusal r = greylisted();
  r.code = 0;
  r.enhanced.clear();
  r.text.clear();
  r.outcome = RefusalOutcome::hang;
  CHECK(matches("hang", r));
  CHECK_FALSE(matches("drop", r));
  CHECK_FALSE(matches("451", r));
  CHECK(matches("to:user hang", r));
}
