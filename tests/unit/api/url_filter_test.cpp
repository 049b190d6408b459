// Unit tests of the API's pure helpers: URL decoding, query and path parsing, id validation,
// and the message filter.
#include <catch2/catch.hpp>

#include "api/mailpit_views.hpp"
#include "api/message_filter.hpp"
#include "api/url.hpp"

using namespace bounceback;
using namespace bounceback::api;

TEST_CASE("percent_decode is RFC 3986: %XX only", "[api]") {
  CHECK(percent_decode("a%20b") == "a b");
  CHECK(percent_decode("a+b") == "a+b");  // plus-addressing survives
  CHECK(percent_decode("a%2Bb") == "a+b");
  CHECK(percent_decode("%35%35%30") == "550");
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("%2"));
  CHECK_FALSE(percent_decode("a%00b"));  // NUL never reaches a handler
}

TEST_CASE("parse_query", "[api]") {
  const auto q = parse_query("to=b%40y.test&limit=5&subject=hello%20world&rcpt=u+tag@x.test");
  REQUIRE(q);
  REQUIRE(q->size() == 4);
  CHECK((*q)[0].first == "to");
  CHECK((*q)[0].second == "b@y.test");
  CHECK((*q)[2].second == "hello world");
  CHECK((*q)[3].second == "u+tag@x.test");
  CHECK_FALSE(parse_query("a=%G0"));
}

TEST_CASE("split_path", "[api]") {
  const auto p = split_path("/api/v1/messages/abc");
  REQUIRE(p);
  CHECK(*p == std::vector<std::string_view>{"api", "v1", "messages", "abc"});
  CHECK(split_path("/api/v1/messages/"));
  CHECK_FALSE(split_path("/api//v1"));
}

TEST_CASE("valid_id refuses path tricks", "[api]") {
  CHECK(valid_id("9f3a1c-12.1"));
  CHECK(valid_id("a_b-c.d"));
  CHECK_FALSE(valid_id(""));
  CHECK_FALSE(valid_id(".."));
  CHECK_FALSE(valid_id(".hidden"));
  CHECK_FALSE(valid_id("../etc/passwd"));
  CHECK_FALSE(valid_id("a/b"));
  CHECK_FALSE(valid_id("a%2fb"));
  CHECK_FALSE(valid_id(std::string(65, 'a')));
}

TEST_CASE("contains_icase: ASCII case-insensitive substring", "[api][search]") {
  CHECK(contains_icase("Subject: Reset Your Password", "reset your"));
  CHECK(contains_icase("abc", ""));
  CHECK(contains_icase("abc", "ABC"));
  CHECK(contains_icase("xxABx", "ab"));
  CHECK(contains_icase("aab", "ab"));  // a partial match at the first 'a' does not skip the second
  CHECK_FALSE(contains_icase("ab", "abc"));
  CHECK_FALSE(contains_icase("a-b", "a_b"));
  CHECK_FALSE(contains_icase("[", "{"));             // only letters fold
  CHECK(contains_icase("caf\xc3\xa9", "\xc3\xa9"));  // other bytes compare as they are
  CHECK_FALSE(contains_icase("caf\xc3\xa9", "\xc3\x89"));
}

TEST_CASE("message filter", "[api]") {
  store::StoredMessage m;
  m.message.from = "Alice@Example.test";
  m.message.rcpts = {{"bob@example.test", {}}, {"carol@other.test", {}}};
  m.message.data = "From: a\r\nSubject: Your invoice\r\n  is ready\r\n\r\nbody\r\n";

  // RFC 5322 §2.2.3: unfolding removes the CRLF only, the folding whitespace stays.
  CHECK(message_subject(m.message.data) == "Your invoice  is ready");
  CHECK(MessageFilter{}.matches(m));
  CHECK(MessageFilter{"alice@example.test", "", "", "", {}}.matches(m));
  CHECK(MessageFilter{"", "carol@other.test", "", "", {}}.matches(m));
  CHECK(MessageFilter{"", "*@other.test", "", "", {}}.matches(m));
  CHECK_FALSE(MessageFilter{"", "carol@", "", "", {}}.matches(m));  // exact unless a glob
  CHECK(MessageFilter{"", "", "INVOICE", "", {}}.matches(m));
  CHECK_FALSE(MessageFilter{"", "", "receipt", "", {}}.matches(m));
  CHECK_FALSE(MessageFilter{"", "", "", "m-1", {}}.matches(m));  // a client's: about nothing
  m.message.about = "m-1";
  CHECK(MessageFilter{"", "", "", "m-1", {}}.matches(m));
  CHECK_FALSE(MessageFilter{"", "", "", "m-10", {}}.matches(m));  // the id exactly
  CHECK(address_matches("user1@x.test", "USER1@x.test"));
  CHECK_FALSE(address_matches("user1@x.test", "user10@x.test"));

  // The envelope's part (run on the storing SMTP thread) ignores subject= and query=, which
  // the API's thread checks; reads_content() says whether there is such a part.
  const MessageFilter content{"alice@example.test", "", "receipt", "", {}};
  CHECK(content.matches_envelope(m));
  CHECK_FALSE(content.matches(m));
  CHECK(content.reads_content());
  CHECK_FALSE(MessageFilter{"", "carol@", "", "", {}}.matches_envelope(m));
  CHECK_FALSE(MessageFilter{"", "", "", "m-10", {}}.matches_envelope(m));
  CHECK_FALSE(MessageFilter{"x@y.test", "*", "", "", {}}.reads_content());
}

