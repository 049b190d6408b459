// The BDAT chunk reader: the argument's syntax, exact chunk framing at any cut, the size
// bound, and refused or discarded chunks that are read but not kept.
#include "smtp/chunk_reader.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "smtp/replies.hpp"

using namespace bounceback::smtp;

TEST_CASE("chunk reader: BDAT's argument", "[smtp][bdat]") {
  auto [arg, ok, last] = GENERATE(table<std::string, bool, bool>({
      {"0", true, false},
      {"10", true, false},
      {"10 LAST", true, true},
      {"10 last", true, true},
      {"0 LAST", true, true},
      {"18446744073709551615", true, false},
      {"", false, false},
      {"LAST", false, false},
      {"10 MORE", false, false},
      {"10 LASTX", false, false},
      {"-1", false, false},
      {"+1", false, false},
      {"1x", false, false},
      {"18446744073709551616", false, false},  // past 64 bits
  }));
  CAPTURE(arg);
  ChunkReader c;
  CHECK(c.begin(arg, 100) == ok);
  if (ok) CHECK(c.last() == last);
}

TEST_CASE("chunk reader: reads exactly the chunk, at any cut", "[smtp][bdat]") {
  const std::string input = "0123456789NEXT COMMAND\r\n";
  for (std::size_t cut = 0; cut <= 10; ++cut) {
    CAPTURE(cut);
    ChunkReader c;
    std::string body = "before:";
    REQUIRE(c.begin("10", 100));
    CHECK(c.feed(input.substr(0, cut), body) == cut);
    CHECK(c.done() == (cut == 10));
    CHECK(c.feed(input.substr(cut), body) == 10 - cut);  // never past the chunk
    CHECK(c.done());
    CHECK(body == "before:0123456789");
    CHECK(c.error().empty());
  }
}

TEST_CASE("chunk reader: the size bound", "[smtp][bdat]") {
  ChunkReader c;
  std::string body;
  REQUIRE(c.begin("6", 10));
  CHECK(c.feed("abcdef", body) == 6);
  CHECK(body == "abcdef");
  REQUIRE(c.begin("5 LAST", 10));  // 11 octets in all: one too many
  CHECK(c.feed("ghijk", body) == 5);
  CHECK(c.done());
  CHECK(c.error() == replies::message_too_big);
  CHECK(body.empty());  // not kept past the bound
  CHECK(c.failed());    // the rest of the transaction is refused
  REQUIRE(c.begin("1", 10));
  CHECK(c.error().empty());  // each chunk starts clean; the session refuses it by failed()
  CHECK(c.failed());
}

TEST_CASE("chunk reader: refused and discarded chunks are read, not kept", "[smtp][bdat]") {
  std::string body = "kept";
  SECTION("refused: the reply is owed at the end of the chunk") {
    ChunkReader c;
    REQUIRE(c.begin("3", 100));
    c.refuse(replies::need_mail);
    CHECK(c.feed("xyzQUIT\r\n", body) == 3);
    CHECK(c.done());
    CHECK(c.error() == replies::need_mail);
    CHECK_FALSE(c.failed());  // a sequence error does not fail the transaction
  }
  SECTION("discarded: no reply of its own, and the transaction has failed") {
    ChunkReader c;
    REQUIRE(c.begin("3 LAST", 100));
    c.discard();
    CHECK(c.feed("xyz", body) == 3);
    CHECK(c.discarding());
    CHECK(c.error().empty());
    CHECK(c.failed());
    CHECK_FALSE(c.accepted());
  }
  CHECK(body == "kept");
}
