// Unit tests of the query-parameter checks (unknown, repeated, aliases) and paging.
#include "api/query_params.hpp"

#include <catch2/catch.hpp>

using namespace bounceback::api;

TEST_CASE("check_query refuses unknown parameters, naming them", "[api]") {
  CHECK_FALSE(check_query({{"to", "a@x"}, {"limit", "5"}}, "from to subject start limit"));
  CHECK_FALSE(check_query({}, ""));
  const auto typo = check_query({{"tto", "a@x"}}, "from to subject");
  REQUIRE(typo);
  CHECK(*typo == "unknown query parameter \"tto\"; this route accepts from, to (or rcpt), subject");
  const auto none = check_query({{"x", ""}}, "");
  REQUIRE(none);
  CHECK(*none == "unknown query parameter \"x\"; this route takes no query parameters");
  // a parameter name is a whole word of the list, not a substring of one
  CHECK(check_query({{"sub", "x"}}, "subject"));
  CHECK(check_query({{"rcpt", "x"}}, "from"));
}

TEST_CASE("check_query: rcpt is to; one value per concept", "[api]") {
  CHECK_FALSE(check_query({{"rcpt", "a@x"}}, "from to"));
  const auto twice = check_query({{"to", "a@x"}, {"rcpt", "b@x"}}, "from to");
  REQUIRE(twice);
  CHECK(*twice == "query parameter \"rcpt\" given twice (as \"to\")");
  CHECK(check_query({{"from", "a"}, {"from", "b"}}, "from"));
  const Params q{{"rcpt", "u+t@x"}};
  REQUIRE(query_value(q, "to"));
  CHECK(*query_value(q, "to") == "u+t@x");
  CHECK_FALSE(query_value(q, "rcpt"));  // handlers ask for the canonical name
}

TEST_CASE("check_query shows client text safely", "[api]") {
  const auto e = check_query({{std::string("a\nb") + std::string(100, 'c'), ""}}, "");
  REQUIRE(e);
  CHECK(e->find('\n') == std::string::npos);
  CHECK(e->size() < 140);
}

TEST_CASE("parse_page: start and limit with a default and a maximum", "[api]") {
  std::string error;
  const PageLimits limits{50, 1000};
  auto p = parse_page({}, limits, error);
  REQUIRE(p);
  CHECK(p->start == 0);
  CHECK(p->limit == 50);
  p = parse_page({{"start", "100"}, {"limit", "0"}}, limits, error);
  REQUIRE(p);
  CHECK(p->start == 100);
  CHECK(p->limit == 0);
  CHECK(parse_page({{"limit", "1000"}}, limits, error));
  CHECK_FALSE(parse_page({{"limit", "1001"}}, limits, error));
  CHECK(error == "limit: expected an integer from 0 to 1000 (page with start=)");
  for (const char* bad : {"", "-1", "x", "1x", " 1", "99999999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_page({{"start", bad}}, limits, error));
    CHECK_FALSE(parse_page({{"limit", bad}}, limits, error));
  }
}
