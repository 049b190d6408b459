// The generated reports: DSN fields (RFC 3464), returned content per RET and its bound
// (RFC 3461 §4.3), provider styles, auto-replies (RFC 3834) and complaints (RFC 5965), and
// invariants that hold for any original (a fuzz-style loop).
#include "report/report.hpp"

#include <catch2/catch.hpp>
#include <random>

#include "report/mime.hpp"

using namespace bounceback;
using namespace bounceback::report;
using namespace std::chrono_literals;

namespace {

const TimePoint now{std::chrono::seconds{1796029200}};  // Mon, 30 Nov 2026 09:00:00 +0000

const std::string message =
    "From: <sender@example.test>\r\nSubject: Hello\r\nMessage-ID: <m1@example.test>\r\n"
    "References: <m0@example.test>\r\n\r\nBody line\r\n";

Reporter reporter(Style style = Style::postfix) {
  Reporter r;
  r.hostname = "mx.test";
  r.style = style;
  r.now = now;
  r.unique = 42;
  return r;
}

Original original(std::string_view data = message) {
  Original o;
  o.from = "sender@example.test";
  o.client_ip = "192.0.2.1";
  o.helo = "client.test";
  o.queue_id = "Q1";
  o.data = data;
  o.arrival = now - 1min;
  return o;
}

RecipientOutcome outcome(std::string_view address, Action action, std::string_view reply) {
  RecipientOutcome r;
  r.address = address;
  r.action = action;
  smtp::parse_reply(reply, r.reply);
  r.last_attempt = now;
  return r;
}

bool contains(const std::string& s, std::string_view what) {
  return s.find(what) != std::string::npos;
}

// CRLF only, no line over 998 octets.
void check_lines(const std::string& s) {
  std::size_t start = 0;
  while (start < s.size()) {
    const auto end = s.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    const std::string_view line(s.data() + start, end - start);
    REQUIRE(line.find('\n') == std::string_view::npos);
    REQUIRE(line.find('\r') == std::string_view::npos);
    REQUIRE(line.size() <= max_line);
    start = end + 2;
  }
}

std::string boundary_of(const std::string& s) {
  const auto at = s.find("boundary=\"");
  REQUIRE(at != std::string::npos);
  return s.substr(at + 10, s.find('"', at + 10) - at - 10);
}

std::size_t count(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a failure DSN carries the RFC 3464 fields of the message and each recipient",
          "[report]") {
  auto o = original();
  o.envid = "env+2B1";
  o.ret = "FULL";
  RecipientOutcome rcpts[] = {
      outcome("gone@example.net", Action::failed, "550-5.1.1 first line\n550 5.1.1 second line"),
      outcome("later@example.net", Action::delayed, "451 4.4.1 No answer"),
  };
  rcpts[0].orcpt = "rfc822;Gone+2Bx@example.net";
  rcpts[1].will_retry_until = now + 48h;
  const auto g = delivery_status(reporter(), o, rcpts);
  CHECK(g.from.empty());  // the null reverse path (RFC 3461 §6.1? RFC 5321 §4.5.5)
  CHECK(g.to == "sender@example.test");
  const auto& d = g.data;
  check_lines(d);
  CHECK(contains(d, "Subject: Undelivered Mail Returned to Sender\r\n"));
  CHECK(contains(d, "From: MAILER-DAEMON@mx.test (Mail Delivery System)\r\n"));
  CHECK(contains(d, "Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n"));
  CHECK(contains(d, "Message-ID: <bb.000000000000002a@mx.test>\r\n"));
  CHECK(contains(d, "In-Reply-To: <m1@example.test>\r\n"));
  CHECK(contains(d, "References: <m0@example.test> <m1@example.test>\r\n"));
  CHECK(contains(d, "Auto-Submitted: auto-replied\r\n"));
  CHECK(contains(d, "Content-Type: multipart/report; report-type=delivery-status;"));
  CHECK(contains(d, "Reporting-MTA: dns; mx.test\r\n"));
  CHECK(contains(d, "Original-Envelope-Id: env+1\r\n"));
  CHECK(contains(d, "Received-From-MTA: dns; client.test ([192.0.2.1])\r\n"));
  CHECK(contains(d, "Arrival-Date: Mon, 30 Nov 2026 08:59:00 +0000\r\n"));
  CHECK(contains(d, "Original-Recipient: rfc822;Gone+x@example.net\r\n"));
  CHECK(contains(d,
                 "Final-Recipient: rfc822; gone@example.net\r\nAction: failed\r\n"
                 "Status: 5.1.1\r\nRemote-MTA: dns; example.net\r\n"
                 "Diagnostic-Code: smtp; 550-5.1.1 first line\r\n    550 5.1.1 second line\r\n"
                 "Last-Attempt-Date: Mon, 30 Nov 2026 09:00:00 +0000\r\n"));
  CHECK(contains(d, "Action: delayed\r\nStatus: 4.4.1\r\n"));
  CHECK(contains(d, "Will-Retry-Until: Wed, 2 Dec 2026 09:00:00 +0000\r\n"));
  CHECK(count(d, "Will-Retry-Until") == 1);
  CHECK(contains(d, "Content-Type: message/rfc822\r\n\r\nFrom: <sender@example.test>"));
  CHECK(contains(d, "Body line"));
  const auto b = boundary_of(d);
  CHECK(count(d, "\r\n--" + b + "\r\n") == 3);
  CHECK(d.ends_with("\r\n--" + b + "--\r\n"));
}

TEST_CASE("the returned content follows RET and the size bound", "[report]") {
  const auto failed = outcome("x@example.net", Action::failed, "550 5.1.1 no");
  SECTION("RET=HDRS returns the header fields only") {
    auto o = original();
    o.ret = "hdrs";
    const auto d = delivery_status(reporter(), o, {&failed, 1}).data;
    CHECK(contains(d, "Content-Type: text/rfc822-headers\r\n"));
    CHECK(!contains(d, "Body line"));
  }
  SECTION("a delay or success returns the header fields, whatever RET") {
    auto o = original();
    o.ret = "FULL";
    const auto delayed = outcome("x@example.net", Action::delayed, "451 4.4.1 later");
    CHECK(contains(delivery_status(reporter(), o, {&delayed, 1}).data, "text/rfc822-headers"));
    const auto ok = outcome("x@example.net", Action::delivered, "250 2.0.0 Ok");
    const auto d = delivery_status(reporter(), o, {&ok, 1}).data;
    CHECK(contains(d, "text/rfc822-headers"));
    CHECK(contains(d, "Subject: Successful Mail Delivery Report"));
    CHECK(contains(d, "Action: delivered\r\nStatus: 2.0.0\r\n"));
  }
  SECTION("an original over the bound comes back as its header fields, said so") {
    const std::string big = message + std::string(100'000, 'z') + "\r\n";
    auto r = reporter();
    r.max_returned = 10'000;
    const auto d = delivery_status(r, original(big), {&failed, 1}).data;
    CHECK(contains(d, "text/rfc822-headers"));
    CHECK(contains(d, "too large to be returned whole"));
    CHECK(d.size() < 10'000);
    check_lines(d);
  }
  SECTION("header fields over the bound are cut before a whole field") {
    std::string headers;
    for (int i = 0; i < 200; ++i)
      headers += "X-Filler-" + std::to_string(i) + ": some text\r\n  continued\r\n";
    auto r = reporter();
    r.max_returned = 1'000;
    const std::string data = headers + "\r\nbody\r\n";
    auto o = original(data);
    o.ret = "HDRS";
    const auto d = delivery_status(r, o, {&failed, 1}).data;
    const auto part = d.substr(d.find("text/rfc822-headers"));
    CHECK(part.size() < 1'300);
    // The last returned field keeps its continuation line.
    const auto last = part.rfind("X-Filler-");
    CHECK(part.find("  continued\r\n", last) != std::string::npos);
  }
}

TEST_CASE("8-bit originals and addresses use RFC 6533's global types", "[report]") {
  const std::string utf8 = "Subject: Caf\xC3\xA9\r\n\r\nbody\r\n";
  const auto failed = outcome("j\xC3\xB6rg@example.net", Action::failed, "550 5.1.1 no");
  const auto d = delivery_status(reporter(), original(utf8), {&failed, 1}).data;
  CHECK(contains(d, "Content-Type: message/global-delivery-status\r\n"));
  CHECK(contains(d, "Final-Recipient: utf-8; j\xC3\xB6rg@example.net"));
  CHECK(contains(d, "Content-Type: message/global\r\nContent-Transfer-Encoding: 8bit\r\n"));
}

TEST_CASE("each style has its provider's sender, subject and text", "[report]") {
  const auto failed = outcome("nobody@example.net", Action::failed, "550 5.1.1 User unknown");
  const auto delayed = outcome("nobody@example.net", Action::delayed, "451 4.2.2 Full");
  SECTION("Gmail") {
    const auto d = delivery_status(reporter(Style::gmail), original(), {&failed, 1}).data;
    CHECK(contains(d, "From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\n"));
    CHECK(contains(d, "Subject: Delivery Status Notification (Failure)\r\n"));
    CHECK(contains(d, "X-Failed-Recipients: nobody@example.net\r\n"));
    CHECK(contains(d, "** Address not found **"));
    CHECK(contains(d, "The response from the remote server was:\r\n550 5.1.1 User unknown\r\n"));
    CHECK(contains(delivery_status(reporter(Style::gmail), original(), {&delayed, 1}).data,
                   "Subject: Delivery Status Notification (Delay)\r\n"));
  }
  SECTION("Microsoft") {
    const auto d = delivery_status(reporter(Style::microsoft), original(), {&failed, 1}).data;
    CHECK(contains(d, "Subject: Undeliverable: Hello\r\n"));
    CHECK(contains(d, "Delivery has failed to these recipients or groups:"));
    CHECK(contains(d, "Remote Server returned '550 5.1.1 User unknown'"));
    CHECK(contains(d, "Generating server: mx.test"));
  }
  SECTION("Postfix delay warning") {
    const auto d = delivery_status(reporter(), original(), {&delayed, 1}).data;
    CHECK(contains(d, "Subject: Delayed Mail (still being retried)\r\n"));
    CHECK(contains(d, "THIS IS A WARNING ONLY"));
  }
  CHECK(parse_style("gmail") == Style::gmail);
  CHECK(!parse_style("yahoo"));
  CHECK(parse_action("relayed") == Action::relayed);
  CHECK(!parse_action("expanded"));
}

TEST_CASE("an auto-reply follows RFC 3834", "[report]") {
  const auto g = auto_reply(reporter(), original(), "away@example.net", {"", "Back on Monday."});
  REQUIRE(g);
  CHECK(g->from.empty());  // §3.3: the null return path
  CHECK(g->to == "sender@example.test");
  check_lines(g->data);
  CHECK(contains(g->data, "From: <away@example.net>\r\n"));
  CHECK(contains(g->data, "Subject: Auto: Hello\r\n"));
  CHECK(contains(g->data, "Auto-Submitted: auto-replied\r\n"));
  CHECK(contains(g->data, "In-Reply-To: <m1@example.test>\r\n"));
  CHECK(contains(g->data, "\r\n\r\nBack on Monday.\r\n"));

  const auto with_subject =
      auto_reply(reporter(), original(), "away@example.net", {"Out of office", "x"});
  CHECK(contains(with_subject->data, "Subject: Out of office\r\n"));

  SECTION("no answer to a null sender, an automatic message, a list or bulk") {
    auto null = original();
    null.from = "";
    CHECK(!auto_reply(reporter(), null, "a@b", {}));
    for (const char* field : {"Auto-Submitted: auto-generated", "Precedence: bulk",
                              "Precedence: list", "List-Id: <l.example>"}) {
      const std::string m = std::string(field) + "\r\n" + message;
      CHECK(!auto_reply(reporter(), original(m), "a@b", {}));
    }
    const std::string no = "Auto-Submitted: no\r\n" + message;
    CHECK(auto_reply(reporter(), original(no), "a@b", {}));
  }
}

TEST_CASE("a complaint is an RFC 5965 feedback report", "[report]") {
  const auto g = complaint(reporter(), original(), "victim@example.net", "abuse");
  REQUIRE(g);
  CHECK(g->to == "sender@example.test");
  check_lines(g->data);
  CHECK(contains(g->data, "report-type=feedback-report"));
  CHECK(contains(g->data,
                 "Content-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
                 "User-Agent: Bounceback\r\nVersion: 1\r\n"
                 "Original-Mail-From: <sender@example.test>\r\n"
                 "Original-Rcpt-To: <victim@example.net>\r\n"
                 "Arrival-Date: Mon, 30 Nov 2026 08:59:00 +0000\r\n"
                 "Reporting-MTA: dns; mx.test\r\nSource-IP: 192.0.2.1\r\n"
                 "Reported-Domain: example.test\r\n"));
  CHECK(contains(g->data, "Content-Type: message/rfc822\r\n\r\nFrom: <sender@example.test>"));
  auto null = original();
  null.from = "";
  CHECK(!complaint(reporter(), null, "victim@example.net", "abuse"));
  CHECK(valid_feedback_type("not-spam"));
  CHECK(!valid_feedback_type("spam"));
}

TEST_CASE("any original gives well-formed reports (random originals)", "[report]") {
  std::mt19937_64 rng(1234);
  const std::string alphabet = "ab \t:\r\n-=_?@<>\x80\xC3\xA9";
  for (int round = 0; round < 300; ++round) {
    std::string data;
    const auto n = rng() % 3000;
    for (std::size_t i = 0; i < n; ++i) data += alphabet[rng() % alphabet.size()];
    if (round % 7 == 0) data += std::string(2000, 'L');              // a line over 998
    if (round % 5 == 0) data += "\r\n--=_bb000000000000002a_0\r\n";  // the first boundary
    auto r = reporter(static_cast<Style>(round % 3));
    r.max_returned = rng() % 4000;
    auto o = original(data);
    o.ret = round % 2 ? "FULL" : "HDRS";
    const auto action = static_cast<Action>(round % 4);
    const auto rcpt = outcome("r@example.net", action, "550 5.1.1 x");
    const auto g = delivery_status(r, o, {&rcpt, 1});
    check_lines(g.data);
    const auto b = boundary_of(g.data);
    CHECK(count(g.data, "--" + b) == 4);  // three parts and the close, nothing in the content
    check_lines(auto_reply(r, o, "a@example.net", {"s", data}).value_or(Generated{}).data);
    const auto c = complaint(r, o, "a@example.net", "abuse");
    check_lines(c->data);
    CHECK(count(c->data, "--" + boundary_of(c->data)) == 4);
  }
}
