// A search's to:/from: term with a whole address: the envelope's address, or an address of the
// From: (from:) or To:/Cc: (to:) header, exactly and case-folded (a VERP return path does not
// hide the From: header, as in Mailpit); a partial address stays a substring of the envelope and
// the headers. Both scan.
#include "api/message_search.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "api/message_filter.hpp"
#include "api/message_query.hpp"

using namespace bounceback;
using namespace bounceback::api;

namespace {

SearchQuery search(std::string_view q) {
  std::string error;
  auto parsed = parse_search(q, error);
  INFO(error);
  REQUIRE(parsed);
  return *parsed;
}

smtp::AcceptedMessage message(int i, std::string from, std::string to, std::string header_to) {
  smtp::AcceptedMessage m;
  m.queue_id = "M" + std::to_string(i);
  m.from = std::move(from);
  m.rcpts.push_back({std::move(to), {}});
  m.data = "To: " + header_to + "\r\nSubject: s" + std::to_string(i) + "\r\n\r\nbody\r\n";
  return m;
}

std::vector<std::string> ids(const MatchPage& page) {
  std::vector<std::string> out;
  for (const auto& m : page.messages) out.push_back(m->message.queue_id);
  return out;
}

}  // namespace

TEST_CASE("search: whole addresses", "[api][search]") {
  CHECK(whole_address("bob@example.test"));
  CHECK(whole_address("b@x"));
  CHECK_FALSE(whole_address("bob@"));
  CHECK_FALSE(whole_address("@example.test"));
  CHECK_FALSE(whole_address("bob"));
  CHECK_FALSE(whole_address("a@b@c"));
  CHECK_FALSE(whole_address("*@example.test"));

  const auto q = search("subject:x@y.test to:bob@example.test from:app@x.test to:bob@ x@y.test");
  REQUIRE(q.terms.size() == 5);
  CHECK_FALSE(q.terms[0].address);  // subject: is a substring, whatever its text
  CHECK(q.terms[1].address);
  CHECK(q.terms[2].address);
  CHECK_FALSE(q.terms[3].address);  // partial
  CHECK_FALSE(q.terms[4].address);  // a plain word
}

TEST_CASE("search: a whole address is the envelope's or a header's, exactly and case-folded",
          "[api][search]") {
  store::StoredMessage m;
  m.message = message(1, "App@X.test", "Bob@Example.test", "Team <team@example.test>");
  CHECK(search("to:bob@example.test").matches(m));
  CHECK(search("from:app@x.test").matches(m));
  CHECK_FALSE(search("to:ob@example.test").matches(m));   // not a substring of the envelope
  CHECK(search("to:team@example.test").matches(m));       // the To header alone (was not, 9dbf832)
  CHECK(search("to:TEAM@Example.TEST").matches(m));       // case folded
  CHECK_FALSE(search("to:eam@example.test").matches(m));  // nor a substring of the header
  CHECK_FALSE(search("to:team@example.tes").matches(m));
  CHECK_FALSE(search("from:team@example.test").matches(m));  // To: is not from:
  CHECK_FALSE(search("-to:team@example.test").matches(m));   // negated: the header counts too
  CHECK(search("to:team@").matches(m));                      // a partial one still is
  CHECK(search("to:@example.test").matches(m));              // ... of the envelope too
  CHECK_FALSE(search("to:@example.org").matches(m));
  CHECK_FALSE(search("to:ob@example").matches(m));  // whole (a dotless domain): exact
  CHECK_FALSE(search("-to:bob@example.test").matches(m));
  CHECK(search("-to:alice@example.test").matches(m));
}

TEST_CASE("search: a VERP return path, a header-only To and Cc", "[api][search]") {
  // A mailer's bounce address in the envelope, the person in From: (Mailpit matches From:).
  store::StoredMessage m;
  m.message = message(1, "bounces+123@esp.test", "rcpt@example.test", "rcpt@example.test");
  m.message.data =
      "From: \"Alice A.\" <Alice@Shop.test>\r\nTo: rcpt@example.test\r\n"
      "Cc: a@x.test,\r\n b@x.test (Bee)\r\nSubject: hi\r\n\r\nbody\r\n";
  CHECK(search("from:alice@shop.test").matches(m));
  CHECK(search("from:bounces+123@esp.test").matches(m));  // the envelope still counts
  CHECK_FALSE(search("from:lice@shop.test").matches(m));
  CHECK_FALSE(search("-from:alice@shop.test").matches(m));
  CHECK(search("-from:bob@shop.test").matches(m));
  CHECK(search("to:a@x.test").matches(m));  // Cc:, and its folded second line
  CHECK(search("to:B@X.test").matches(m));
  CHECK_FALSE(search("to:alice@shop.test").matches(m));  // From: is not to:
  CHECK(search("from:alice@shop.test to:b@x.test subject:hi").matches(m));
}

