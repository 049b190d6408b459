// The Received header: RFC 3848 "with" names, the RFC 5322 date, the folded layout, and
// client text that cannot break out of the header.
#include "smtp/received.hpp"

#include <catch2/catch.hpp>
#include <ctime>

#include "smtp/message_room.hpp"

using namespace bounceback::smtp;
using namespace std::chrono;

namespace {
// 2026-11-30 09:54:36 UTC, a Monday.
const system_clock::time_point kAt =
    sys_days{year{2026} / 11 / 30} + hours(9) + minutes(54) + seconds(36) + milliseconds(789);

AcceptedMessage message() {
  AcceptedMessage m;
  m.queue_id = "S1.1";
  m.helo = "client.example";
  m.client_ip = "192.0.2.7";
  m.server_hostname = "mx.test";
  m.esmtp = true;
  m.rcpts.push_back({"bob@example.test", {}});
  return m;
}
}  // namespace

TEST_CASE("with: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA (RFC 3848)", "[smtp][received]") {
  CHECK(with_protocol(false, false, false) == "SMTP");
  CHECK(with_protocol(true, false, false) == "ESMTP");
  CHECK(with_protocol(true, true, false) == "ESMTPS");
  CHECK(with_protocol(true, false, true) == "ESMTPA");
  CHECK(with_protocol(true, true, true) == "ESMTPSA");
  CHECK(with_protocol(true, false, false, true) == "LMTP");
  CHECK(with_protocol(true, true, true, true) == "LMTPSA");
}

TEST_CASE("the date is RFC 5322, UTC, whole seconds", "[smtp][received]") {
  CHECK(rfc5322_date(kAt) == "Mon, 30 Nov 2026 09:54:36 +0000");
  CHECK(rfc5322_date(sys_days{year{2027} / 1 / 3}) == "Sun, 3 Jan 2027 00:00:00 +0000");
  CHECK(rfc5322_date(sys_days{year{1970} / 1 / 1}) == "Thu, 1 Jan 1970 00:00:00 +0000");
  CHECK(rfc5322_date(sys_days{year{2028} / 2 / 29} + seconds(86399)) ==
        "Tue, 29 Feb 2028 23:59:59 +0000");
}

TEST_CASE("the date agrees with gmtime over centuries", "[smtp][received]") {
  // Every ~3.7 days and a few hours from 1970 to 2126 (the clock can be moved 100 years on).
  for (std::int64_t t = 0; t < 4'900'000'000; t += 319'993) {
    const std::time_t at = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&at, &tm);
    char want[64];
    std::strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    std::string expected = want;
    if (expected[5] == '0') expected.erase(5, 1);  // the day without a leading zero
    INFO(t);
    REQUIRE(rfc5322_date(system_clock::from_time_t(at)) == expected);
  }
}

TEST_CASE("Received header layout", "[smtp][received]") {
  SECTION("one recipient: for <rcpt>") {
    CHECK(received_header(message(), kAt) ==
          "Received: from client.example ([192.0.2.7])\r\n"
          "\tby mx.test (Bounceback) with ESMTP id S1.1\r\n"
          "\tfor <bob@example.test>; Mon, 30 Nov 2026 09:54:36 +0000\r\n");
  }
  SECTION("several recipients, IPv6, TLS and AUTH") {
    auto m = message();
    m.rcpts.push_back({"carol@example.test", {}});
    m.client_ip = "::1";
    m.tls = true;
    m.tls_version = "TLSv1.3";
    m.tls_cipher = "TLS_AES_256_GCM_SHA384";
    m.auth_user = "alice";
    CHECK(received_header(m, kAt) ==
          "Received: from client.example ([IPv6:::1])\r\n"
          "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
          "\tby mx.test (Bounceback) with ESMTPSA id S1.1; Mon, 30 Nov 2026 09:54:36 +0000\r\n");
  }
  SECTION("HELO text with control characters cannot end the header") {
    auto m = message();
    m.helo = "evil\rX-Injected: yes\n\x01";
    m.rcpts.front().address = "x\r\n@y";
    const auto h = received_header(m, kAt);
    CHECK(h.starts_with("Received: from evil?X-Injected: yes?? ([192.0.2.7])\r\n"));
    CHECK_THAT(h, Catch::Contains("for <x??@y>;"));
    std::size_t crlf = 0;
    for (std::size_t i = h.find("\r\n"); i != std::string::npos; i = h.find("\r\n", i + 2)) {
      ++crlf;
      CHECK((i + 2 == h.size() || h[i + 2] == '\t'));  // every line break is a fold
    }
    CHECK(crlf == 3);
    CHECK(h.find('\r', 0) == h.find("\r\n"));  // no bare CR
  }
  SECTION("a long HELO is cut") {
    auto m = message();
    m.helo = std::string(600, 'h');
    CHECK(received_header(m, kAt).find(std::string(256, 'h')) == std::string::npos);
  }
}

TEST_CASE("prepend_received_header writes the same header in front of the data",
          "[smtp][received]") {
  auto m = message();
  m.helo = "evil\r\nX: y";
  m.tls = true;
  m.tls_version = "TLSv1.3";
  m.tls_cipher = "TLS_AES_128_GCM_SHA256";
  m.data = "Subject: s\r\n\r\nbody\r\n";
  const std::string expected = received_header(m, kAt) + m.data;
  SECTION("in a string without room") {
    prepend_received_header(m, kAt);
    CHECK(m.data == expected);
  }
  SECTION("in place, in a large message's room") {
    m.data.reserve(m.data.size() + received_room);
    const void* room = m.data.data();
    prepend_received_header(m, kAt);
    CHECK(m.data == expected);
    CHECK(static_cast<const void*>(m.data.data()) == room);  // not a new string
  }
}
