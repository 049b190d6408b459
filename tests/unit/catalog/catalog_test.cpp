// Unit tests of the reply-code catalogue: coverage, RFC classes, standard replies, explain.
#include "catalog/catalog.hpp"

#include <catch2/catch.hpp>

using namespace bounceback;
using catalog::Bounce;

TEST_CASE("standard_reply gives the catalogue's usual enhanced code and text", "[catalog]") {
  const auto r550 = catalog::standard_reply(550);
  CHECK(r550.code == 550);
  CHECK(r550.enhanced == "5.1.1");
  CHECK(r550.text == "Recipient address rejected: User unknown");
  const auto r552 = catalog::standard_reply(552, "5.2.2");
  CHECK(r552.enhanced == "5.2.2");
  CHECK(r552.text == "Mailbox full");
}
