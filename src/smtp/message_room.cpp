// A large message's room: its known size, else what the client declared (if it holds the
// data), else the size bound, plus the Received header's.
#include "smtp/message_room.hpp"

#include <algorithm>
#include <new>

namespace bounceback::smtp {

void make_room(std::string& body, std::size_t more, std::uint64_t known, std::uint64_t declared,
               std::uint64_t max_size) {
  const std::uint64_t need = std::uint64_t{body.size()} + more;
  if (need < large_message) return;  // append doubles it, as for any string
  if (need > max_size) return;       // a BDAT chunk past the bound: refused, never stored
  std::uint64_t room = known >= need ? known : declared >= need ? declared : max_size;
  room = std::max(std::min(room, max_size), need) + received_room;
  try {
    body.reserve(static_cast<std::size_t>(room));
  } catch (const std::bad_alloc&) {
    // No address space for the whole room: append grows it as usual.
  }
}

}  // namespace bounceback::smtp
