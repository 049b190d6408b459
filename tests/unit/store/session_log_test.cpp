// The session log's bounds: lines cut with a marker, a transcript over its own budget keeps
// its first and last lines with the gap counted, the log drops its oldest sessions to stay
// within its byte budget, and the byte count stays exact under concurrent writers.
#include "store/session_log.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

using bounceback::smtp::SessionFacts;
using bounceback::store::SessionBudget;
using bounceback::store::SessionLog;
using bounceback::store::SessionView;

namespace {

SessionFacts facts(int n) {
  SessionFacts f;
  f.id = "s-" + std::to_string(n);
  f.client_ip = "127.0.0.1";
  return f;
}

// "NOOP 000123 xxxx…" padded to `size` bytes, so a line's number is in its text.
std::string numbered(int n, std::size_t size) {
  std::string s = "NOOP " + std::to_string(1000000 + n).substr(1);
  s.resize(size, 'x');
  return s;
}

int number_of(const std::string& line) {
  return std::stoi(line.substr(5, 6));
}

// The sum of what the log's listed sessions hold.
std::size_t listed_bytes(const SessionLog& log) {
  std::size_t sum = 0;
  for (const auto& s : log.newest_first()) sum += s->bytes();
  return sum;
}

}  // namespace

TEST_CASE("session log: a short session keeps every line, in order, split at CRLF", "[store]") {
  SessionLog log(SessionBudget{});
  auto s = log.open(facts(1));
  s->line(false, "220 localhost ESMTP\r\n");
  s->line(true, "EHLO client.test");
  s->line(false, "250-localhost\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
  const SessionView v = s->view();
  REQUIRE(v.transcript.size() == 5);
  CHECK(v.transcript[0].text == "220 localhost ESMTP");
  CHECK_FALSE(v.transcript[0].inbound);
  CHECK(v.transcript[1].text == "EHLO client.test");
  CHECK(v.transcript[1].inbound);
  CHECK(v.transcript[4].text == "250 SIZE 1000");
  CHECK_FALSE(v.elided);
  CHECK(v.dropped_lines == 0);
  CHECK(log.bytes() == s->bytes());
  CHECK(log.evicted() == 0);
}

TEST_CASE("session log: a line over the line bound is cut with a marker, never inside UTF-8",
          "[store]") {
  SessionBudget budget;
  budget.line_bytes = 1000;
  SessionLog log(budget);
  auto s = log.open(facts(1));
  s->line(true, std::string(5000, 'a'));
  // 999 ASCII bytes then a 2-byte character across the bound.
  s->line(true, std::string(999, 'b') + "\xc3\xa9" + std::string(100, 'c'));
  const auto v = s->view();
  REQUIRE(v.transcript.size() == 2);
  CHECK(v.transcript[0].text == std::string(1000, 'a') + " [... 4000 more bytes]");
  CHECK(v.transcript[1].text == std::string(999, 'b') + " [... 102 more bytes]");
}

TEST_CASE("session log: a transcript over its budget keeps its first and last lines", "[store]") {
  SessionBudget budget;
  budget.session_bytes = 64 * 1024;
  SessionLog log(budget);
  auto s = log.open(facts(1));
  constexpr int lines = 10000;
  for (int i = 0; i < lines; ++i) s->line(true, numbered(i, 100));
  const auto v = s->view();
  REQUIRE(v.elided);
  INFO("kept " << v.transcript.size() << ", elided after " << v.elided->after);
  CHECK(v.transcript.size() + v.elided->lines == lines);
  CHECK(v.dropped_lines == v.elided->lines);
  CHECK(v.elided->bytes == v.elided->lines * 100);
  CHECK(log.elided_lines() == v.elided->lines);
  // Both ends are there: the first line and the very last one.
  CHECK(number_of(v.transcript.front().text) == 0);
  CHECK(number_of(v.transcript.back().text) == lines - 1);
  // The head runs without a gap up to `after`; the tail resumes past the elided lines.
  const auto after = v.elided->after;
  REQUIRE(after > 100);
  REQUIRE(after < v.transcript.size());
  for (std::size_t i = 0; i < v.transcript.size(); ++i) {
    const auto expected = i < after ? i : i + v.elided->lines;
    REQUIRE(number_of(v.transcript[i].text) == static_cast<int>(expected));
  }
  // The memory held stays within the budget (give or take one line) and is what the log counts.
  CHECK(s->bytes() <= budget.session_bytes + 256);
  CHECK(s->bytes() > budget.session_bytes / 2);
  CHECK(log.bytes() == s->bytes());
}

TEST_CASE("session log: the log drops its oldest sessions to stay within its byte budget",
          "[store]") {
  SessionBudget budget;
  budget.total_bytes = 256 * 1024;
  budget.session_bytes = 32 * 1024;
  SessionLog log(budget);
  constexpr int sessions = 100;
  for (int n = 0; n < sessions; ++n) {
    auto s = log.open(facts(n));
    for (int i = 0; i < 200; ++i) s->line(true, numbered(i, 100));  // 20 KB each
    s->end();
    CHECK(log.bytes() <= budget.total_bytes);
  }
  const auto kept = log.newest_first();
  INFO("kept " << kept.size() << " sessions, " << log.bytes() << " bytes");
  CHECK(kept.size() >= 5);
  CHECK(kept.size() < 20);
  CHECK(log.evicted() == sessions - kept.size());
  CHECK(log.bytes() == listed_bytes(log));
  CHECK(kept.front()->id() == "s-99");  // newest first, the newest kept
  CHECK(log.find("s-0") == nullptr);
  CHECK(log.find("s-99") != nullptr);
  for (std::size_t i = 0; i < kept.size(); ++i)
    CHECK(kept[i]->id() == "s-" + std::to_string(sessions - 1 - static_cast<int>(i)));
}

TEST_CASE("session log: a live session dropped from the log keeps nothing more", "[store]") {
  SessionBudget budget;
  budget.total_bytes = 128 * 1024;
  budget.session_bytes = 64 * 1024;
  SessionLog log(budget);
  auto oldest = log.open(facts(1));  // still open: its connection holds the record
  for (int i = 0; i < 300; ++i) oldest->line(true, numbered(i, 100));
  for (int n = 2; n < 6; ++n) {
    auto s = log.open(facts(n));
    for (int i = 0; i < 300; ++i) s->line(true, numbered(i, 100));
  }
  REQUIRE(log.find("s-1") == nullptr);
  const auto before = log.bytes();
  CHECK(before == listed_bytes(log));
  oldest->line(true, numbered(300, 100));
  const auto v = oldest->view();
  CHECK(v.evicted);
  CHECK(v.transcript.empty());
  CHECK(v.dropped_lines == 301);
  CHECK(oldest->bytes() < 1024);
  CHECK(log.bytes() == before);  // its lines no longer count
}

TEST_CASE("session log: the log keeps at most --max-sessions sessions", "[store]") {
  SessionBudget budget;
  budget.sessions = 3;
  SessionLog log(budget);
  for (int n = 0; n < 10; ++n) log.open(facts(n))->line(true, "QUIT");
  CHECK(log.size() == 3);
  CHECK(log.evicted() == 7);
  CHECK(log.bytes() == listed_bytes(log));
}

TEST_CASE("session log: one session's budget is at most the log's", "[store]") {
  SessionBudget budget;
  budget.total_bytes = 16 * 1024;
  budget.session_bytes = 1024 * 1024;
  SessionLog log(budget);
  auto s = log.open(facts(1));
  for (int i = 0; i < 1000; ++i) s->line(true, numbered(i, 100));
  CHECK(log.budget().session_bytes == 16 * 1024);
  CHECK(s->bytes() <= 16 * 1024 + 256);
  CHECK(log.size() == 1);
  CHECK(s->view().elided);
}

TEST_CASE("session log: the byte count stays exact with sessions written and evicted concurrently",
          "[store]") {
  SessionBudget budget;
  budget.total_bytes = 512 * 1024;
  budget.session_bytes = 48 * 1024;
  SessionLog log(budget);
  std::vector<std::thread> writers;
  std::atomic<std::size_t> most{0};
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&log, &most, t] {
      for (int n = 0; n < 50; ++n) {
        auto s = log.open(facts(t * 1000 + n));
        for (int i = 0; i < 400; ++i) {
          s->line(i % 2 == 0, numbered(i, 60 + (i * 7) % 200));
          std::size_t seen = most.load();
          const std::size_t now = log.bytes();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
        }
        s->end();
      }
    });
  for (auto& w : writers) w.join();
  // Between a record's growth and the eviction it causes, each writer may be over by what
  // one line grew its record (a head buffer doubling, at most half a session's budget).
  CHECK(most.load() <= budget.total_bytes + 4 * budget.session_bytes / 2);
  CHECK(log.bytes() == listed_bytes(log));
  CHECK(log.bytes() <= budget.total_bytes);
  CHECK(log.evicted() + log.size() == 200);
}
