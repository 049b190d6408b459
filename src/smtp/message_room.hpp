// Room for a message's bytes as they arrive (DATA and BDAT). A small message grows as a
// string does. A large one is given its whole room at once: doubling a 30 MiB string copies
// it, and for a moment the old and the new copy both take memory (twice the message). The room
// also holds the Received header the store prepends, so that is a shift in place, not a copy.
#pragma once

#include <cstdint>
#include <string>

namespace bounceback::smtp {

// From this size on, a message that needs more room gets its final room, not double.
inline constexpr std::size_t large_message = std::size_t{1} << 20;
// Room kept for the Received header (smtp/received.hpp: its client text is bounded, ~1.2 KiB).
inline constexpr std::size_t received_room = 2048;

// Makes room in `body` for `more` bytes. `known` is the message's final size when known (a
// BDAT LAST chunk), `declared` the SIZE= of MAIL (0: none), `max_size` the size bound. Call it
// only when the bytes do not fit (body.size() + more > body.capacity()): the check stays inline.
// The room is reserved address space: pages never written take no memory (an mmap).
void make_room(std::string& body, std::size_t more, std::uint64_t known, std::uint64_t declared,
               std::uint64_t max_size);

}  // namespace bounceback::smtp
