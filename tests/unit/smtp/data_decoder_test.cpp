// The DATA decoder: dot-unstuffing, the CRLF.CRLF end marker at every chunk boundary,
// smuggling-shaped input, the bare-LF policies and the size bound.
#include "smtp/data_decoder.hpp"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

using namespace bounceback::smtp;

namespace {

struct Result {
  std::string body;
  std::size_t consumed = 0;
  bool done = false, oversize = false, bare_lf = false;
  std::uint64_t size = 0;
  bool operator==(const Result&) const = default;
};

// Feeds `input` cut at `cuts` (ascending offsets); stops feeding once the decoder is done.
Result decode(std::string_view input, const std::vector<std::size_t>& cuts,
              BareLfPolicy policy = BareLfPolicy::normalize, std::uint64_t max = 1 << 20) {
  DataDecoder d;
  d.reset(max, policy);
  Result r;
  std::size_t from = 0;
  auto piece = [&](std::size_t to) {
    if (d.done()) return;
    const auto n = d.feed(input.substr(from, to - from));
    CHECK(n <= to - from);
    r.consumed += n;
    if (!d.done()) CHECK(n == to - from);  // all of a piece is used until the end marker
    from = to;
  };
  for (const auto c : cuts) piece(c);
  piece(input.size());
  r.body = d.body();
  r.done = d.done();
  r.oversize = d.oversize();
  r.bare_lf = d.bare_lf();
  r.size = d.size();
  return r;
}

Result decode(std::string_view input, BareLfPolicy policy = BareLfPolicy::normalize,
              std::uint64_t max = 1 << 20) {
  return decode(input, {}, policy, max);
}

}  // namespace

TEST_CASE("DATA: dot-unstuffing and the end marker", "[smtp][data]") {
  auto [input, body] = GENERATE(table<std::string, std::string>({
      {".\r\n", ""},
      {"a\r\n.\r\n", "a\r\n"},
      {"Subject: x\r\n\r\nbody\r\n.\r\n", "Subject: x\r\n\r\nbody\r\n"},
      {"..a\r\n.\r\n", ".a\r\n"},
      {"..\r\n.\r\n", ".\r\n"},
      {"...\r\n.\r\n", "..\r\n"},
      {"a\r\n..\r\n.\r\n", "a\r\n.\r\n"},
      {"a.\r\n.b\r\n.\r\n", "a.\r\nb\r\n"},
      {" .\r\n.\r\n", " .\r\n"},
      {".\rx\r\n.\r\n", "\rx\r\n"},
      {"a\rb\r\n.\r\n", "a\rb\r\n"},
      {"\r\r\n.\r\n", "\r\r\n"},
      {"\r\n\r\n.\r\n", "\r\n\r\n"},
      {"a\r\n.\r\nQUIT\r\n", "a\r\n"},
  }));
  CAPTURE(input);
  const auto r = decode(input);
  CHECK(r.done);
  CHECK(r.body == body);
  CHECK(r.size == body.size());
  CHECK_FALSE(r.bare_lf);
  const auto end = input.starts_with(".\r\n") ? 3 : input.find("\r\n.\r\n") + 5;
  CHECK(r.consumed == end);
}

TEST_CASE("DATA: the end marker is found across every chunk boundary", "[smtp][data]") {
  const std::vector<std::string> inputs = {
      "a\r\n.\r\n",
      ".\r\n",
      "..x\r\n..\r\n.\rq\r\n\r\n.\r\nNEXT",
      "a\n.\nb\r\n.\n\r\n.\r\n",
      "x\r\n.\r \r\n.\r\n",
  };
  for (const auto& input : inputs) {
    CAPTURE(input);
    const auto whole = decode(input);
    REQUIRE(whole.done);
    // Every split into three pieces.
    for (std::size_t i = 0; i <= input.size(); ++i)
      for (std::size_t j = i; j <= input.size(); ++j) {
        CAPTURE(i, j);
        REQUIRE(decode(input, {i, j}) == whole);
      }
    // Byte by byte.
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    CHECK(decode(input, every) == whole);
  }
}

TEST_CASE("DATA: random splits of a long message give the same result", "[smtp][data]") {
  std::mt19937 rng(20240611);
  std::string input;
  const char* lines[] = {"Subject: t", "", ".", "..", ".x", "a.b", "\r", "x\rx", "plain text"};
  for (int i = 0; i < 400; ++i) {
    std::string l = lines[rng() % std::size(lines)];
    if (l == ".") l = "..";  // a lone "." would end it; stuffed it is data
    input += l + "\r\n";
  }
  input += ".\r\nQUIT\r\n";
  const auto whole = decode(input);
  REQUIRE(whole.done);
  CHECK(whole.consumed == input.size() - 6);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::size_t> cuts;
    for (std::size_t at = 0; at < input.size(); at += 1 + rng() % 17) cuts.push_back(at);
    CAPTURE(round);
    REQUIRE(decode(input, cuts) == whole);
  }
}

