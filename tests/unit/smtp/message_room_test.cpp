// A large message's room: reserved once (its known size, its SIZE=, else the bound, plus the
// Received header's), a small one left to grow as strings do, and the DATA and BDAT readers
// asking for it, so a large message is never copied to grow.
#include "smtp/message_room.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "smtp/chunk_reader.hpp"
#include "smtp/data_decoder.hpp"

using namespace bounceback::smtp;

namespace {
constexpr std::uint64_t MiB = 1 << 20;
constexpr std::uint64_t bound = 35 * MiB;
}  // namespace

TEST_CASE("make_room: small messages grow as strings do", "[smtp][room]") {
  std::string body(1000, 'x');
  make_room(body, 1000, 0, 30 * MiB, bound);
  CHECK(body.capacity() < 4096);  // no room for the declared 30 MiB yet
}

TEST_CASE("make_room: a large message gets its final room at once", "[smtp][room]") {
  std::string body(MiB - 10, 'x');
  SECTION("a known size (BDAT LAST) first") {
    make_room(body, 100, 3 * MiB, 30 * MiB, bound);
    CHECK(body.capacity() >= 3 * MiB + received_room);
    CHECK(body.capacity() < 4 * MiB);
  }
  SECTION("then the declared SIZE=") {
    make_room(body, 100, 0, 30 * MiB, bound);
    CHECK(body.capacity() >= 30 * MiB + received_room);
    CHECK(body.capacity() < 31 * MiB);
  }
  SECTION("a SIZE= too small for the data: the bound") {
    make_room(body, 100, 0, MiB / 2, bound);
    CHECK(body.capacity() >= bound + received_room);
  }
  SECTION("no SIZE=: the bound") {
    make_room(body, 100, 0, 0, bound);
    CHECK(body.capacity() >= bound + received_room);
  }
  SECTION("past the bound: nothing (the message is refused, never stored)") {
    const auto before = body.capacity();
    make_room(body, 40 * MiB, 0, 0, bound);
    CHECK(body.capacity() == before);
  }
}

TEST_CASE("DATA: a 3 MiB message is never copied to grow", "[smtp][room]") {
  DataDecoder d;
  d.reset(bound, BareLfPolicy::normalize, 0);
  const std::string line = std::string(998, 'x') + "\r\n";
  // Past 1 MiB the body moves at most once: into its room (doubling would move it at 2 MiB).
  const void* at = nullptr;
  int moves = 0;
  for (int i = 0; i < 3 * 1024; ++i) {
    d.feed(line);
    if (d.body().size() < MiB) continue;
    if (at && at != d.body().data()) ++moves;
    at = d.body().data();
  }
  d.feed(".\r\n");
  REQUIRE(d.done());
  CHECK(d.body().size() == 3 * 1024 * line.size());
  CHECK(moves <= 1);
  CHECK(d.body().capacity() >= d.body().size() + received_room);
}

TEST_CASE("BDAT: one LAST chunk gets exactly its room", "[smtp][room]") {
  ChunkReader r;
  REQUIRE(r.begin("2097152 LAST", bound));
  std::string body;
  const std::string piece(65536, 'x');
  while (!r.done()) r.feed(piece, body);
  CHECK(body.size() == 2 * MiB);
  CHECK(body.capacity() >= 2 * MiB + received_room);
  CHECK(body.capacity() < 3 * MiB);
}