TEST_CASE("search: a whole-address term matches the headers too, and scans", "[api][search]") {
  store::MessageStore store(10'000);
  // 3 messages to rare@ among 1,000 (the oldest ones), one only in its To header.
  for (int i = 0; i < 1000; ++i) {
    const bool rare = i == 1 || i == 5 || i == 9;
    store.store(message(i, i == 5 ? "other@x.test" : "app@x.test",
                        rare ? "rare@example.test" : "common@example.test",
                        i == 20 ? "rare@example.test" : "x@example.test"));
  }
  MessageFilter filter;
  filter.query = search("to:rare@example.test");
  MatchQuery q{Page{0, 50}};
  q.budget = ScanBudget{5, SIZE_MAX};  // the scan stops after 5 messages, none of them rare
  auto page = find_matches(store, filter, q);
  CHECK(page.more);
  CHECK(page.total == 0);
  // Unbounded: the 3 in the envelope and the one in its To header only, exact total.
  page = find_matches(store, filter, MatchQuery{Page{0, 50}});
  CHECK(ids(page) == std::vector<std::string>{"M20", "M9", "M5", "M1"});
  CHECK(page.total == 4);
  CHECK_FALSE(page.more);
  CHECK(page.first->message.queue_id == "M20");

  // With another term: checked on every message.
  filter.query = search("to:rare@example.test from:app@x.test");
  page = find_matches(store, filter, MatchQuery{Page{0, 50}});
  CHECK(ids(page) == std::vector<std::string>{"M20", "M9", "M1"});
  CHECK_FALSE(page.more);

  // Paging: the second of them.
  filter.query = search("to:rare@example.test");
  page = find_matches(store, filter, MatchQuery{Page{1, 1}});
  CHECK(ids(page) == std::vector<std::string>{"M9"});
  CHECK(page.total == 4);

  // A partial address scans (and so is cut by the budget), matching the header too.
  filter.query = search("to:rare@");
  page = find_matches(store, filter, q);
  CHECK(page.more);
  CHECK(page.total == 0);
  page = find_matches(store, filter, MatchQuery{Page{0, 50}});
  CHECK(ids(page) == std::vector<std::string>{"M20", "M9", "M5", "M1"});
}

TEST_CASE("search: a wait's envelope check is the envelope's; a search is the API thread's",
          "[api][search]") {
  // What the SMTP thread checks before it wakes a waiting client: from=, to=, about=; a search
  // (a whole address too, which may be a header's, negated or not) is read by the wait's next
  // look on the API's thread, through the search's index (ec3b62d's narrowing removed).
  store::StoredMessage m;
  m.message = message(1, "app@x.test", "bob@example.test", "Team <team@example.test>");
  const auto envelope = [&](std::string_view q) {
    MessageFilter f;
    f.query = search(q);
    return f.matches_envelope(m);
  };
  CHECK(envelope("to:bob@example.test"));
  CHECK(envelope("to:team@example.test"));   // the To header's: the wait must wake
  CHECK(envelope("to:alice@example.test"));  // may be a header's: not decided here (was, ec3b62d)
  CHECK(envelope("from:other@x.test welcome"));
  CHECK(envelope("from:app@x.test nothing-like-this"));  // the word is the API thread's
  CHECK(envelope("to:team@"));                           // partial: not decided here
  CHECK(envelope("-to:bob@example.test"));  // negated: the API thread's too (was refused here)
  MessageFilter both;
  both.to = "alice@example.test";
  both.query = search("from:app@x.test");
  CHECK_FALSE(both.matches_envelope(m));  // to= is the envelope's
  both.to = "bob@example.test";
  both.query = search("-from:app@x.test");
  CHECK(both.matches_envelope(m));  // to= holds; the search is the API thread's (was refused)
  CHECK_FALSE(both.matches(m));     // where it is refused
  // matches() implies matches_envelope() for every one of these.
  for (const auto* q : {"to:bob@example.test", "to:team@", "from:app@x.test", "-to:a@b.test",
                        "to:team@example.test", "-to:team@example.test"}) {
    MessageFilter f;
    f.query = search(q);
    if (f.matches(m)) CHECK(f.matches_envelope(m));
  }
}