TEST_CASE("DATA: bare-LF end markers never end the message (smuggling)", "[smtp][data]") {
  const std::string smuggle[] = {
      "a\n.\nMAIL FROM:<x@y>\r\n",
      "a\r\n.\nMAIL FROM:<x@y>\r\n",
      "a\n.\r\nMAIL FROM:<x@y>\r\n",
      "a\r.\r\nMAIL FROM:<x@y>\r\n",
      "a\r\n.\r",
      "\n.\n",
      "\n.\r\n",
  };
  for (const auto& input : smuggle) {
    for (const auto policy : {BareLfPolicy::normalize, BareLfPolicy::keep, BareLfPolicy::reject}) {
      CAPTURE(input, static_cast<int>(policy));
      const auto r = decode(input, policy);
      CHECK_FALSE(r.done);
      CHECK(r.consumed == input.size());
    }
  }
}

TEST_CASE("DATA: bare LF under each policy", "[smtp][data]") {
  const std::string input = "a\nb\r\n.\nc\r\n\n.\r\n.\r\n";
  SECTION("normalize stores CRLF") {
    const auto r = decode(input, BareLfPolicy::normalize);
    CHECK(r.done);
    CHECK(r.bare_lf);
    CHECK(r.body == "a\r\nb\r\n\r\nc\r\n\r\n.\r\n");
  }
  SECTION("keep stores the bytes as sent, minus stuffing") {
    const auto r = decode(input, BareLfPolicy::keep);
    CHECK(r.done);
    CHECK(r.bare_lf);
    CHECK(r.body == "a\nb\r\n\nc\r\n\n.\r\n");
  }
  SECTION("reject reads to the end and reports it") {
    const auto r = decode(input, BareLfPolicy::reject);
    CHECK(r.done);
    CHECK(r.bare_lf);
  }
  SECTION("CRLF-only input is not flagged") {
    CHECK_FALSE(decode("a\r\nb\r\n.\r\n", BareLfPolicy::reject).bare_lf);
  }
}

TEST_CASE("DATA: the size bound stops storing but keeps counting", "[smtp][data]") {
  SECTION("over the bound") {
    const std::string input = "0123456789abcdef\r\n..more\r\n.\r\nNEXT";
    const auto r = decode(input, BareLfPolicy::normalize, 10);
    CHECK(r.done);
    CHECK(r.oversize);
    CHECK(r.body.empty());
    CHECK(r.size == 18 + 7);
    CHECK(r.consumed == input.size() - 4);
  }
  SECTION("exactly at the bound") {
    const auto r = decode("12345678\r\n.\r\n", BareLfPolicy::normalize, 10);
    CHECK(r.done);
    CHECK_FALSE(r.oversize);
    CHECK(r.body == "12345678\r\n");
  }
  SECTION("one past the bound, split byte by byte") {
    const std::string input = "123456789\r\n.\r\n";
    std::vector<std::size_t> every;
    for (std::size_t i = 1; i < input.size(); ++i) every.push_back(i);
    const auto r = decode(input, every, BareLfPolicy::normalize, 10);
    CHECK(r.done);
    CHECK(r.oversize);
    CHECK(r.size == 11);
  }
  SECTION("a large message with a small bound holds no memory") {
    DataDecoder d;
    d.reset(1000, BareLfPolicy::normalize);
    const std::string line(998, 'x');
    for (int i = 0; i < 1000; ++i) d.feed(line + "\r\n");
    CHECK(d.oversize());
    CHECK(d.body().capacity() < 1000);
    CHECK(d.feed(".\r\n") == 3);
    CHECK(d.done());
    CHECK(d.size() == 1000u * 1000u);
  }
}

TEST_CASE("DATA: reset starts a new message", "[smtp][data]") {
  DataDecoder d;
  d.reset(5, BareLfPolicy::reject);
  d.feed("toolong\n\r\n.\r\n");
  REQUIRE(d.done());
  REQUIRE(d.oversize());
  d.reset(100, BareLfPolicy::normalize);
  CHECK_FALSE(d.done());
  CHECK_FALSE(d.oversize());
  CHECK_FALSE(d.bare_lf());
  CHECK(d.feed(".\r\n") == 3);
  CHECK(d.done());
  CHECK(d.body().empty());
  CHECK(d.size() == 0);
}
