// A transcript in a session list: the first and last lines within the budget, the lines cut
// counted with the log's own gap as one run, and nothing changed when it fits.
#include "api/transcript_excerpt.hpp"

#include <catch2/catch.hpp>
#include <string>

using namespace bounceback;
using api::shorten_transcript;
using api::transcript_line_json_bytes;

namespace {

store::SessionView view_of(std::size_t lines, std::size_t text_bytes) {
  store::SessionView v;
  for (std::size_t i = 0; i < lines; ++i) {
    std::string text = std::to_string(i);
    text.resize(text_bytes, 'x');
    v.transcript.push_back({store::Clock::time_point{}, i % 2 == 0, text});
  }
  return v;
}

std::size_t json_bytes(const store::SessionView& v) {
  std::size_t n = 0;
  for (const auto& l : v.transcript) n += transcript_line_json_bytes(l);
  return n;
}

}  // namespace

TEST_CASE("a transcript within the budget is left whole", "[api]") {
  auto v = view_of(10, 100);
  CHECK_FALSE(shorten_transcript(v, json_bytes(v)));
  CHECK(v.transcript.size() == 10);
  CHECK_FALSE(v.elided);
  CHECK(v.dropped_lines == 0);
}

TEST_CASE("a long transcript keeps its first and last lines within the budget", "[api]") {
  auto v = view_of(1000, 100);  // 164 bytes of JSON a line
  REQUIRE(shorten_transcript(v, 16 * 1024));
  CHECK(json_bytes(v) <= 16 * 1024);
  REQUIRE(v.elided);
  const auto head = v.elided->after;
  CHECK(head == 16 * 1024 / 2 / 164);
  CHECK(v.transcript[head - 1].text.starts_with(std::to_string(head - 1) + "x"));
  CHECK(v.transcript.back().text.starts_with("999x"));
  CHECK(v.elided->lines == 1000 - v.transcript.size());
  CHECK(v.elided->bytes == v.elided->lines * 100);
  CHECK(v.dropped_lines == v.elided->lines);
  // The first line after the gap is the one right after the cut.
  const std::size_t resumed = 1000 - (v.transcript.size() - head);
  CHECK(v.transcript[head].text.starts_with(std::to_string(resumed) + "x"));
}

TEST_CASE("the cut and the log's own gap make one gap", "[api]") {
  // The log kept 300 first lines and 300 last ones, and left 5000 (500,000 bytes) out.
  auto v = view_of(600, 100);
  v.elided = store::Elision{300, 5000, 500000};
  v.dropped_lines = 5000;
  REQUIRE(shorten_transcript(v, 16 * 1024));
  REQUIRE(v.elided);
  const auto head = v.elided->after;
  CHECK(head < 300);
  CHECK(v.transcript.back().text.starts_with("599x"));
  const std::size_t cut = 600 - v.transcript.size();
  CHECK(v.elided->lines == 5000 + cut);
  CHECK(v.elided->bytes == 500000 + cut * 100);
  CHECK(v.dropped_lines == 5000 + cut);
  CHECK(json_bytes(v) <= 16 * 1024);
}

TEST_CASE("a head the log cut short leaves the rest of the budget to the tail", "[api]") {
  auto v = view_of(600, 100);
  v.elided = store::Elision{2, 10, 1000};  // only two first lines were kept
  REQUIRE(shorten_transcript(v, 16 * 1024));
  CHECK(v.elided->after == 2);
  CHECK(v.transcript.size() == 16 * 1024 / 164);
  CHECK(v.transcript[2].text.starts_with(std::to_string(600 - (v.transcript.size() - 2)) + "x"));
}

TEST_CASE("escaped bytes count as sent in the JSON", "[api]") {
  const store::TranscriptLine plain{store::Clock::time_point{}, true, "abc"};
  const store::TranscriptLine escaped{store::Clock::time_point{}, true, "a\"\\\x01"};
  CHECK(transcript_line_json_bytes(plain) == 64 + 3);
  CHECK(transcript_line_json_bytes(escaped) == 64 + 1 + 2 + 2 + 6);
}