namespace {
std::optional<bounceback::api::SearchQuery> search(std::string_view q) {
  std::string error;
  auto parsed = bounceback::api::parse_search(q, error);
  INFO(error);
  return parsed;
}
}  // namespace

TEST_CASE("query= search: words, phrases, fields, exclusion", "[api][search]") {
  store::StoredMessage m;
  m.message.from = "app@example.test";
  m.message.rcpts = {{"bob@example.test", {}}};
  m.message.data =
      "From: Shop <noreply@shop.test>\r\nTo: Bob <bob@example.test>\r\nCc: audit@corp.test\r\n"
      "Subject: =?UTF-8?Q?Votre_re=C3=A7u?=\r\nContent-Transfer-Encoding: quoted-printable\r\n"
      "\r\nclick https://shop.test/r?t=3D1 to reset\r\n";
  const auto hit = [&](std::string_view q) {
    const auto s = search(q);
    REQUIRE(s);
    return s->matches(m);
  };
  CHECK(hit(""));
  CHECK(hit("from:app@example.test"));
  CHECK(hit("from:noreply"));  // the From header too
  CHECK(hit("to:bob@"));
  CHECK(hit("to:audit"));  // Cc counts as a recipient
  CHECK_FALSE(hit("from:bob"));
  CHECK(hit("subject:reçu"));             // decoded subject
  CHECK(hit("RESET"));                    // body text, decoded
  CHECK(hit("https://shop.test/r?t=1"));  // quoted-printable undone
  CHECK(hit("\"to reset\" from:shop"));
  CHECK_FALSE(hit("\"reset to\""));
  CHECK_FALSE(hit("-reset"));
  CHECK(hit("!invoice reset"));
  CHECK_FALSE(hit("subject:reset"));  // only in the body

  std::string error;
  CHECK_FALSE(bounceback::api::parse_search("is:unread", error));
  CHECK(error.find("\"is:\" is not supported") != std::string::npos);
  CHECK_FALSE(bounceback::api::parse_search("subject:\"open", error));
  CHECK_FALSE(bounceback::api::parse_search(std::string(1025, 'a'), error));
  CHECK_FALSE(bounceback::api::parse_search("a b c d e f g h i j k l m n o p q", error));
  CHECK(error.find("16 terms") != std::string::npos);
}

TEST_CASE("form-encoded queries (the Mailpit routes): '+' is a space, %2B a plus", "[api]") {
  const auto form = bounceback::api::parse_query("query=subject%3A%22a+b%22+to%3Ax%2By%40z", true);
  REQUIRE(form);
  CHECK((*form)[0].second == "subject:\"a b\" to:x+y@z");
  const auto plain = bounceback::api::parse_query("to=x+y%40z");
  REQUIRE(plain);
  CHECK((*plain)[0].second == "x+y@z");
}

TEST_CASE("Mailpit address lists", "[api][mailpit]") {
  const std::string data =
      "To: \"Doe, Jane\" <jane@x.test>, bob@y.test,\r\n Team: a@t.test, b@t.test;\r\n"
      "Cc: =?UTF-8?Q?Ren=C3=A9?= <rene@z.test>\r\n\r\nbody";
  const auto to = bounceback::api::mailpit_addresses(data, "To");
  REQUIRE(to.size() == 4);
  CHECK(to[0].at("Name") == "Doe, Jane");
  CHECK(to[0].at("Address") == "jane@x.test");
  CHECK(to[1].at("Name") == "");
  CHECK(to[1].at("Address") == "bob@y.test");
  CHECK(to[2].at("Address") == "a@t.test");
  CHECK(to[3].at("Address") == "b@t.test");
  const auto cc = bounceback::api::mailpit_addresses(data, "Cc");
  REQUIRE(cc.size() == 1);
  CHECK(cc[0].at("Name") == "Ren\xc3\xa9");
}
