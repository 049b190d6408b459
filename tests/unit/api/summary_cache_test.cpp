// The list's summaries kept as JSON text: the same bytes as rendering them each time, one
// rendering per message while it stays in its slot, and pages that serialize as the list's
// and the wait's Boost.JSON objects did; Mailpit's list items and pages likewise.
#include "api/summary_cache.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "api/json_views.hpp"
#include "api/mailpit_views.hpp"

using bounceback::api::mailpit_list_item;
using bounceback::api::mailpit_list_text;
using bounceback::api::mailpit_page;
using bounceback::api::message_summary;
using bounceback::api::render;
using bounceback::api::render_mailpit;
using bounceback::api::serialize;
using bounceback::api::SummaryCache;
using bounceback::api::SummaryPage;
using bounceback::store::StoredMessage;
namespace json = boost::json;

namespace {

StoredMessage stored(std::uint64_t sequence, const std::string& id) {
  StoredMessage s;
  s.sequence = sequence;
  s.message.queue_id = id;
  s.message.from = "a@x.test";
  s.message.rcpts.push_back({"b@y.test", {}});
  s.message.rcpts.push_back({"c\"q@y.test", {}});
  s.message.data = "Subject: =?UTF-8?B?w6l0w6k=?= \"quoted\"\r\n\r\nbody\r\n";
  s.message.session_id = "S1";
  s.received_at = std::chrono::system_clock::time_point{} + std::chrono::milliseconds(1234567);
  return s;
}

}  // namespace

TEST_CASE("summary cache: renders a message once, as message_summary serializes",
          "[api][summaries]") {
  SummaryCache cache(16);
  const auto m1 = stored(1, "M1");
  const auto first = cache.get(m1);
  CHECK(*first == serialize(message_summary(m1)));
  CHECK(cache.rendered() == 1);
  CHECK(cache.get(m1) == first);  // the same text, not rendered again
  CHECK(cache.rendered() == 1);

  const auto m17 = stored(17, "M17");  // 17 mod 16 = 1: M1's slot
  CHECK(*cache.get(m17) == serialize(message_summary(m17)));
  CHECK(cache.rendered() == 2);
  CHECK(*cache.get(m1) == *first);  // pushed out: rendered again, the same bytes
  CHECK(cache.rendered() == 3);

  const auto loose = stored(0, "M0");  // not from a store: never kept
  cache.get(loose);
  cache.get(loose);
  CHECK(cache.rendered() == 5);
}

TEST_CASE("summary cache: pages serialize as the list's and the wait's objects",
          "[api][summaries]") {
  SummaryCache cache;
  const auto a = stored(7, "A"), b = stored(5, "B");
  json::array list{message_summary(a), message_summary(b)};
  const json::object base{{"total", 9}, {"start", 2}, {"count", 2}, {"messages", list}};

  SummaryPage page{9, 2, {cache.get(a), cache.get(b)}, false, 0, nullptr};
  CHECK(render(page) == serialize(base) + "\n");

  page.more = true;  // a list whose scan stopped at its budget
  page.next = 5;
  json::object more = base;
  more["more"] = true;
  more["next"] = std::uint64_t{5};
  CHECK(render(page) == serialize(more) + "\n");

  for (const bool scanned_on : {false, true}) {  // a wait: "more" always, then the newest's keys
    page.more = scanned_on;
    page.top = cache.get(a);
    json::object wait = base;
    wait["more"] = scanned_on;
    for (auto& [key, value] : message_summary(a)) wait[key] = value;
    CHECK(render(page) == serialize(wait) + "\n");
  }

  const SummaryPage empty{0, 0, {}, false, 0, nullptr};
  CHECK(render(empty) ==
        serialize(
            json::object{{"total", 0}, {"start", 0}, {"count", 0}, {"messages", json::array{}}}) +
            "\n");
}

TEST_CASE("summary cache: Mailpit's list items and pages, as their objects serialize",
          "[api][summaries]") {
  SummaryCache cache(16, &mailpit_list_text);
  auto a = stored(7, "A");
  a.message.data =
      "From: Alice <a@x.test>\r\nTo: b@y.test\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
      "hello\r\n--b\r\nContent-Type: application/pdf; name=x.pdf\r\n"
      "Content-Disposition: attachment; filename=x.pdf\r\n\r\nJVBERi0=\r\n--b--\r\n";
  const auto b = stored(5, "B");
  const auto first = cache.get(a);
  CHECK(*first == serialize(mailpit_list_item(a)));
  CHECK(cache.get(a) == first);  // kept
  CHECK(cache.rendered() == 1);
  CHECK(first->find("\"Attachments\":1") != std::string::npos);

  for (const std::size_t n : {0, 1, 2}) {
    json::array items;
    std::vector<std::shared_ptr<const std::string>> texts;
    for (const StoredMessage* m : std::initializer_list<const StoredMessage*>{&a, &b}) {
      if (items.size() == n) break;
      items.push_back(mailpit_list_item(*m));
      texts.push_back(cache.get(*m));
    }
    CHECK(render_mailpit(12, 9, 3, texts) == serialize(mailpit_page(12, 9, 3, items)) + "\n");
  }
}
