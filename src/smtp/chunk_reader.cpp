// BDAT chunk framing (RFC 3030 §2) and its size bound.
#include "smtp/chunk_reader.hpp"

#include <algorithm>
#include <charconv>

#include "smtp/command.hpp"
#include "smtp/message_room.hpp"
#include "smtp/replies.hpp"

namespace bounceback::smtp {

bool ChunkReader::begin(std::string_view arg, std::uint64_t max_size, std::uint64_t declared) {
  // "BDAT" SP chunk-size [ SP end-marker ]
  const auto sp = arg.find(' ');
  const auto count = arg.substr(0, sp);
  const auto marker = sp == std::string_view::npos ? std::string_view{} : arg.substr(sp + 1);
  std::uint64_t size = 0;
  const auto [p, ec] = std::from_chars(count.data(), count.data() + count.size(), size);
  const bool last = iequals(marker, "LAST");
  if (count.empty() || ec != std::errc{} || p != count.data() + count.size() ||
      (!marker.empty() && !last))
    return false;
  remaining_ = size;
  max_size_ = max_size;
  declared_ = declared;
  last_ = last;
  error_ = {};
  discard_ = false;
  return true;
}

std::size_t ChunkReader::feed(std::string_view input, std::string& body) {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
  if (error_.empty() && !discard_) {
    if (body.size() + n > max_size_) {
      error_ = replies::message_too_big;
      failed_ = true;
      body.clear();
    } else {
      // Room for the rest of the chunk: after a LAST one, the message's final size is known.
      if (body.size() + n > body.capacity())
        make_room(body, static_cast<std::size_t>(remaining_), last_ ? body.size() + remaining_ : 0,
                  declared_, max_size_);
      body.append(input.substr(0, n));
    }
  }
  remaining_ -= n;
  return n;
}

}  // namespace bounceback::smtp
